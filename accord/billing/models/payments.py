"""Payments received from customers and how they are spread over invoices."""

from __future__ import annotations

import decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.billing.models.invoices import PaymentMethod
from accord.core.ids import uuid7
from accord.core.models import BaseModel

ZERO = decimal.Decimal(0)


class PaymentSource(models.TextChoices):
    MANUAL = "manual", pgettext_lazy("payment source", "Entered by hand")
    API = "api", pgettext_lazy("payment source", "API")
    BANK = "bank", pgettext_lazy("payment source", "Bank statement")


class Payment(BaseModel):
    """Money received from a customer. It pays invoices through allocations; what no invoice
    took (an overpayment, a payment in advance) stays the customer's credit."""

    company = models.ForeignKey(
        "people.Company", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("company")
    )
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    received_on = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.TRANSFER)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=PaymentSource.choices, default=PaymentSource.MANUAL)
    # A bank transaction's own id: the same statement line imported twice is one payment.
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    allocated_amount = models.DecimalField(_("allocated"), max_digits=14, decimal_places=2, default=ZERO)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history_labels: ClassVar[dict[str, Any]] = {"created_by": pgettext_lazy("record", "Created by")}
    access_via: ClassVar[tuple[str, ...]] = ("company", "contact")
    access_owner_field: ClassVar[str] = "created_by"

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="payment_unique_external_id"
            ),
        ]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.received_on} {self.amount} {self.currency}"

    @property
    def unallocated(self) -> decimal.Decimal:
        """What no invoice took yet: the customer's credit."""
        return self.amount - self.allocated_amount


class PaymentAllocation(models.Model):
    """How much of a payment went to one invoice."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")

    def __str__(self) -> str:
        return f"{self.amount}"
