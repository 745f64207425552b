"""Journeys: small automations that walk a contact through steps after something happened.

A journey has one trigger (the contact joined a segment, a lead from a web form became the
contact, a deal of theirs was won, an invoice of theirs was paid, their birthday came) and an
ordered list of steps: wait, send an e-mail or an SMS, branch on whether an earlier e-mail was
opened or clicked, create a task for the contact's owner, add a tag.

Each time a trigger fires for a contact, an ``Enrollment`` is made, unique per journey, contact
and occasion (``key``: the deal, the invoice, the year of the birthday), so an event handled twice
or a sweep run twice enrols once. The enrollment points at the next step to run and when.
Running a step writes a ``StepRun`` (unique per enrollment and step) in the same transaction as
what the step does (the outbox message, the task, the tag) and the enrollment's move to the next
step: a worker killed half-way leaves either all of it or none, and the step runs again. The step
runs are also the journey's per-step statistics.

A journey is an owned record: it sees, and enrols, only the contacts its owner may see.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.models import BaseModel, OwnedModel


class JourneyTrigger(models.TextChoices):
    SEGMENT_JOINED = "segment_joined", _("Joined a segment")
    FORM_SUBMITTED = "form_submitted", _("Sent a web form")
    DEAL_WON = "deal_won", _("A deal of theirs was won")
    INVOICE_PAID = "invoice_paid", _("An invoice of theirs was paid")
    BIRTHDAY = "birthday", _("Their birthday")


class JourneyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")


class StepKind(models.TextChoices):
    WAIT = "wait", _("Wait")
    EMAIL = "email", _("Send an e-mail")
    SMS = "sms", _("Send an SMS")
    BRANCH = "branch", _("Branch on opened or clicked")
    TASK = "task", _("Create a task")
    TAG = "tag", _("Add a tag")


class BranchCondition(models.TextChoices):
    OPENED = "opened", _("opened the e-mail")
    CLICKED = "clicked", _("clicked a link in the e-mail")


class EnrollmentState(models.TextChoices):
    ACTIVE = "active", _("In the journey")
    DONE = "done", _("Finished")
    EXITED = "exited", _("Left the journey")
    # In the segment already when the journey started: remembered so as not to count as joining.
    SKIPPED = "skipped", _("Not enrolled (already in the segment)")


class RunOutcome(models.TextChoices):
    WAITED = "waited", _("Waited")
    SENT = "sent", _("Sent")
    NO_CONSENT = "no_consent", _("Not sent: no consent or suppressed")
    NO_ADDRESS = "no_address", _("Not sent: no address")
    YES = "yes", _("Yes")
    NO = "no", _("No")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


def empty_config() -> dict[str, Any]:
    return {}


class Journey(OwnedModel):
    name = models.CharField(_("name"), max_length=200)
    trigger = models.CharField(_("trigger"), max_length=20, choices=JourneyTrigger.choices)
    segment = models.ForeignKey(
        "marketing.Segment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journeys",
        verbose_name=_("segment"),
    )
    web_form = models.ForeignKey(
        "sales.WebForm",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("web form"),
        help_text=_("Empty: any web form."),
    )
    include_current = models.BooleanField(
        _("enrol who is in the segment already"),
        default=False,
        help_text=_("Otherwise only contacts who join the segment after the journey starts."),
    )
    purpose = models.CharField(_("consent purpose"), max_length=20, default="offers")
    status = models.CharField(_("status"), max_length=10, choices=JourneyStatus.choices, default=JourneyStatus.DRAFT)
    activated_at = models.DateTimeField(_("started"), null=True, blank=True)

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")

    def __str__(self) -> str:
        return self.name


class JourneyStep(models.Model):
    """One step; ``config`` holds what its kind needs (checked by the journeys service):
    wait ``{"days", "hours"}``; e-mail ``{"subject", "body", "button_text", "button_url"}``;
    SMS ``{"text"}``; branch ``{"condition", "step", "otherwise"}`` (the e-mail step asked about
    and the step to go to when the answer is no, None: the journey ends); task ``{"title",
    "due_days"}``; tag ``{"tag"}``."""

    id = models.BigAutoField(primary_key=True)
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=StepKind.choices)
    config = models.JSONField(_("settings"), default=empty_config, blank=True)

    class Meta:
        ordering = ["journey", "position", "id"]
        verbose_name = _("journey step")
        verbose_name_plural = _("journey steps")

    def __str__(self) -> str:
        return f"{self.position}. {self.get_kind_display()}"


class Enrollment(models.Model):
    """A contact on its way through a journey, once per occasion (``key``)."""

    id = models.BigAutoField(primary_key=True)
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="enrollments")
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=10, choices=EnrollmentState.choices, default=EnrollmentState.ACTIVE)
    # The next step to run (None with state active: the first step), and when.
    step = models.ForeignKey(JourneyStep, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    next_run_at = models.DateTimeField(null=True, blank=True)
    entered_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["journey", "contact", "key"], name="journey_enrollment_unique"),
        ]
        indexes = [
            models.Index(fields=["state", "next_run_at"], name="journey_enrollment_due_idx"),
            models.Index(fields=["contact"], name="journey_enrollment_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.journey_id}"


class StepRun(models.Model):
    """A step done for one enrollment, and what came of it (an e-mail's first open and click)."""

    id = models.BigAutoField(primary_key=True)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="runs")
    step = models.ForeignKey(JourneyStep, on_delete=models.CASCADE, related_name="runs")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=12, choices=RunOutcome.choices)
    detail = models.CharField(max_length=300, blank=True)
    message = models.ForeignKey("messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "step"], name="journey_step_run_unique"),
        ]
        indexes = [models.Index(fields=["step", "outcome"], name="journey_step_run_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.step_id} for {self.enrollment_id}: {self.outcome}"
