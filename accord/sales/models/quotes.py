"""Quotes: numbered, versioned offers made from a deal's lines, sent as PDF, accepted or declined."""

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
from accord.core.units import unit_label


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("quote status", "Draft")
    SENT = "sent", pgettext_lazy("quote status", "Sent")
    ACCEPTED = "accepted", pgettext_lazy("quote status", "Accepted")
    DECLINED = "declined", pgettext_lazy("quote status", "Declined")
    SUPERSEDED = "superseded", pgettext_lazy("quote status", "Superseded")


class Quote(BaseModel):
    """One revision of an offer. A new revision of the same number supersedes the earlier ones.

    Its lines and totals are copied from the deal when it is made, so what the customer was sent
    never changes afterwards, whatever happens to the deal.
    """

    deal = models.ForeignKey("sales.Deal", on_delete=models.CASCADE, related_name="quotes", verbose_name=_("deal"))
    number = models.CharField(_("number"), max_length=30)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    currency = models.CharField(_("currency"), max_length=3)
    valid_until = models.DateField(_("valid until"))
    net_total = models.DecimalField(_("net"), max_digits=14, decimal_places=2, default=decimal.Decimal("0"))
    vat_total = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=decimal.Decimal("0"))
    gross_total = models.DecimalField(_("gross"), max_digits=14, decimal_places=2, default=decimal.Decimal("0"))
    customer_name = models.CharField(_("customer"), max_length=200, blank=True)
    customer_address = models.TextField(_("customer address"), blank=True)
    customer_tax_id = models.CharField(_("customer tax id"), max_length=30, blank=True)
    terms = models.TextField(_("terms"), blank=True)
    # The selling company as the quote prints it (name, address, tax_id, email, phone,
    # bank_account), copied from the settings when the quote is made, like the customer's block.
    seller = models.JSONField(_("seller"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    sent_to = models.EmailField(_("sent to"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    search_text = models.TextField(blank=True, editable=False)

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {"search_text"}
    history_labels: ClassVar[dict[str, Any]] = {"created_by": pgettext_lazy("record", "Created by")}

    # Whoever may see the deal may see its quotes (accord.core.access).
    access_via: ClassVar[tuple[str, ...]] = ("deal",)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="quote_unique_revision"),
            models.UniqueConstraint(
                fields=["number"], condition=Q(status="accepted"), name="quote_one_accepted_revision"
            ),
        ]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self) -> str:
        return f"{self.number}/{self.revision}" if self.revision > 1 else self.number

    @property
    def label(self) -> str:
        return str(self)


class QuoteLine(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=200)
    sku = models.CharField(max_length=60, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit = models.CharField(max_length=20, blank=True)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2)
    vat_rate = models.DecimalField(max_digits=5, decimal_places=2)
    net = models.DecimalField(max_digits=14, decimal_places=2)
    vat = models.DecimalField(max_digits=14, decimal_places=2)
    gross = models.DecimalField(max_digits=14, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def unit_label(self) -> str:
        """The unit in the reader's language ("szt." for "pcs" in Polish)."""
        return unit_label(self.unit)


class SellerDetails(BaseModel):
    """The selling company as quotes print it (one row, kept in the Sales settings). Until an
    administrator saves it, the ``ACCORD_SELLER_*`` environment values stand in for it."""

    name = models.CharField(_("company name"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    tax_id = models.CharField(_("tax id"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("seller details")
        verbose_name_plural = _("seller details")

    def __str__(self) -> str:
        return self.name or str(_("seller details"))
