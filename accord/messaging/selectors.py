"""Reads of messages: a user's own in-app notifications (never anyone else's); the outbox and the
message templates, for administrators; print batches and their letters, for those who print."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from accord.core import access
from accord.messaging.models import Message, MessageChannel, MessageState, MessageTemplate, PrintBatch


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
    """One message of the outbox, with its own text (a message with shared words personalised)."""
    from accord.messaging.services.templates import personalise

    try:
        message = outbox(user).prefetch_related("attachments").filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None
    return personalise(message) if message is not None else None


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


# --- print batches, for those who print letters ------------------------------------------------------


def may_print(user: Any) -> bool:
    """Administrators and managers print and post letters (a role's code says manager, as the
    default roles name it; any role an administrator makes with ``is_admin`` too)."""
    if access.is_admin(user):
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    from accord.identity.models import Role

    return bool(user.role.code == Role.MANAGER)


def visible_letters(user: Any) -> QuerySet[Message]:
    """The letters ``user`` may see: those to a contact or company they may see; a letter to
    nobody on record only for those who see every customer. Nothing for a user who may not print."""
    letters = Message.objects.filter(channel=MessageChannel.LETTER)
    if not may_print(user):
        return letters.none()
    if access.sees_all(user):
        return letters
    from accord.people.models import Company, Contact

    contacts = access.scope(user, Contact.objects.all()).values("pk")
    companies = access.scope(user, Company.objects.all()).values("pk")
    return letters.filter(Q(contact__in=contacts) | Q(company__in=companies))


def waiting_letters(user: Any) -> QuerySet[Message]:
    """Queued letters not yet in a batch that ``user`` may gather."""
    return visible_letters(user).filter(state=MessageState.QUEUED, print_batch__isnull=True)


def print_batches(user: Any) -> QuerySet[PrintBatch]:
    """Every print batch, newest day first; nothing for anyone who may not print letters."""
    if not may_print(user):
        return PrintBatch.objects.none()
    return PrintBatch.objects.select_related("created_by", "posted_by")


def print_batch(user: Any, pk: Any) -> PrintBatch | None:
    try:
        return print_batches(user).filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


def batch_letters(user: Any, batch: PrintBatch) -> QuerySet[Message]:
    """The letters of ``batch`` that ``user`` may see, in print order."""
    return (
        visible_letters(user)
        .filter(print_batch=batch)
        .select_related("contact", "company")
        .defer("body", "body_html")
        .order_by("created_at", "id")
    )


def waiting_letter_count(user: Any) -> int:
    """How many queued letters ``user`` could gather into today's batch."""
    return waiting_letters(user).count()


def batch_letter(user: Any, pk: Any) -> Message | None:
    try:
        return visible_letters(user).filter(pk=pk, print_batch__isnull=False).first()
    except (ValueError, TypeError, ValidationError):
        return None
