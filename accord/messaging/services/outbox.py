"""Queueing messages and recording what their providers report back.

``queue_message`` writes the row (and its attachments) in the caller's transaction and nudges a
worker once that transaction commits: a rolled-back quote queues nothing, a committed one is sent
even if the nudge is lost (the sweep finds it). Delivery itself is in ``delivery``.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import make_msgid
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import bulk, changes, languages
from accord.core.events import EventPayload, emit
from accord.core.manykeys import among
from accord.messaging.models import (
    Message,
    MessageAttachment,
    MessageChannel,
    MessageContent,
    MessageState,
    check_transition,
)

if TYPE_CHECKING:
    from accord.identity.models import User
    from accord.people.models import Company, Contact

log = logging.getLogger(__name__)

QUEUED_CHANNELS = (MessageChannel.EMAIL, MessageChannel.SMS, MessageChannel.LETTER)


@dataclass(frozen=True)
class OutgoingAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Outgoing:
    """One message for ``queue_many``: what ``queue_message`` takes, as a value."""

    channel: str
    to: str
    subject: str
    idempotency_key: str
    body: str = ""
    body_html: str = ""
    kind: str = ""
    language: str = ""
    contact: Contact | None = None
    company: Company | None = None
    related: Any = None
    timeline_subject: str = ""
    # Words shared with other messages, personalised with ``context`` when sent (instead of
    # ``body`` and ``body_html``).
    content: MessageContent | None = None
    context: dict[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # Not sent before this time (a throttled campaign spreads its messages); None: at once.
    send_at: datetime.datetime | None = None
    # Where the customer's answer goes (a service queue's address); empty: the site's Reply-To.
    reply_to: str = ""


def _recipient(channel: str, to: str) -> str:
    to = (to or "").strip()
    if channel == MessageChannel.EMAIL:
        try:
            validate_email(to)
        except ValidationError:
            raise ValidationError({"to": [_("Enter a valid e-mail address.")]}) from None
        return to
    if channel == MessageChannel.SMS:
        from accord.people.validators import normalize_phone

        try:
            return normalize_phone(to, settings.DEFAULT_COUNTRY)
        except ValidationError as exc:
            raise ValidationError({"to": exc.messages}) from None
    if not to:
        raise ValidationError({"to": [_("Enter the address the letter goes to.")]})
    return to


# Headers the mailer sets itself, or that would let a caller pass for someone else.
_RESERVED_HEADERS = frozenset(
    {
        "message-id",
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "content-type",
        "content-language",
        "content-transfer-encoding",
        "mime-version",
        "date",
    }
)


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Extra e-mail headers (``List-Unsubscribe`` ...), checked: no line breaks, none the mailer
    sets itself."""
    checked: dict[str, str] = {}
    for name, value in (headers or {}).items():
        name, value = str(name).strip(), str(value).strip()
        if (
            not name
            or name.lower() in _RESERVED_HEADERS
            or any(c in name + value for c in "\r\n")
            or any(c in name for c in ": ")
        ):
            raise ValidationError({"headers": [_("%(name)s cannot be set as a header.") % {"name": name or "?"}]})
        checked[name] = value
    return checked


def _new_message(actor: User | None, item: Outgoing, now: Any) -> Message:
    """The queued row for ``item``, checked (the address for its channel, an e-mail's subject),
    not saved. The language is the item's, else the customer's, else the site's."""
    address = _recipient(item.channel, item.to)
    subject = (item.subject or "").strip()
    if not subject and item.channel == MessageChannel.EMAIL:
        raise ValidationError({"subject": [_("Enter a subject.")]})
    language = item.language
    if not language:
        from accord.people.selectors import customer_language

        language = customer_language(contact=item.contact, company=item.company)
    message = Message(
        channel=item.channel,
        state=MessageState.QUEUED,
        idempotency_key=item.idempotency_key.strip(),
        kind=item.kind[:40],
        sent_by=actor,
        contact=item.contact,
        company=item.company,
        language=languages.first_supported(language),
        to_address=address,
        subject=subject[:200],
        body=item.body,
        body_html=item.body_html,
        content=item.content,
        context=item.context or {},
        related_entity=item.related._meta.label_lower if item.related is not None else "",
        related_id=item.related.pk if item.related is not None else None,
        next_attempt_at=item.send_at or now,
        timeline_subject=item.timeline_subject[:200],
        headers=_headers(item.headers) if item.channel == MessageChannel.EMAIL else {},
    )
    if item.channel == MessageChannel.EMAIL:
        message.from_address = settings.ACCORD_EMAIL_FROM
        message.reply_to = item.reply_to or settings.ACCORD_EMAIL_REPLY_TO
        # Made now and kept: a resend after a crash carries the same Message-ID, so the copy
        # is recognisable for what it is, and a bounce names the message it is about.
        message.external_id = make_msgid(domain=settings.ACCORD_MESSAGE_DOMAIN)
    return message


