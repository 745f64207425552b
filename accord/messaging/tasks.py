"""Background tasks of messaging: sending the outbox."""

from __future__ import annotations

from django.tasks import task

from accord.core.scheduler import periodic
from accord.messaging.services import delivery


@task()
def deliver_message(message_id: str) -> str:
    """Send one message just queued (enqueued once its transaction commits; a no-op when another
    worker or the sweep got to it first)."""
    return delivery.deliver_one(message_id)


@periodic("* * * * *")
@task()
def send_due_messages() -> int:
    """Every minute: send what is due (retries, lost nudges, sends whose worker died), for at
    most 50 seconds so the next minute's run does not pile up behind this one."""
    return delivery.deliver_due(limit=10_000, seconds=50)
