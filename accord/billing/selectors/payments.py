"""Reads of payments, scoped by the paying customer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet

from accord.billing.models import Payment, PaymentMethod
from accord.billing.selectors import visible
from accord.core import access
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