def queue_message(
    *,
    actor: User | None,
    channel: str,
    to: str,
    subject: str,
    body: str = "",
    body_html: str = "",
    idempotency_key: str,
    kind: str = "",
    language: str = "",
    contact: Contact | None = None,
    company: Company | None = None,
    related: Any = None,
    attachments: Sequence[OutgoingAttachment] = (),
    timeline_subject: str = "",
    headers: Mapping[str, str] | None = None,
    reply_to: str = "",
) -> Message:
    """Queue an e-mail, SMS or letter to ``to`` (an e-mail address, a phone number in any form
    the contacts take, or a postal address), once per ``idempotency_key``: asked again with the
    same key it returns the message already queued and changes nothing.

    The language is the one given, else the customer's, else the site's. ``contact`` and
    ``company`` put the message on their timeline once it is sent. ``headers`` are extra e-mail
    headers (``List-Unsubscribe``, ``In-Reply-To``), sent as given; ``reply_to`` an address the
    answer should go to instead of the site's.
    """
    if channel not in QUEUED_CHANNELS:
        raise ValidationError({"channel": [_("Choose e-mail, SMS or letter.")]})
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise ValidationError({"idempotency_key": [_("Give a key of 1 to 200 characters.")]})
    existing = Message.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    message = _new_message(
        actor,
        Outgoing(
            channel=channel,
            to=to,
            subject=subject,
            idempotency_key=key,
            body=body,
            body_html=body_html,
            kind=kind,
            language=language,
            contact=contact,
            company=company,
            related=related,
            timeline_subject=timeline_subject,
            headers=headers or {},
            reply_to=reply_to,
        ),
        timezone.now(),
    )
    try:
        with transaction.atomic():
            message.save()
            MessageAttachment.objects.bulk_create(
                MessageAttachment(
                    message=message, filename=a.filename[:200], content_type=a.content_type, content=a.content
                )
                for a in attachments
            )
    except IntegrityError:
        # The same key committed by a concurrent caller: theirs is the one.
        return Message.objects.get(idempotency_key=key)
    changes.record_create(actor=actor, obj=message)
    if channel != MessageChannel.LETTER:
        transaction.on_commit(lambda: _nudge(message.pk))
    return message


class MessagesQueued(EventPayload):
    """Many messages were queued at once (``queue_many``): their keys."""

    name = "messaging.messages_queued"
    count: int
    ids: list[uuid.UUID]


def queue_many(*, actor: User | None, items: Sequence[Outgoing]) -> list[Message]:
    """``queue_message`` for many messages at once (a collections run, a campaign): the same
    checks and rows, written in one statement (``core.bulk``: COPY on PostgreSQL) with their
    audit entries in another, one event naming them and one nudge to the workers. A key queued
    before is skipped (its message is returned); a bad address raises ``ValidationError`` naming
    the item (``3.to``) before anything is written. Call it inside the caller's transaction."""
    keys = [(item.idempotency_key or "").strip() for item in items]
    for i, key in enumerate(keys):
        if not key or len(key) > 200:
            raise ValidationError({f"{i}.idempotency_key": [_("Give a key of 1 to 200 characters.")]})
    existing = {m.idempotency_key: m for m in Message.objects.filter(among("idempotency_key", keys))}
    now = timezone.now()
    made: list[Message] = []
    errors: dict[str, list[str]] = {}
    for i, (item, key) in enumerate(zip(items, keys, strict=True)):
        if key in existing or item.channel not in QUEUED_CHANNELS:
            if item.channel not in QUEUED_CHANNELS:
                errors[f"{i}.channel"] = [_("Choose e-mail, SMS or letter.")]
            continue
        try:
            message = _new_message(actor, item, now)
        except ValidationError as exc:
            errors.update({f"{i}.{field}": problems for field, problems in exc.message_dict.items()})
            continue
        existing[key] = message
        made.append(message)
    if errors:
        raise ValidationError(errors)
    if not made:
        return [existing[key] for key in keys]
    bulk.insert(Message, made)
    ids = changes.record_created_many(actor=actor, objs=made)
    emit(MessagesQueued(count=len(ids), ids=ids), actor=actor)
    if any(m.channel != MessageChannel.LETTER for m in made):
        transaction.on_commit(_nudge_sweep)
    return [existing[key] for key in keys]


