from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "accord.billing"
    label = "billing"
    verbose_name = _("Billing and collections")

    def ready(self) -> None:
        from accord.billing import handlers, lists, panels, searching  # noqa: F401 - consumers; lists; 360° pages

        searching.register()
