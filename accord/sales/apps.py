from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "accord.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from accord.sales import handlers, panels, searching  # noqa: F401 - event consumers; deals on 360° pages

        searching.register()