def _nudge_sweep() -> None:
    from accord.messaging.tasks import send_due_messages

    try:
        send_due_messages.enqueue()
    except Exception:  # the periodic sweep makes up for a lost nudge
        log.warning("messages queued in bulk: delivery not enqueued; the sweep will send them", exc_info=True)


def _nudge(pk: Any) -> None:
    from accord.messaging.tasks import deliver_message

    try:
        deliver_message.enqueue(str(pk))
    except Exception:  # a lost nudge is made up for by the sweep
        log.warning("message %s: delivery not enqueued; the sweep will send it", pk, exc_info=True)


def _move(message: Message, target: str, **fields: Any) -> Message:
    check_transition(message.state, target)
    message.state = target
    for name, value in fields.items():
        setattr(message, name, value)
    message.version += 1
    message.save()
    return message


@transaction.atomic
def retry_now(*, actor: User | None, message: Message) -> Message:
    """Queue a failed message again, due at once, with its attempts counted afresh."""
    from accord.core import access

    if actor is not None and not access.is_admin(actor):
        from accord.core.access import AccessDenied

        raise AccessDenied()
    locked = Message.objects.select_for_update().get(pk=message.pk)
    before = changes.snapshot(locked)
    _move(locked, MessageState.QUEUED, attempts=0, next_attempt_at=timezone.now(), claimed_at=None, claimed_by="")
    changes.record_update(actor=actor, obj=locked, before=before)
    transaction.on_commit(lambda: _nudge(locked.pk))
    return locked


def _by_external_id(message_id: str) -> Message | None:
    value = (message_id or "").strip()
    if not value:
        return None
    candidates = {value, value.strip("<>"), f"<{value.strip('<>')}>"}
    return Message.objects.select_for_update().filter(external_id__in=candidates).first()


@transaction.atomic
def record_bounce(*, message_id: str, reason: str) -> Message | None:
    """The provider or a returned mail says the message never reached its recipient: it is
    ``bounced``, with the reason kept. ``message_id`` is our Message-ID (with or without its
    angle brackets) or the gateway's id. None when no message has that id."""
    message = _by_external_id(message_id)
    if message is None:
        log.info("bounce for an unknown message %s", message_id)
        return None
    if message.state == MessageState.BOUNCED:
        return message  # reported twice
    _move(message, MessageState.BOUNCED, error=(reason or "").strip() or _("Bounced"))
    emit(_report(MessageBounced, message, reason), obj=message)
    return message


@transaction.atomic
def record_complaint(*, message_id: str, reason: str = "") -> Message | None:
    """The recipient reported the message as spam (a provider's feedback loop). The message keeps
    its delivery state; the event tells whoever keeps lists (marketing suppresses the address).
    None when no message has that id."""
    message = _by_external_id(message_id)
    if message is None:
        log.info("complaint about an unknown message %s", message_id)
        return None
    emit(_report(MessageComplained, message, reason), obj=message)
    return message


class MessageReport(EventPayload):
    """What a bounce or complaint says about a message (the event's object)."""

    channel: str
    to_address: str
    kind: str
    reason: str
    contact_id: uuid.UUID | None = None


class MessageBounced(MessageReport):
    """The message never reached ``to_address``: the address does not take mail."""

    name = "messaging.message.bounced"


class MessageComplained(MessageReport):
    """The recipient of the message reported it as spam."""

    name = "messaging.message.complained"


def _report(cls: type[MessageReport], message: Message, reason: str) -> MessageReport:
    return cls(
        channel=message.channel,
        to_address=message.to_address,
        kind=message.kind,
        reason=(reason or "").strip()[:500],
        contact_id=message.contact_id,
    )


@transaction.atomic
def mark_delivered(*, message_id: str) -> Message | None:
    """The provider confirms the message reached its recipient."""
    message = _by_external_id(message_id)
    if message is None or message.state in (MessageState.DELIVERED, MessageState.BOUNCED):
        return message
    return _move(message, MessageState.DELIVERED, delivered_at=timezone.now())
