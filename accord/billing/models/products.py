"""Billing's own settings of catalogue products (the sales catalogue stays as it is)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.models import BaseModel


class ProductBilling(BaseModel):
    """How billing treats a product: ``split_payment_goods`` marks goods and services of Annex 15
    of the Polish VAT act, so that their order and invoice lines are flagged for split payment."""

    product = models.OneToOneField(
        "sales.Product", on_delete=models.CASCADE, related_name="billing", verbose_name=_("product")
    )
    split_payment_goods = models.BooleanField(_("Annex 15 goods (split payment)"), default=False)

    class Meta:
        verbose_name = _("product billing settings")
        verbose_name_plural = _("product billing settings")

    def __str__(self) -> str:
        return str(self.product)
