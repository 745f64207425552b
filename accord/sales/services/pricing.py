"""Which price a customer pays: their price list (by company tag, highest priority first, valid
today), else the catalogue price in the currency of the deal."""

from __future__ import annotations

import decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accord.sales.models import PriceListItem, Product, ProductPrice


def price_for(product: Product, currency: str, company: Any = None) -> decimal.Decimal | None:
    if company is not None and company.pk:
        today = timezone.localdate()
        item = (
            PriceListItem.objects.filter(
                product=product,
                price_list__active=True,
                price_list__currency=currency,
                price_list__tag__in=company.tags.all(),
            )
            .filter(Q(price_list__valid_from__isnull=True) | Q(price_list__valid_from__lte=today))
            .filter(Q(price_list__valid_until__isnull=True) | Q(price_list__valid_until__gte=today))
            .order_by("-price_list__priority", "price")
            .first()
        )
        if item is not None:
            return item.price
    listed = ProductPrice.objects.filter(product=product, currency=currency).first()
    return listed.price if listed is not None else None
