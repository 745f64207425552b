"""What order and invoice lines share: a priced line with a VAT rate code, rounded as invoices are."""

from __future__ import annotations

import decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.billing import countries
from accord.core.ids import uuid7
from accord.core.money import quantize
from accord.core.units import unit_label

HUNDRED = decimal.Decimal(100)


def line_net(quantity: decimal.Decimal, unit_price: decimal.Decimal, discount: decimal.Decimal) -> decimal.Decimal:
    return quantize(quantity * unit_price * (HUNDRED - discount) / HUNDRED)


def line_vat(net: decimal.Decimal, rate: str) -> decimal.Decimal:
    return quantize(net * countries.rate_percent(rate) / HUNDRED)


class PricedLine(models.Model):
    """A line of an order or an invoice: what, how many, at what price, discount and VAT rate.

    ``split_payment_goods`` marks goods and services of Annex 15 of the Polish VAT act (steel,
    electronics, fuel, construction work...): an invoice of 15,000 PLN or more with such a line is
    marked "split payment"."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    product = models.ForeignKey(
        "sales.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("product")
    )
    description = models.CharField(_("description"), max_length=200)
    sku = models.CharField(_("SKU"), max_length=60, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(
        _("discount (%)"), max_digits=5, decimal_places=2, default=decimal.Decimal(0)
    )
    vat_rate = models.CharField(_("VAT rate"), max_length=4)
    split_payment_goods = models.BooleanField(_("Annex 15 goods (split payment)"), default=False)
    net = models.DecimalField(_("net"), max_digits=14, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2)
    gross = models.DecimalField(_("gross"), max_digits=14, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def unit_label(self) -> str:
        return unit_label(self.unit)

    @property
    def rate_label(self) -> str:
        return countries.rate_label(self.vat_rate)

    def compute(self) -> None:
        """Net, VAT and gross from quantity, price, discount and rate, each to the grosz."""
        self.net = line_net(self.quantity, self.unit_price, self.discount_percent)
        self.vat = line_vat(self.net, self.vat_rate)
        self.gross = self.net + self.vat
