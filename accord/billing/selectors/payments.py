"""Reads of payments, scoped by the paying customer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accord.billing.models import Payment, PaymentMethod, PaymentSource
from accord.billing.selectors import visible
from accord.core import access
from accord.core.exports import Column, walk
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate, parse
from accord.core.models import entity_label


def _unallocated(values: list[Any]) -> Q:
    q = Q(amount__gt=F("allocated_amount"))
    return q if values[-1] else ~q


PAYMENT_LIST = ListSpec[Payment](
    entity=entity_label(Payment),
    filters=[
        Filter("company", "company_id", kind="uuid"),
        Filter("contact", "contact_id", kind="uuid"),
        Filter("method", "method", kind="choice", choices=PaymentMethod.values),
        Filter("currency", "currency"),
        Filter("unallocated", "amount", kind="bool", build=_unallocated),
        Filter("received_after", "received_on", kind="date", lookup="gte"),
        Filter("received_before", "received_on", kind="date", lookup="lte"),
        Filter("invoice", "allocations__invoice_id", kind="uuid"),
    ],
    sorts=[
        Sort("received_on", "received_on", kind="date"),
        Sort("created", "created_at", kind="datetime"),
        Sort("amount", "amount"),
    ],
    default_sort="-received_on",
)


def visible_payments(user: Any) -> QuerySet[Payment]:
    return visible(user, Payment.objects.all())


def payment_query(params: Mapping[str, Any], *, strict: bool = False) -> ListQuery:
    return parse(PAYMENT_LIST, params, strict=strict, default_limit=settings.ACCORD_PAGE_SIZE)


def payment_page(user: Any, query: ListQuery) -> Page[Payment]:
    qs = apply(PAYMENT_LIST, query, visible_payments(user)).select_related("company", "contact")
    return paginate(PAYMENT_LIST, query, qs.prefetch_related("allocations__invoice"))


def payment_detail(user: Any, pk: Any) -> Payment:
    qs = visible_payments(user).select_related("company", "contact").prefetch_related("allocations__invoice")
    return access.get_visible(user, qs, pk=pk)


def _customer(payment: Payment) -> str:
    party = payment.company or payment.contact
    return str(party) if party is not None else ""


def payment_columns() -> list[Column]:
    return [
        Column("id", lambda p: p.pk, _("ID")),
        Column("received_on", lambda p: p.received_on, _("Date")),
        Column("customer", _customer, _("Customer")),
        Column("method", lambda p: p.method, _("Method"), choices=PaymentMethod),
        Column("source", lambda p: p.source, _("Source"), choices=PaymentSource),
        Column("reference", lambda p: p.reference, _("Reference")),
        Column("currency", lambda p: p.currency, _("Currency")),
        Column("amount", lambda p: p.amount, _("Amount")),
        Column("allocated_amount", lambda p: p.allocated_amount, _("Allocated")),
        Column("unallocated", lambda p: p.unallocated, _("Customer credit")),
        Column("created_at", lambda p: p.created_at, _("Created")),
    ]


def payments_for_export(user: Any, query: ListQuery) -> Iterator[Payment]:
    """The filtered list for an export by ``user``, who needs the export permission."""
    access.require_export(user)
    rows = apply(PAYMENT_LIST, query, visible_payments(user)).select_related("company", "contact")
    return walk(PAYMENT_LIST, query, rows)
