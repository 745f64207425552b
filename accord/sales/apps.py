from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "accord.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from accord.sales import handlers, importing, lists, panels, searching  # noqa: F401 - consumers; imports; lists; 360° pages

        searching.register()
        from accord.messaging.services import letters
        from accord.sales.services.quotes import seller_details

        letters.set_seller_source(seller_details)
