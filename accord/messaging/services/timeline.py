"""A sent message on its customer's timeline: one outbound interaction per message."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accord.messaging.models import Message, MessageChannel

INTERACTION_CHANNELS = {
    MessageChannel.EMAIL: "email",
    MessageChannel.SMS: "sms",
    MessageChannel.LETTER: "letter",
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

    channel = INTERACTION_CHANNELS.get(message.channel)
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
    try:
        with transaction.atomic():
            interaction = log_interaction(actor=None, data=data, related=_related(message))
    except IntegrityError:
        return Interaction.objects.filter(external_id=external_id).first()
    Message.objects.filter(pk=message.pk).update(interaction_id=interaction.pk)
    return interaction
