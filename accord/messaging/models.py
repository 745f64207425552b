"""The outbox: one row per message Accord sends, whatever the channel.

Today it carries in-app notifications (task reminders); e-mail, SMS and printed letters use the
same row and state machine. ``idempotency_key`` is unique, so a consumer that runs twice for one
event queues one message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.core.models import BaseModel


class MessageChannel(models.TextChoices):
    IN_APP = "in_app", _("In-app notification")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Letter")


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Message(BaseModel):
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    state = models.CharField(_("state"), max_length=10, choices=MessageState.choices, default=MessageState.QUEUED)
    idempotency_key = models.CharField(max_length=200, unique=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    to_address = models.CharField(_("to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    related_entity = models.CharField(max_length=60, blank=True)
    related_id = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient_user", "-created_at"],
                name="message_unread_idx",
                condition=Q(channel="in_app", read_at__isnull=True),
            ),
            models.Index(fields=["recipient_user", "channel", "-created_at"], name="message_inbox_idx"),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.subject
