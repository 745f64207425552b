"""Reads of the messages a user receives: their in-app notifications, never anyone else's."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accord.messaging.models import Message, MessageChannel


def notifications(user: Any, *, limit: int = 100) -> QuerySet[Message]:
    """The user's newest in-app notifications."""
    return Message.objects.filter(recipient_user_id=user.pk, channel=MessageChannel.IN_APP)[:limit]


def notification(user: Any, pk: Any) -> Message | None:
    """One message sent to ``user``; None for anyone else's, a missing one or a malformed key."""
    try:
        return Message.objects.filter(pk=pk, recipient_user_id=user.pk).first()
    except (ValueError, TypeError, ValidationError):
        return None
