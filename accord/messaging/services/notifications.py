"""Queueing and delivering messages. In-app notifications are delivered the moment they are queued:
the inbox is the table itself."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accord.messaging.models import Message, MessageChannel, MessageState


@transaction.atomic
def notify(
    *,
    user: Any,
    subject: str,
    body: str = "",
    url: str = "",
    idempotency_key: str,
    related: Any = None,
) -> Message:
    """Put a notification in ``user``'s in-app inbox, once per ``idempotency_key``."""
    existing = Message.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            return Message.objects.create(
                channel=MessageChannel.IN_APP,
                state=MessageState.DELIVERED,
                idempotency_key=idempotency_key,
                recipient_user=user,
                subject=subject[:200],
                body=body,
                url=url,
                related_entity=related._meta.label_lower if related is not None else "",
                related_id=related.pk if related is not None else None,
                sent_at=now,
            )
    except IntegrityError:
        # The same key committed by a concurrent consumer: theirs is the one.
        return Message.objects.get(idempotency_key=idempotency_key)


def unread_count(user: Any) -> int:
    return Message.objects.filter(recipient_user=user, channel=MessageChannel.IN_APP, read_at__isnull=True).count()


def mark_read(*, user: Any, message_ids: list[Any] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given)."""
    qs = Message.objects.filter(recipient_user=user, channel=MessageChannel.IN_APP, read_at__isnull=True)
    if message_ids is not None:
        qs = qs.filter(pk__in=message_ids)
    return qs.update(read_at=timezone.now())
