"""Billing's settings of catalogue products: which ones are Annex 15 goods (split payment)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction

from accord.billing.models import ProductBilling
from accord.core import changes
from accord.core.access import AccessDenied
from accord.sales.models import Product

if TYPE_CHECKING:
    from accord.identity.models import User


def split_payment_products(products: Iterable[Any]) -> set[Any]:
    """The keys of those of ``products`` marked as Annex 15 goods."""
    keys = [p.pk for p in products if p is not None]
    if not keys:
        return set()
    return set(
        ProductBilling.objects.filter(product_id__in=keys, split_payment_goods=True).values_list(
            "product_id", flat=True
        )
    )


@transaction.atomic
def set_split_payment(*, actor: User | None, product: Product, value: bool) -> ProductBilling:
    """Mark a product as an Annex 15 good or not; like the catalogue, kept by admins and managers."""
    if actor is not None:
        role = getattr(actor, "role", None)
        if not actor.is_active or not (actor.is_superuser or (role and (role.is_admin or role.code == "manager"))):
            raise AccessDenied()
    settings, created = ProductBilling.objects.select_for_update().get_or_create(product=product)
    before = changes.snapshot(settings)
    if not created and settings.split_payment_goods == bool(value):
        return settings
    settings.split_payment_goods = bool(value)
    if created:
        settings.save()
        changes.record_create(actor=actor, obj=settings)
        return settings
    settings.version += 1
    settings.save()
    changes.record_update(actor=actor, obj=settings, before=before)
    return settings
