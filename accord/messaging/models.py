"""The outbox: one row per message Accord sends, whatever the channel.

In-app notifications are delivered the moment they are queued (the inbox is the table itself).
E-mail and SMS wait in ``queued`` until a worker claims them (``sending``), hands them to their
backend and records the outcome: ``sent`` (the server or gateway took it), later ``delivered`` or
``bounced`` when the provider says so, or ``failed`` after the last retry. ``idempotency_key`` is
unique, so a consumer that runs twice for one occasion queues one message.

Letters are never claimed by workers: a user puts the queued ones into the day's ``PrintBatch``
(``sending``), prints it as one PDF and marks it posted (``sent``); a letter taken out of its batch
before posting is ``failed`` with the reason.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.models import BaseModel


class MessageChannel(models.TextChoices):
    IN_APP = "in_app", _("In-app notification")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Letter")


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")
    FAILED = "failed", _("Failed")


# Every move a message may make. ``sending -> queued`` is a retry after a failed attempt,
# ``failed -> queued`` an administrator's "retry now", ``queued -> failed`` a message withdrawn
# before it went (a cancelled campaign); a provider may report a bounce after it first reported
# the message delivered.
TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"sending", "failed"}),
    "sending": frozenset({"sent", "queued", "failed"}),
    "sent": frozenset({"delivered", "bounced"}),
    "delivered": frozenset({"bounced"}),
    "bounced": frozenset(),
    "failed": frozenset({"queued"}),
}


class IllegalTransition(Exception):
    """A message was asked to move to a state it cannot reach from where it stands."""

    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        super().__init__(f"a message cannot go from {current} to {target}")


def check_transition(current: str, target: str) -> None:
    # Plain strings: a TextChoices member hashes by its name, so it would not find "queued".
    if str(target) not in TRANSITIONS.get(str(current), frozenset()):
        raise IllegalTransition(current, target)


class PrintBatchState(models.TextChoices):
    OPEN = "open", pgettext_lazy("print batch state", "Open")
    PRINTED = "printed", pgettext_lazy("print batch state", "Printed")
    POSTED = "posted", pgettext_lazy("print batch state", "Posted")


class PrintBatch(BaseModel):
    """The letters of one day printed together as one PDF and posted together: ``open`` while
    letters are being gathered into it, ``printed`` once it was first downloaded (a letter added
    later goes into the day's next batch, so what was printed stays what is posted), ``posted``
    when somebody took the envelopes to the post office. One open batch per day, by constraint."""

    day = models.DateField(_("day"))
    # The day's first, second... batch: a day's letters queued after its batch was printed.
    number = models.PositiveSmallIntegerField(_("number"), default=1)
    state = models.CharField(_("state"), max_length=10, choices=PrintBatchState.choices, default=PrintBatchState.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    printed_at = models.DateTimeField(_("printed"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept in step by the services as letters come in and are taken out.
    letter_count = models.PositiveIntegerField(_("letters"), default=0)

    history_labels: ClassVar[dict[str, Any]] = {
        "created_by": pgettext_lazy("record", "Created by"),
        "posted_by": _("Posted by"),
    }

    class Meta:
        ordering = ["-day", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["day", "number"], name="print_batch_day_number"),
            models.UniqueConstraint(fields=["day"], condition=Q(state="open"), name="print_batch_one_open_per_day"),
        ]
        verbose_name = _("print batch")
        verbose_name_plural = _("print batches")

    def __str__(self) -> str:
        return f"{self.day.isoformat()} #{self.number}"


class MessageContent(BaseModel):
    """The words many messages share (a campaign's, a greeting's), kept once instead of once per
    recipient: each message names it and carries its own variables (``Message.context``), and is
    personalised with them when it is sent (``services.templates.personalise``). Template text as
    message templates take it; never changed once a message names it."""

    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML text"), blank=True)

    class Meta:
        verbose_name = _("message content")
        verbose_name_plural = _("message contents")

    def __str__(self) -> str:
        return self.body_text[:60]


class Message(BaseModel):
    """One message to one recipient on one channel, with its delivery state and attempts."""

    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    state = models.CharField(_("state"), max_length=10, choices=MessageState.choices, default=MessageState.QUEUED)
    idempotency_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    # Who queued it (None: the system); the author of its timeline entry.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    company = models.ForeignKey(
        "people.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    to_address = models.CharField(_("to"), max_length=254, blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    reply_to = models.CharField(_("reply to"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML text"), blank=True)
    # Shared words and this message's variables: ``body`` and ``body_html`` are made from them when
    # the message is sent (left empty in the row: one copy of a campaign's text, not one a recipient).
    content = models.ForeignKey(MessageContent, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    context = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    related_entity = models.CharField(max_length=60, blank=True)
    related_id = models.UUIDField(null=True, blank=True)
    # The Message-ID header we generate for an e-mail, or the id the SMS gateway gave back: a
    # resend after a crash carries the same Message-ID, and bounces find the message by it.
    external_id = models.CharField(_("message id"), max_length=255, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=40, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # What the customer's timeline says once the message is sent (the subject when empty), and the
    # entry it made there (logged once, however often asked).
    timeline_subject = models.CharField(max_length=200, blank=True)
    # Extra e-mail headers the sender asked for (List-Unsubscribe and List-Unsubscribe-Post on
    # marketing mail), sent as they are.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    interaction_id = models.UUIDField(null=True, blank=True)
    # A letter's print batch, from the moment it is gathered into one until it is posted.
    print_batch = models.ForeignKey(
        PrintBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=_("print batch"),
    )

    # The texts are the message itself, not changes to audit; claims are the workers' bookkeeping.
    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {
        "body",
        "body_html",
        "claimed_at",
        "claimed_by",
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient_user", "-created_at"],
                name="message_unread_idx",
                condition=Q(channel="in_app", read_at__isnull=True),
            ),
            models.Index(fields=["recipient_user", "channel", "-created_at"], name="message_inbox_idx"),
            # What the sweep looks for: queued messages that are due, and sends whose worker died.
            models.Index(
                fields=["state", "next_attempt_at"],
                name="message_due_idx",
                condition=Q(state__in=["queued", "sending"]),
            ),
            models.Index(fields=["state", "-created_at"], name="message_state_idx"),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.subject


class MessageAttachment(BaseModel):
    """A file sent with a message, kept in the database with it (a quote's PDF is tens of
    kilobytes), so the message can be sent again exactly as queued on any host."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    history_labels: ClassVar[dict[str, Any]] = {"message": _("message"), "content_type": _("file type")}

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class MessageTemplate(BaseModel):
    """The words of one kind of message ("quote", "payment_reminder") on one channel in one
    language, with ``{{ variables }}`` filled in when a message is made."""

    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML text"), blank=True)

    class Meta:
        ordering = ["kind", "channel", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel", "language"], name="message_template_unique"),
        ]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return f"{self.kind} · {self.get_channel_display()} · {self.language}"
