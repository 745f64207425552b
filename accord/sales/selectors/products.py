"""Reads of the product catalogue (the catalogue is everyone's: no record scoping)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

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
