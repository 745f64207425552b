from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "accord.portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from accord.portal import panels  # noqa: F401 - the invitation panel on a contact's page
