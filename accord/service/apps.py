from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "accord.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from accord.core import attachments
        from accord.service import events, handlers, lists, panels  # noqa: F401 - payloads, consumers, the list, panels
        from accord.service.models import TicketMessage

        # An inbound e-mail's files hang off its message; whoever may change the ticket may add some.
        attachments.enable(TicketMessage, change_via="ticket")
