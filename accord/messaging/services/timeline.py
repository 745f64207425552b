"""A sent message on its customer's timeline: one outbound interaction per message."""

from __future__ import annotations

import logging
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


def _related(message: Message) -> Any:
    if not message.related_entity or message.related_id is None:
        return None
    try:
        model = apps.get_model(message.related_entity)
    except (LookupError, ValueError):
        return None
    try:
        return model._default_manager.filter(pk=message.related_id).first()
    except (ValueError, ValidationError):
        return None


def log_sent(message: Message) -> Any:
    """Log the message as an outbound interaction with its contact and company, once: the
    interaction's external id names the message, so asking again finds the one made."""
    from accord.activities.models import Interaction
    from accord.activities.services import InteractionData, log_interaction

    channel = INTERACTION_CHANNELS.get(str(message.channel))
    if channel is None or (message.contact_id is None and message.company_id is None):
        return None
    external_id = f"messaging.message:{message.pk}"
    existing = Interaction.objects.filter(external_id=external_id).first()
    if existing is not None:
        return existing
    data: InteractionData = {
        "channel": channel,
        "direction": "out",
        "subject": (message.timeline_subject or message.subject)[:200],
        "body": message.body,
        "external_id": external_id,
    }
    if message.contact is not None:
        data["contact"] = message.contact
    if message.company is not None:
        data["company"] = message.company
    # The interaction is logged by whoever queued the message, else by the customer's owner.
    author = message.sent_by or (message.contact.owner if message.contact else None) or message.company.owner  # type: ignore[union-attr]
    try:
        with transaction.atomic():
            interaction = log_interaction(actor=author, data=data, related=_related(message))
    except IntegrityError:
        return Interaction.objects.filter(external_id=external_id).first()
    except Exception:
        # The message went out: a timeline that refuses the entry (the author lost access
        # meanwhile) must not undo recording that, or the message would be sent again.
        log.warning("message %s: not logged on the timeline", message.pk, exc_info=True)
        return None
    Message.objects.filter(pk=message.pk).update(interaction_id=interaction.pk)
    return interaction
