"""What the service app does when events arrive. Tickets ask billing to hold collections back
through the core's ``collections.pause_requested``; the SLA check's findings become the in-app
notices of the people concerned here, after the check has committed."""

from accord.core.events import on
from accord.core.models import Event
from accord.service.services import sla


@on("service.ticket.sla_warning", "service.ticket.sla_breached")
def sla_notices(event: Event) -> None:
    sla.deliver_notices(event)
