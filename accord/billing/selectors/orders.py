"""Reads of orders, scoped by their customer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accord.billing.models import Order, OrderStatus
from accord.billing.selectors import visible
from accord.core import access
from accord.core.exports import Column, walk
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


def order_columns() -> list[Column]:
    return [
        Column("id", lambda o: o.pk, _("ID")),
        Column("number", lambda o: o.number, _("Number")),
        Column("status", lambda o: o.status, _("Status"), choices=OrderStatus),
        Column("customer", lambda o: o.customer_name, _("Customer")),
        Column("customer_tax_id", lambda o: o.customer_tax_id, _("Customer tax id")),
        Column("quote", lambda o: o.quote.number if o.quote_id else "", _("Quote")),
        Column("currency", lambda o: o.currency, _("Currency")),
        Column("net_total", lambda o: o.net_total, _("Net")),
        Column("vat_total", lambda o: o.vat_total, _("VAT")),
        Column("gross_total", lambda o: o.gross_total, _("Gross")),
        Column("created_at", lambda o: o.created_at, _("Created")),
    ]


def orders_for_export(user: Any, query: ListQuery) -> Iterator[Order]:
    """The filtered list for an export by ``user``, who needs the export permission."""
    access.require_export(user)
    return walk(ORDER_LIST, query, _rows(apply(ORDER_LIST, query, visible_orders(user))))
