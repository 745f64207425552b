"""Every write of the messaging app: in-app notifications, the outbox, delivery and templates."""

from accord.messaging.services.notifications import mark_read, notify, unread_count
from accord.messaging.services.outbox import (
    Outgoing,
    OutgoingAttachment,
    mark_delivered,
    queue_many,
    queue_message,
    record_bounce,
    record_complaint,
    retry_now,
)

__all__ = [
    "Outgoing",
    "OutgoingAttachment",
    "mark_delivered",
    "mark_read",
    "notify",
    "queue_many",
    "queue_message",
    "record_bounce",
    "record_complaint",
    "retry_now",
    "unread_count",
]
