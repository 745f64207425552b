"""Reads of messages: a user's own in-app notifications (never anyone else's); the outbox and the
message templates, for administrators."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet

from accord.core import access
from accord.messaging.models import Message, MessageChannel, MessageState, MessageTemplate


def notifications(user: Any, *, limit: int = 100) -> QuerySet[Message]:
    """The user's newest in-app notifications."""
    return Message.objects.filter(recipient_user_id=user.pk, channel=MessageChannel.IN_APP)[:limit]


def notification(user: Any, pk: Any) -> Message | None:
    """One message sent to ``user``; None for anyone else's, a missing one or a malformed key."""
    try:
        return Message.objects.filter(pk=pk, recipient_user_id=user.pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


# --- the outbox, for administrators ------------------------------------------------------------------


def outbox(user: Any, *, state: str = "", channel: str = "") -> QuerySet[Message]:
    """Every message queued for customers (not in-app notifications), newest first; nothing for
    anyone but an administrator."""
    if not access.is_admin(user):
        return Message.objects.none()
    found = Message.objects.exclude(channel=MessageChannel.IN_APP).select_related("contact", "company")
    if state in MessageState.values:
        found = found.filter(state=state)
    if channel in MessageChannel.values:
        found = found.filter(channel=channel)
    return found.defer("body", "body_html")


def outbox_message(user: Any, pk: Any) -> Message | None:
    try:
        return outbox(user).prefetch_related("attachments").filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


def outbox_counts(user: Any) -> dict[str, int]:
    """How many messages are in each state, for the filter."""
    rows = outbox(user).order_by().values_list("state").annotate(n=Count("pk"))
    return dict(rows)


def message_templates(user: Any) -> QuerySet[MessageTemplate]:
    if not access.is_admin(user):
        return MessageTemplate.objects.none()
    return MessageTemplate.objects.all()


def message_template(user: Any, pk: Any) -> MessageTemplate | None:
    try:
        return message_templates(user).filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None
