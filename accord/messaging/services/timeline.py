"""A sent message on its customer's timeline: one outbound interaction per message."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accord.messaging.models import Message, MessageChannel

log = logging.getLogger(__name__)

# Keyed by the plain values: an Enum member hashes by its name, so a str from the database would
# not find a TextChoices key.
INTERACTION_CHANNELS = {
    MessageChannel.EMAIL.value: "email",
    MessageChannel.SMS.value: "sms",
    MessageChannel.LETTER.value: "letter",
}

# What ``log_sent_many`` reads with the messages: their customers and whoever may be the author.
WITH_AUTHORS = ("sent_by__role", "contact__owner__role", "company__owner__role")


def _related(message: Message) -> Any:
    return _related_records([message]).get(message.pk)


def _related_records(messages: Sequence[Message]) -> dict[Any, Any]:
    """The record each message is about (a quote, an invoice), by the message's key: one query per
    kind of record. A message about a record since deleted, or of an unknown kind, has none."""
    wanted: dict[str, dict[Any, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for message in messages:
        if message.related_entity and message.related_id is not None:
            wanted[message.related_entity][message.related_id].append(message.pk)
    found: dict[Any, Any] = {}
    for label, by_record in wanted.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        try:
            records = model._default_manager.in_bulk(list(by_record))
        except (ValueError, ValidationError):
            continue
        for record_id, message_ids in by_record.items():
            record = records.get(record_id)
            if record is not None:
                found.update(dict.fromkeys(message_ids, record))
    return found


# Bulk marketing (a campaign to 200,000 people) is not a conversation with the customer: it is
# kept out of the timeline and does not count as the contact's last interaction (the campaign's
# own recipient rows say who got what).
NOT_ON_TIMELINE = frozenset({"campaign"})


def _external_id(message: Message) -> str:
    return f"messaging.message:{message.pk}"


def log_sent(message: Message) -> Any:
    """Log the message as an outbound interaction with its contact and company, once: the
    interaction's external id names the message, so asking again finds the one made."""
    return log_sent_many([message]).get(message.pk)


def log_sent_many(messages: Sequence[Message]) -> dict[Any, Any]:
    """``log_sent`` for many messages at once (a worker's run of sent e-mails, a posted print
    batch): the entries are logged together (``activities.log_interactions``) and each message
    records its entry's key, in a few queries whatever their number. Returns the interaction of
    each message that has one now (made now or before), by the message's key.

    Read the messages with ``select_related(*WITH_AUTHORS)`` to spare a query per message."""
    from accord.activities.models import Interaction

    wanted = [
        m
        for m in messages
        if str(m.channel) in INTERACTION_CHANNELS
        and (m.contact_id is not None or m.company_id is not None)
        and m.kind not in NOT_ON_TIMELINE
    ]
    if not wanted:
        return {}
    logged = {i.external_id: i for i in Interaction.objects.filter(external_id__in=[_external_id(m) for m in wanted])}
    found = {m.pk: logged[_external_id(m)] for m in wanted if _external_id(m) in logged}
    new = [m for m in wanted if m.pk not in found]
    made = _log(new) if new else {}
    _note_interactions(made)
    return {**found, **made}


def _entries(messages: Sequence[Message]) -> list[Any]:
    from accord.activities.services import InteractionData, NewInteraction

    related = _related_records(messages)
    # One instance per author, so what the access checks read of a user is read once.
    authors: dict[Any, Any] = {}
    entries = []
    for message in messages:
        data: InteractionData = {
            "channel": INTERACTION_CHANNELS[str(message.channel)],
            "direction": "out",
            "subject": (message.timeline_subject or message.subject)[:200],
            "body": message.body,
            "external_id": _external_id(message),
        }
        if message.sent_at is not None:
            data["occurred_at"] = message.sent_at  # on the timeline when it went out, not when logged
        if message.contact is not None:
            data["contact"] = message.contact
        if message.company is not None:
            data["company"] = message.company
        # The interaction is logged by whoever queued the message, else by the customer's owner.
        author = message.sent_by or (message.contact.owner if message.contact else None) or message.company.owner  # type: ignore[union-attr]
        entries.append(NewInteraction(authors.setdefault(author.pk, author), data, related.get(message.pk)))
    return entries


def _log(messages: Sequence[Message]) -> dict[Any, Any]:
    from accord.activities.models import Interaction
    from accord.activities.services import log_interactions

    try:
        with transaction.atomic():
            results = log_interactions(_entries(messages))
    except IntegrityError:
        # Logged meanwhile by another worker (a message taken over after its lease ran out).
        if len(messages) > 1:
            return {pk: found for m in messages for pk, found in _log([m]).items()}
        existing = Interaction.objects.filter(external_id=_external_id(messages[0])).first()
        return {messages[0].pk: existing} if existing is not None else {}
    except Exception:
        # The messages went out: a timeline that fails must not undo recording that, or they
        # would be sent again.
        log.warning("messages %s: not logged on the timeline", [m.pk for m in messages], exc_info=True)
        return {}
    made = {}
    for message, result in zip(messages, results, strict=True):
        if isinstance(result, Exception):
            # Refused (the author lost access meanwhile): the message is still recorded as sent.
            log.warning("message %s: not logged on the timeline (%s)", message.pk, result)
        else:
            made[message.pk] = result
    return made


def _note_interactions(made: dict[Any, Any]) -> None:
    """Each message keeps the key of its timeline entry: one UPDATE for all."""
    from accord.core import bulk

    if made:
        bulk.update_rows(Message, ["interaction_id"], [(pk, interaction.pk) for pk, interaction in made.items()])
