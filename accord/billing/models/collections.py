"""Collections: the overdue-payment ladder and what holds it back.

A ``CollectionLadder`` is a customer group's list of ``CollectionLevel``s (days after the due date,
an action, a message template, approval). Each customer may have a ``CollectionProfile`` choosing
its ladder and marking it a key account or handed over to collection. The daily run takes one
``CollectionStep`` per customer, level and day, covering the invoices that reached that level
(``CollectionStepInvoice``: one per invoice and level, ever, which is what makes the run
idempotent). A ``PromiseToPay``, an open ``InvoiceDispute`` and a ``CollectionPause`` (asked for by
another part of the system, an open complaint) hold the ladder back. ``LatePaymentRate`` keeps the
statutory interest rates with the day each took effect.
"""

from __future__ import annotations

import decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.ids import uuid7
from accord.core.models import BaseModel


class CollectionActionKind(models.TextChoices):
    EMAIL = "email", pgettext_lazy("collection action", "Reminder e-mail")
    SMS = "sms", pgettext_lazy("collection action", "Reminder SMS")
    LETTER = "letter", pgettext_lazy("collection action", "Printed letter")
    CALL = "call", pgettext_lazy("collection action", "Phone call")
    HANDOFF = "handoff", pgettext_lazy("collection action", "Hand-off to collection")


class CallResult(models.TextChoices):
    """How a collections call went."""

    PROMISE = "promise", _("Promised to pay")
    DISPUTE = "dispute", _("Disputes the invoice")
    PAID = "paid", _("Says it is paid")
    NO_ANSWER = "no_answer", _("No answer")
    OTHER = "other", pgettext_lazy("call result", "Other")


