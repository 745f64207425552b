"""Campaigns: one e-mail or SMS to the members of a segment, in each recipient's language.

A campaign is an owned record (owner, team): the access policy decides who sees and changes it,
and its segment is evaluated with its owner's view of the contacts. Its words are kept per
language in ``versions`` ({"pl": {"subject", "subject_b", "blocks", "text"}, ...}): an e-mail's
body is a list of blocks (see ``accord/marketing/services/campaign_content.py``) turned into HTML and
plain text when it is launched; an SMS is its ``text``.

Launching snapshots the segment once into ``CampaignRecipient`` rows (who, which A/B variant,
which language, queued or skipped and why), then queues the messages through the outbox in
chunks; each recipient row remembers its message, its first open and click and their counts.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accord.core.models import BaseModel, OwnedModel


class CampaignChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class AbMetric(models.TextChoices):
    OPENS = "opens", _("Opens")
    CLICKS = "clicks", _("Clicks")


def empty_versions() -> dict[str, Any]:
    return {}


class Campaign(OwnedModel):
    """One message to a segment, with its A/B test, schedule, throttle, tracking and cost."""

    name = models.CharField(_("name"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=CampaignChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=20)
    segment = models.ForeignKey(
        "marketing.Segment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("segment"),
    )
    versions = models.JSONField(_("versions"), default=empty_versions, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    throttle_per_hour = models.PositiveIntegerField(_("messages per hour"), default=0, help_text=_("0: no limit."))
    # A/B test of the subject: ``ab_share`` per cent of the recipients get A or B (half each);
    # ``ab_wait_hours`` after the test went out, the rest get the subject with more opens (clicks).
    ab_share = models.PositiveSmallIntegerField(_("A/B test share (%)"), default=0)
    ab_wait_hours = models.PositiveSmallIntegerField(_("A/B test hours"), default=4)
    ab_metric = models.CharField(_("A/B winner by"), max_length=10, choices=AbMetric.choices, default=AbMetric.OPENS)
    ab_winner = models.CharField(_("A/B winner"), max_length=1, blank=True)
    ab_decided_at = models.DateTimeField(_("A/B decided"), null=True, blank=True)
    track_opens = models.BooleanField(_("track opens"), default=True)
    track_clicks = models.BooleanField(_("track clicks"), default=True)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    # Simple custom fields of contacts the texts may use ({{ custom.key }}).
    custom_fields = models.JSONField(_("custom fields used"), default=list, blank=True)

    # Launch bookkeeping.
    launched_at = models.DateTimeField(_("launched"), null=True, blank=True)
    launched_by = models.ForeignKey(
        "identity.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("launched by"),
    )
    snapshot_done = models.BooleanField(default=False, editable=False)
    # {language: MessageContent id} and the links the content holds (what a click may go to).
    contents = models.JSONField(default=dict, blank=True, editable=False)
    links = models.JSONField(default=list, blank=True, editable=False)
    throttle_next_at = models.DateTimeField(null=True, blank=True, editable=False)
    queued_count = models.PositiveIntegerField(_("queued"), default=0, editable=False)
    finished_at = models.DateTimeField(_("sent"), null=True, blank=True)

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {
        "snapshot_done",
        "contents",
        "links",
        "queued_count",
        "throttle_next_at",
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [
            models.Index(
                fields=["status", "scheduled_at"],
                name="campaign_due_idx",
                condition=Q(status__in=["scheduled", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ab(self) -> bool:
        return self.ab_share > 0

    @property
    def is_editable(self) -> bool:
        return self.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


class RecipientState(models.TextChoices):
    PENDING = "pending", _("To be queued")
    HELD = "held", _("Waiting for the A/B winner")
    QUEUED = "queued", _("Queued")
    SKIPPED = "skipped", _("Skipped")
    CANCELLED = "cancelled", _("Cancelled")


class SkipReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("No consent")
    SUPPRESSED = "suppressed", _("Suppressed")
    NO_ADDRESS = "no_address", _("No address")


class Variant(models.TextChoices):
    A = "a", _("A")
    B = "b", _("B")
    REST = "r", _("Winner (the rest)")


class CampaignRecipient(models.Model):
    """One contact of a launched campaign: the snapshot of the segment, and what came of it."""

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="+")
    variant = models.CharField(max_length=1, choices=Variant.choices, default=Variant.A)
    language = models.CharField(max_length=10, blank=True)
    state = models.CharField(max_length=10, choices=RecipientState.choices, default=RecipientState.PENDING)
    reason = models.CharField(max_length=12, choices=SkipReason.choices, blank=True)
    message = models.ForeignKey("messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    queued_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)
    clicked_at = models.DateTimeField(null=True, blank=True)
    click_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contact"], name="campaign_recipient_unique"),
        ]
        indexes = [
            models.Index(fields=["campaign", "state", "id"], name="campaign_recipient_state_idx"),
            models.Index(fields=["contact"], name="campaign_recipient_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.campaign_id}"
