"""Reads of orders, scoped by their customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from accord.billing.models import Order, OrderStatus
from accord.billing.selectors import visible
from accord.core import access
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate, parse
from accord.core.models import entity_label


def _search(qs: QuerySet[Order], text: str) -> QuerySet[Order]:
    for word in text.split():
        qs = qs.filter(Q(number__icontains=word) | Q(customer_name__icontains=word))
    return qs


ORDER_LIST = ListSpec[Order](
    entity=entity_label(Order),
    filters=[
        Filter("status", "status", kind="choice", choices=OrderStatus.values),
        Filter("company", "company_id", kind="uuid"),
        Filter("contact", "contact_id", kind="uuid"),
        Filter("quote", "quote_id", kind="uuid"),
        Filter("currency", "currency"),
    ],
    sorts=[
        Sort("created", "created_at", kind="datetime"),
        Sort("number", "number"),
        Sort("customer", "customer_name"),
        Sort("gross_total", "gross_total"),
    ],
    default_sort="-created",
    search=_search,
)


def visible_orders(user: Any) -> QuerySet[Order]:
    return visible(user, Order.objects.all())


def _rows(qs: QuerySet[Order]) -> QuerySet[Order]:
    return qs.select_related("company", "contact", "quote")


def order_query(params: Mapping[str, Any], *, strict: bool = False) -> ListQuery:
    return parse(ORDER_LIST, params, strict=strict, default_limit=settings.ACCORD_PAGE_SIZE)


def order_page(user: Any, query: ListQuery, *, with_lines: bool = False) -> Page[Order]:
    qs = _rows(apply(ORDER_LIST, query, visible_orders(user)))
    return paginate(ORDER_LIST, query, qs.prefetch_related("lines", "invoices") if with_lines else qs)


def order_detail(user: Any, pk: Any) -> Order:
    return access.get_visible(user, _rows(visible_orders(user)).prefetch_related("lines", "invoices"), pk=pk)


def order_of_quote(user: Any, quote: Any) -> Order | None:
    """The order made from ``quote``, if the user may see it."""
    return visible_orders(user).filter(quote=quote).first()
