"""Every write of the messaging app: in-app notifications, the outbox, delivery and templates."""

from accord.messaging.services.notifications import mark_read, notify, unread_count
from accord.messaging.services.outbox import (
    OutgoingAttachment,
    mark_delivered,
    queue_message,
    record_bounce,
    retry_now,
)

__all__ = [
    "OutgoingAttachment",
    "mark_delivered",
    "mark_read",
    "notify",
    "queue_message",
    "record_bounce",
    "retry_now",
    "unread_count",
]
