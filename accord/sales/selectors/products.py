"""Reads of the product catalogue (the catalogue is everyone's: no record scoping)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accord.core import access
from accord.core.exports import Column, walk
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate
from accord.core.models import entity_label
from accord.sales.models import Product


def _search(qs: QuerySet[Product], text: str) -> QuerySet[Product]:
    return qs.filter(Q(name__icontains=text) | Q(sku__icontains=text) | Q(category__icontains=text))


PRODUCT_LIST = ListSpec[Product](
    entity=entity_label(Product),
    filters=[
        Filter("active", "active", kind="bool"),
        Filter("category", "category"),
        Filter("sku", "sku"),
        Filter("vat_rate", "vat_rate", kind="int"),
    ],
    sorts=[Sort("name", "name"), Sort("sku", "sku"), Sort("updated", "updated_at", kind="datetime")],
    default_sort="name",
    search=_search,
)


def product_page(query: ListQuery) -> Page[Product]:
    qs = apply(PRODUCT_LIST, query, Product.objects.all())
    return paginate(PRODUCT_LIST, query, qs.prefetch_related("prices"))


def _prices(product: Product) -> str:
    return "; ".join(f"{p.price} {p.currency}" for p in sorted(product.prices.all(), key=lambda p: p.currency))


def product_columns() -> list[Column]:
    return [
        Column("id", lambda p: p.pk, _("ID")),
        Column("sku", lambda p: p.sku, _("SKU")),
        Column("name", lambda p: p.name, _("Name")),
        Column("category", lambda p: p.category, _("Category")),
        Column("unit", lambda p: p.unit, _("Unit")),
        Column("prices", _prices, _("Prices")),
        Column("vat_rate", lambda p: p.vat_rate, _("VAT (%)")),
        Column("unit_cost", lambda p: p.unit_cost, _("Unit cost")),
        Column("cost_currency", lambda p: p.cost_currency, _("Cost currency")),
        Column("active", lambda p: p.active, _("Active")),
        Column("description", lambda p: p.description, _("Description")),
    ]


def products_for_export(user: Any, query: ListQuery) -> Iterator[Product]:
    """The filtered catalogue for an export by ``user``, who needs the export permission."""
    access.require_export(user)
    qs = apply(PRODUCT_LIST, query, Product.objects.all()).prefetch_related("prices")
    return walk(PRODUCT_LIST, query, qs)
