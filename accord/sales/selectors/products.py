"""Reads of the product catalogue (the catalogue is everyone's: no record scoping)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accord.core import access
from accord.core.exports import Column, walk
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate
from accord.core.models import entity_label
from accord.sales.models import PriceList, PriceListItem, Product, ProductPrice


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
        Column("unit", lambda p: p.unit_label, _("Unit")),
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


def product_detail(user: Any, pk: Any) -> Product:
    """One product with its prices; Http404 when there is none."""
    return access.get_visible(user, Product.objects.prefetch_related("prices"), pk=pk)


def find_product(pk: Any, *, active: bool | None = None) -> Product | None:
    """The product ``pk`` names (only an active one with ``active=True``); None when there is none
    or the key is malformed, for a request field whose error then names it."""
    if pk in (None, ""):
        return None
    qs = Product.objects.all() if active is None else Product.objects.filter(active=active)
    try:
        return qs.filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


def active_products() -> QuerySet[Product]:
    """The products a line may be chosen from, by name."""
    return Product.objects.filter(active=True).order_by("name")


def price_lists(user: Any, *, with_counts: bool = False) -> QuerySet[PriceList]:
    """Price lists by priority (``with_counts``: active ones first, each with its number of items)."""
    qs = access.scope(user, PriceList.objects.select_related("tag"))
    if with_counts:
        return qs.annotate(item_count=Count("items")).order_by("-active", "-priority", "name")
    return qs.order_by("-priority", "name")


def price_list_detail(user: Any, pk: Any, *, with_items: bool = False) -> PriceList:
    qs = PriceList.objects.select_related("tag")
    if with_items:
        qs = qs.prefetch_related("items__product")
    return access.get_visible(user, qs, pk=pk)


def price_list_items(*, product: Product | None = None, price_list: PriceList | None = None) -> list[PriceListItem]:
    """The special prices of one product (by list name) or of one price list (by product name)."""
    if product is not None:
        qs = PriceListItem.objects.filter(product=product).select_related("price_list", "price_list__tag")
        return list(qs.order_by("price_list__name"))
    qs = PriceListItem.objects.filter(price_list=price_list).select_related("product")
    return list(qs.order_by("product__name"))


def price_list_item(price_list: PriceList, product: Product) -> PriceListItem | None:
    return PriceListItem.objects.filter(price_list=price_list, product=product).select_related("product").first()


def catalogue_prices(product_ids: list[Any], currency: str) -> dict[Any, Any]:
    """The catalogue price in ``currency`` of each of these products that has one."""
    return {p.product_id: p.price for p in ProductPrice.objects.filter(product_id__in=product_ids, currency=currency)}
