"""Orders: what a customer bought, made from an accepted quote or typed in, and invoiced later."""

from __future__ import annotations

import decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.billing.models.lines import PricedLine
from accord.core.models import BaseModel

ZERO = decimal.Decimal(0)


class OrderStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("order status", "Draft")
    CONFIRMED = "confirmed", pgettext_lazy("order status", "Confirmed")
    FULFILLED = "fulfilled", pgettext_lazy("order status", "Fulfilled")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")


class Order(BaseModel):
    """A customer's order: its lines and customer block are its own copy (from the accepted quote,
    or as typed), so what was ordered stays whatever happens to the quote or the catalogue.

    Visible with its customer (the company or the contact) and to whoever made it."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    quote = models.OneToOneField(
        "sales.Quote",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order",
        verbose_name=_("quote"),
    )
    company = models.ForeignKey(
        "people.Company", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    currency = models.CharField(_("currency"), max_length=3)
    customer_name = models.CharField(_("customer"), max_length=200)
    customer_address = models.TextField(_("customer address"), blank=True)
    customer_tax_id = models.CharField(_("customer tax id"), max_length=30, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    net_total = models.DecimalField(_("net"), max_digits=14, decimal_places=2, default=ZERO)
    vat_total = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, default=ZERO)
    gross_total = models.DecimalField(_("gross"), max_digits=14, decimal_places=2, default=ZERO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The number, customer and tax id folded for the search box (core.search indexes it).
    search_text = models.TextField(blank=True, editable=False)

    history_labels: ClassVar[dict[str, Any]] = {"created_by": pgettext_lazy("record", "Created by")}
    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {"search_text"}
    # Billing records follow their customer: whoever may see the company or the contact sees its
    # orders and invoices, and so does the person who made them.
    access_via: ClassVar[tuple[str, ...]] = ("company", "contact")
    access_owner_field: ClassVar[str] = "created_by"

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.number


class OrderLine(PricedLine):
    """A line of an order; the invoice lines made of it say it is invoiced."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
