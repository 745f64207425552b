from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "accord.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        from accord.marketing import events, handlers, panels  # noqa: F401 - event payloads and consumers; the contact page's consent panel
