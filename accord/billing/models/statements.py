"""Bank statements imported from the bank's files, and each of their bookings.

A statement line keeps what the bank said (dates, amount, payer, title, references), a key that
is the same whenever the same bank transaction is read again (so a file imported twice, or two
overlapping files, book each payment once), and what became of it: booked as a payment, waiting
in the queue for a person (with what matching proposed), or ignored.
"""

from __future__ import annotations

import decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.models import BaseModel

ZERO = decimal.Decimal(0)


class LineStatus(models.TextChoices):
    BOOKED = "booked", pgettext_lazy("bank statement line", "Booked")
    SUGGESTED = "suggested", pgettext_lazy("bank statement line", "Partly matched")
    UNMATCHED = "unmatched", pgettext_lazy("bank statement line", "Unmatched")
    IGNORED = "ignored", pgettext_lazy("bank statement line", "Ignored")


# The lines waiting for a person: the unmatched queue.
QUEUED = (LineStatus.SUGGESTED, LineStatus.UNMATCHED)


class BankStatement(BaseModel):
    """One account's statement for a period, as read from an imported file (a file may hold
    several). The counts are of its lines as the import left them; a line booked or ignored by
    hand later changes the line, and the counts are read from the lines on screen."""

    account_iban = models.CharField(_("account"), max_length=34, blank=True)
    format = models.CharField(_("format"), max_length=10)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    reference = models.CharField(_("statement reference"), max_length=100, blank=True)
    period_start = models.DateField(_("from"), null=True, blank=True)
    period_end = models.DateField(_("to"), null=True, blank=True)
    opening_balance = models.DecimalField(_("opening balance"), max_digits=16, decimal_places=2, null=True, blank=True)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lines_count = models.PositiveIntegerField(_("lines"), default=0)
    booked_count = models.PositiveIntegerField(_("booked"), default=0)
    queued_count = models.PositiveIntegerField(_("to match"), default=0)
    ignored_count = models.PositiveIntegerField(_("ignored"), default=0)
    duplicate_count = models.PositiveIntegerField(_("imported before"), default=0)

    history_labels: ClassVar[dict[str, Any]] = {"imported_by": _("imported by")}

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")

    def __str__(self) -> str:
        return self.reference or self.file_name or str(self.pk)


class BankStatementLine(models.Model):
    """One booking of a statement and what became of it. ``unique_key`` identifies the bank
    transaction across files (it is also the external id of the payment it became);
    ``suggestion`` holds what matching proposed ({"allocations": [{"invoice_id", "number",
    "amount"}]}), ``reasons`` why, as messages and their values translated when shown."""

    id = models.UUIDField(primary_key=True, editable=False)
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    counterparty_name = models.CharField(_("payer"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("payer's account"), max_length=40, blank=True)
    counterparty_address = models.CharField(_("payer's address"), max_length=300, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=100, blank=True)
    unique_key = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=LineStatus.choices)
    confidence = models.PositiveSmallIntegerField(_("confidence"), default=0)
    reasons = models.JSONField(default=list, blank=True)
    suggestion = models.JSONField(default=dict, blank=True)
    payment = models.ForeignKey(
        "billing.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("payment")
    )
    # Indexed with the status below (a single-column index would only slow a large import down).
    company = models.ForeignKey(
        "people.Company",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
        db_index=False,
    )
    contact = models.ForeignKey(
        "people.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
        db_index=False,
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    # What the bank said never changes; the audit trail follows what became of the line.
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"id", "version", "reasons", "suggestion", "handled_at"})

    class Meta:
        ordering = ["statement", "position"]
        # A constraint rather than unique=True: no second (LIKE) index on PostgreSQL to keep up.
        constraints = [models.UniqueConstraint(fields=["unique_key"], name="bankline_unique_key")]
        indexes = [
            models.Index(fields=["status", "booking_date"], name="bankline_status_idx"),
            models.Index(fields=["company", "status"], name="bankline_company_idx"),
            models.Index(fields=["contact", "status"], name="bankline_contact_idx"),
        ]
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.currency} {self.title[:40]}"

    @property
    def is_credit(self) -> bool:
        return self.amount > 0

    @property
    def is_queued(self) -> bool:
        return self.status in QUEUED
