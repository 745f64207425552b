"""Invoices: VAT invoices, pro-formas and their corrections (credit and debit notes)."""

from __future__ import annotations

import decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.billing.models.lines import PricedLine
from accord.core.models import BaseModel

ZERO = decimal.Decimal(0)


class InvoiceKind(models.TextChoices):
    VAT = "vat", pgettext_lazy("invoice kind", "VAT invoice")
    PROFORMA = "proforma", pgettext_lazy("invoice kind", "Pro-forma")
    CREDIT_NOTE = "credit_note", pgettext_lazy("invoice kind", "Credit note")
    DEBIT_NOTE = "debit_note", pgettext_lazy("invoice kind", "Debit note")


CORRECTIONS = (InvoiceKind.CREDIT_NOTE, InvoiceKind.DEBIT_NOTE)


class SeriesKind(models.TextChoices):
    INVOICE = "invoice", pgettext_lazy("invoice series", "VAT invoices")
    PROFORMA = "proforma", pgettext_lazy("invoice series", "Pro-formas")
    CORRECTION = "correction", pgettext_lazy("invoice series", "Corrections")


def series_kind(kind: str) -> str:
    """Which series numbers an invoice of ``kind``: credit and debit notes share the corrections'."""
    if kind == InvoiceKind.PROFORMA:
        return SeriesKind.PROFORMA
    if kind in CORRECTIONS:
        return SeriesKind.CORRECTION
    return SeriesKind.INVOICE


class InvoiceStatus(models.TextChoices):
    """A draft changes; an issued invoice never does. Payments move it to partly paid and paid;
    "overdue" is not stored: an issued or partly paid invoice past its due date is overdue."""

    DRAFT = "draft", pgettext_lazy("invoice status", "Draft")
    ISSUED = "issued", pgettext_lazy("invoice status", "Issued")
    PARTIALLY_PAID = "partially_paid", pgettext_lazy("invoice status", "Partially paid")
    PAID = "paid", pgettext_lazy("invoice status", "Paid")


UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", pgettext_lazy("payment method", "Bank transfer")
    CASH = "cash", pgettext_lazy("payment method", "Cash")
    CARD = "card", pgettext_lazy("payment method", "Card")
    OTHER = "other", pgettext_lazy("payment method", "Other")


class InvoiceSeries(BaseModel):
    """A numbering series: invoices of one kind numbered without gaps per year by ``pattern``
    (``{code}``, ``{year}``, ``{month}``, ``{number}``; e.g. ``FV/{year}/{number:04d}``)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=12, choices=SeriesKind.choices)
    pattern = models.CharField(_("number pattern"), max_length=60, default="{code}/{year}/{number:04d}")
    is_default = models.BooleanField(_("default for its kind"), default=False)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("invoice series")
        verbose_name_plural = _("invoice series")

    def __str__(self) -> str:
        return self.code


class Invoice(BaseModel):
    """An invoice as issued: seller, buyer, dates, lines, VAT per rate and totals are its own copy.

    A draft may change; an issued invoice never does (a correction is a new document referring to
    it, ``corrects``). A currency invoice keeps the exchange rate of the last working day before
    the date of sale and its VAT in the base currency. ``amount_due`` is the gross total with its
    corrections; ``paid_amount`` what payments allocated to it cover."""

    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.VAT)
    status = models.CharField(_("status"), max_length=15, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    series = models.ForeignKey(InvoiceSeries, on_delete=models.PROTECT, related_name="+", verbose_name=_("series"))
    number = models.CharField(_("number"), max_length=40, blank=True)
    order = models.ForeignKey(
        "billing.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("order"),
    )
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrected invoice"),
    )
    correction_reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)
    company = models.ForeignKey(
        "people.Company", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    language = models.CharField(_("language"), max_length=7, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    issue_date = models.DateField(_("date of issue"), null=True, blank=True)
    sale_date = models.DateField(_("date of sale"), null=True, blank=True)
    place_of_issue = models.CharField(_("place of issue"), max_length=100, blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=60, blank=True)
    # The seller as the invoice prints it (name, address, tax_id, email, phone, bank_account).
    seller = models.JSONField(_("seller"), default=dict, blank=True)
    buyer_name = models.CharField(_("buyer"), max_length=200)
    buyer_address = models.TextField(_("buyer address"), blank=True)
    buyer_country = models.CharField(_("buyer country"), max_length=2, default="PL")
    buyer_tax_id = models.CharField(_("buyer tax id"), max_length=30, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    net_total = models.DecimalField(_("net"), max_digits=14, decimal_places=2, default=ZERO)
    vat_total = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=ZERO)
    gross_total = models.DecimalField(_("gross"), max_digits=14, decimal_places=2, default=ZERO)
    # Per rate code: {"rate", "net", "vat", "gross", "vat_base"} (decimal strings), highest rate first.
    vat_summary = models.JSONField(_("VAT by rate"), default=list, blank=True)
    exchange_rate = models.DecimalField(_("exchange rate"), max_digits=18, decimal_places=8, null=True, blank=True)
    exchange_rate_day = models.DateField(_("exchange rate date"), null=True, blank=True)
    exchange_rate_table = models.CharField(_("exchange rate table"), max_length=40, blank=True)
    vat_total_base = models.DecimalField(
        _("VAT in base currency"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    gross_total_base = models.DecimalField(
        _("gross in base currency"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    split_payment = models.BooleanField(_("split payment"), default=False)
    # What the issued corrections add to (debit) or take from (credit) the amount due.
    corrections_total = models.DecimalField(_("corrections"), max_digits=14, decimal_places=2, default=ZERO)
    paid_amount = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=ZERO)
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The number, buyer and tax id folded for the search box (core.search indexes it).
    search_text = models.TextField(blank=True, editable=False)

    history_labels: ClassVar[dict[str, Any]] = {"created_by": pgettext_lazy("record", "Created by")}
    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {"search_text"}
    access_via: ClassVar[tuple[str, ...]] = ("company", "contact")
    access_owner_field: ClassVar[str] = "created_by"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="invoice_unique_number"),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="invoice_status_due_idx")]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self) -> str:
        return self.number or str(_("Draft invoice"))

    @property
    def is_correction(self) -> bool:
        return self.kind in CORRECTIONS

    @property
    def amount_due(self) -> decimal.Decimal:
        return self.gross_total + self.corrections_total

    @property
    def outstanding(self) -> decimal.Decimal:
        """What is left to pay (negative: paid more than due, which is the customer's credit)."""
        return self.amount_due - self.paid_amount


class InvoiceLine(PricedLine):
    """A line of an invoice. On a correction it is the line after the change, ``before_*`` the
    line as the corrected invoice had it (none for a line the correction adds), and ``net``,
    ``vat`` and ``gross`` the differences."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "billing.OrderLine", on_delete=models.PROTECT, null=True, blank=True, related_name="invoice_lines"
    )
    corrects_line = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrected_by"
    )
    before_quantity = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    before_unit_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    before_discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    before_vat_rate = models.CharField(max_length=4, blank=True)
    before_net = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    before_vat = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    before_gross = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # The product's unit cost when the invoice was issued, for profit and loss (its catalogue cost
    # may change later; a line without a product has none).
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    cost_currency = models.CharField(_("cost currency"), max_length=3, blank=True)
