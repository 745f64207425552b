"""The interaction timeline across every channel, and tasks with reminders."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.ids import uuid7
from accord.core.models import BaseModel, OwnedModel
from accord.people.models import Company, Contact


class InteractionChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")
    CHAT = "chat", _("Chat")
    SMS = "sms", _("SMS")
    LETTER = "letter", _("Letter")
    FAX = "fax", _("Fax")
    WEB_FORM = "web_form", _("Web form")
    SOCIAL = "social", _("Social media")
    NOTE = "note", _("Note")


# What each channel records beside its subject and details: a call has a direction, a duration and
# an outcome; a meeting or a visit lasts a while; a message goes in or out; a note has none of these.
CHANNEL_FIELDS: dict[str, frozenset[str]] = {
    InteractionChannel.PHONE: frozenset({"direction", "duration_seconds", "outcome"}),
    InteractionChannel.MEETING: frozenset({"duration_seconds"}),
    InteractionChannel.VISIT: frozenset({"duration_seconds"}),
    InteractionChannel.EMAIL: frozenset({"direction"}),
    InteractionChannel.SMS: frozenset({"direction"}),
    InteractionChannel.LETTER: frozenset({"direction"}),
    InteractionChannel.FAX: frozenset({"direction"}),
    InteractionChannel.CHAT: frozenset({"direction"}),
    InteractionChannel.SOCIAL: frozenset({"direction"}),
    InteractionChannel.WEB_FORM: frozenset(),
    InteractionChannel.NOTE: frozenset(),
}


def channels_with(field: str) -> list[str]:
    """The channels that record ``field`` (``direction``, ``duration_seconds``, ``outcome``)."""
    return [channel for channel, fields in CHANNEL_FIELDS.items() if field in fields]


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class CallOutcome(models.TextChoices):
    CONNECTED = "connected", _("Connected")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    VOICEMAIL = "voicemail", _("Left a voicemail")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CALL_BACK = "call_back", _("Asked to call back")


class Interaction(BaseModel):
    """One contact with a customer on any channel, on the timeline of its contact and company.

    Visible to whoever may see its contact or its company, and to its author: the timeline is the
    customer's, so a record moving to another team takes its history along.
    """

    access_via: ClassVar[tuple[str, ...]] = ("contact", "company")
    access_owner_field: ClassVar[str] = "author"

    channel = models.CharField(_("channel"), max_length=10, choices=InteractionChannel.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices, blank=True)
    occurred_at = models.DateTimeField(_("when"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallOutcome.choices, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("details"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("logged by")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="interactions", verbose_name=_("contact")
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="interactions", verbose_name=_("company")
    )
    participants = models.ManyToManyField(
        Contact, through="InteractionParticipant", related_name="participated_in", blank=True
    )
    # A later module's record this interaction belongs to (a deal, a ticket), without this app
    # having to know those modules.
    related_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    related_id = models.UUIDField(null=True, blank=True)
    external_id = models.CharField(max_length=200, null=True, blank=True, unique=True)

    # A link kept for other modules and an importer's key: nothing a reader of the history can use.
    history_hidden: ClassVar[frozenset[str]] = frozenset({"related_type", "related_id", "external_id"})

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-occurred_at", "-id"], name="interaction_contact_idx"),
            models.Index(fields=["company", "-occurred_at", "-id"], name="interaction_company_idx"),
            models.Index(fields=["-occurred_at", "-id"], name="interaction_time_idx"),
            models.Index(fields=["related_type", "related_id"], name="interaction_related_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(company__isnull=False), name="interaction_has_a_party"
            )
        ]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")

    def __str__(self) -> str:
        return self.subject or self.get_channel_display()


class InteractionParticipant(models.Model):
    """Another contact who took part (the colleagues in a meeting)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="participant_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="participant_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interaction", "contact"], name="interaction_participant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.interaction_id}"


class TaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task status", "Open")
    DONE = "done", pgettext_lazy("task status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("task status", "Cancelled")


class TaskPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")


class Task(OwnedModel):
    """Something to do by a time, for someone: ``owner`` is the assignee."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    priority = models.CharField(_("priority"), max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, editable=False)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("contact")
    )
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("company")
    )
    related_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    related_id = models.UUIDField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {"reminded_at"}
    history_hidden: ClassVar[frozenset[str]] = frozenset({"related_type", "related_id"})
    history_labels: ClassVar[dict[str, Any]] = {"created_by": pgettext_lazy("record", "Created by")}

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["owner", "status", "due_at"], name="task_owner_due_idx"),
            models.Index(
                fields=["remind_at"], name="task_reminder_due_idx", condition=Q(reminded_at__isnull=True, status="open")
            ),
            models.Index(fields=["contact", "status"], name="task_contact_idx"),
            models.Index(fields=["company", "status"], name="task_company_idx"),
        ]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN


class CalendarFeed(BaseModel):
    """A user's personal calendar feed (iCalendar), read by calendar apps through a secret URL.

    The URL carries the feed's id and a signature of ``secret`` made with the installation's
    SECRET_KEY; the secret is random and the signature is stored nowhere, so the table alone does
    not reveal a working URL. Resetting the feed replaces the row, and the old URL stops working.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    secret = models.CharField(max_length=64, editable=False)

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {"secret"}

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"
