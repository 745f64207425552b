from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "accord.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from accord.service import events, handlers, lists, panels  # noqa: F401 - payloads, consumers, the list, panels