class CollectionLadder(BaseModel):
    """The levels one group of customers climbs. The default ladder covers every customer whose
    profile names none."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    is_default = models.BooleanField(_("default"), default=False)
    min_days_between_steps = models.PositiveSmallIntegerField(_("days between steps"), default=7)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_ladder")
        ]
        verbose_name = _("collection ladder")
        verbose_name_plural = _("collection ladders")

    def __str__(self) -> str:
        return self.name


class CollectionLevel(BaseModel):
    ladder = models.ForeignKey(
        CollectionLadder, on_delete=models.CASCADE, related_name="levels", verbose_name=_("ladder")
    )
    position = models.PositiveSmallIntegerField(_("level"))
    days_after_due = models.PositiveSmallIntegerField(_("days after the due date"))
    action = models.CharField(_("action"), max_length=10, choices=CollectionActionKind.choices)
    template_kind = models.CharField(_("message template"), max_length=40, blank=True)
    needs_approval = models.BooleanField(_("needs approval"), default=False)

    class Meta:
        ordering = ["ladder", "position"]
        constraints = [models.UniqueConstraint(fields=["ladder", "position"], name="collection_level_position")]
        verbose_name = _("collection level")
        verbose_name_plural = _("collection levels")

    def __str__(self) -> str:
        return f"{self.ladder} {self.position}: {self.get_action_display()}"


class CollectionProfile(BaseModel):
    """How collections treat one customer (a company, or a contact buying on their own)."""

    company = models.OneToOneField(
        "people.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    contact = models.OneToOneField(
        "people.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    ladder = models.ForeignKey(
        CollectionLadder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("ladder"),
    )
    key_account = models.BooleanField(_("key account"), default=False)
    in_collection_since = models.DateField(_("in collection since"), null=True, blank=True)
    collection_agency = models.CharField(_("collection agency or lawyer"), max_length=200, blank=True)

    access_via: ClassVar[tuple[str, ...]] = ("company", "contact")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(company__isnull=False, contact__isnull=True)
                | Q(company__isnull=True, contact__isnull=False),
                name="collection_profile_one_customer",
            )
        ]
        verbose_name = _("collection profile")
        verbose_name_plural = _("collection profiles")

    def __str__(self) -> str:
        return str(self.company or self.contact)


class PromiseToPay(BaseModel):
    """The customer promised to pay by ``promised_on``: the ladder waits until that day has passed."""

    company = models.ForeignKey(
        "people.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    promised_on = models.DateField(_("promised payment date"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    access_via: ClassVar[tuple[str, ...]] = ("company", "contact")
    access_owner_field: ClassVar[str] = "created_by"
    history_labels: ClassVar[dict[str, Any]] = {"created_by": pgettext_lazy("record", "Created by")}

    class Meta:
        ordering = ["-promised_on", "-id"]
        indexes = [
            models.Index(fields=["company", "-promised_on"], name="promise_company_idx"),
            models.Index(fields=["contact", "-promised_on"], name="promise_contact_idx"),
        ]
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")

    def __str__(self) -> str:
        return f"{self.promised_on}"


class InvoiceDispute(BaseModel):
    """The customer disputes an invoice: it takes no collection step until the dispute is resolved."""

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.CASCADE, related_name="disputes", verbose_name=_("invoice")
    )
    reason = models.CharField(_("reason"), max_length=300)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history_labels: ClassVar[dict[str, Any]] = {"created_by": pgettext_lazy("record", "Created by")}

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(resolved_at__isnull=True), name="one_open_dispute_per_invoice"
            )
        ]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return self.reason


class CollectionPause(BaseModel):
    """Collections hold back for a customer while ``source`` (an open ticket, a person's decision)
    asks it to: until ``until``, or until lifted when ``until`` is empty."""

    company = models.ForeignKey(
        "people.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    reason = models.CharField(_("reason"), max_length=300)
    source = models.CharField(_("source"), max_length=120, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    access_via: ClassVar[tuple[str, ...]] = ("company", "contact")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source"],
                condition=Q(lifted_at__isnull=True) & ~Q(source=""),
                name="one_open_pause_per_source",
            )
        ]
        verbose_name = _("collections pause")
        verbose_name_plural = _("collections pauses")

    def __str__(self) -> str:
        return self.reason


class CollectionStepState(models.TextChoices):
    AWAITING_APPROVAL = "awaiting", _("Awaiting approval")
    DONE = "done", pgettext_lazy("collection step", "Done")
    REJECTED = "rejected", pgettext_lazy("collection step", "Rejected")


class CollectionStep(BaseModel):
    """One rung climbed for one customer on one day: the reminder, letter, call or hand-off that
    covers the invoices listed in ``invoices``."""

    company = models.ForeignKey(
        "people.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    level = models.ForeignKey(
        CollectionLevel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("level")
    )
    position = models.PositiveSmallIntegerField(_("level"))
    action = models.CharField(_("action"), max_length=10, choices=CollectionActionKind.choices)
    template_kind = models.CharField(_("message template"), max_length=40, blank=True)
    day = models.DateField(_("day"))
    state = models.CharField(_("state"), max_length=10, choices=CollectionStepState.choices)
    owed = models.DecimalField(_("owed"), max_digits=14, decimal_places=2, default=decimal.Decimal(0))
    interest = models.DecimalField(_("interest"), max_digits=14, decimal_places=2, default=decimal.Decimal(0))
    compensation = models.DecimalField(
        _("recovery compensation"), max_digits=14, decimal_places=2, default=decimal.Decimal(0)
    )
    currency = models.CharField(_("currency"), max_length=3)
    message_id = models.UUIDField(null=True, blank=True)
    task_id = models.UUIDField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    access_via: ClassVar[tuple[str, ...]] = ("company", "contact")
    history_labels: ClassVar[dict[str, Any]] = {
        "message_id": _("message"),
        "task_id": _("task"),
        "decided_by": _("decided by"),
        "decided_at": _("decided"),
    }

    class Meta:
        ordering = ["-day", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "day"], name="collection_step_state_idx"),
            models.Index(fields=["company", "-day"], name="collection_step_company_idx"),
            models.Index(fields=["contact", "-day"], name="collection_step_contact_idx"),
        ]
        verbose_name = _("collection step")
        verbose_name_plural = _("collection steps")

    def __str__(self) -> str:
        # What get_action_display() gives, without building the field's choices again (a
        # collections run names thousands of steps in its audit entries).
        try:
            label: Any = CollectionActionKind(self.action).label
        except ValueError:
            label = self.action
        return f"{self.day} {label}"


class CollectionStepInvoice(models.Model):
    """An invoice climbing to a level: once per invoice and level, whatever retries and
    concurrent runs do."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    step = models.ForeignKey(CollectionStep, on_delete=models.CASCADE, related_name="invoices")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.CASCADE, related_name="collection_steps")
    position = models.PositiveSmallIntegerField()
    outstanding = models.DecimalField(max_digits=14, decimal_places=2)
    interest = models.DecimalField(max_digits=14, decimal_places=2, default=decimal.Decimal(0))
    compensation = models.DecimalField(max_digits=14, decimal_places=2, default=decimal.Decimal(0))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invoice", "position"], name="one_collection_step_per_level")]

    def __str__(self) -> str:
        return f"{self.invoice_id}@{self.position}"


class LatePaymentRate(models.Model):
    """The statutory interest rate for late payment in commercial transactions, from a day on."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    valid_from = models.DateField(_("valid from"), unique=True)
    annual_percent = models.DecimalField(_("annual rate (%)"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("late payment interest rate")
        verbose_name_plural = _("late payment interest rates")

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.annual_percent}%"
