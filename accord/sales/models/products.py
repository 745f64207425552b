"""The product catalogue, prices per currency, and price lists for groups of customers."""

from __future__ import annotations

import decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.ids import uuid7
from accord.core.models import BaseModel
from accord.core.units import unit_label


class Product(BaseModel):
    """Something sold: goods or a service, with its cost (for margins) and VAT rate."""

    sku = models.CharField(_("SKU"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    cost_currency = models.CharField(_("cost currency"), max_length=3, blank=True)
    vat_rate = models.DecimalField(_("VAT (%)"), max_digits=5, decimal_places=2, default=decimal.Decimal("23"))
    category = models.CharField(_("category"), max_length=80, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def unit_label(self) -> str:
        """The unit in the reader's language ("szt." for "pcs" in Polish)."""
        return unit_label(self.unit)


class ProductPrice(models.Model):
    """The list price of a product in one currency."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(_("currency"), max_length=3)
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["currency"]
        constraints = [models.UniqueConstraint(fields=["product", "currency"], name="product_price_unique_currency")]

    def __str__(self) -> str:
        return f"{self.price} {self.currency}"


class PriceList(BaseModel):
    """Special prices for a group of customers: the companies carrying ``tag`` (e.g. "Reseller")."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    currency = models.CharField(_("currency"), max_length=3)
    tag = models.ForeignKey(
        "core.Tag", on_delete=models.PROTECT, related_name="+", verbose_name=_("for companies tagged")
    )
    priority = models.PositiveSmallIntegerField(_("priority"), default=0, help_text=_("Higher wins."))
    active = models.BooleanField(_("active"), default=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["-priority", "name"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    price = models.DecimalField(_("price"), max_digits=14, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["price_list", "product"], name="price_list_unique_product")]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.price}"
