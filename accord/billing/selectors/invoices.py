"""Reads of invoices: the list with its filters and sorts, one invoice with everything its page
shows, the invoices a payment may go to."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.billing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceSeries, InvoiceStatus, PaymentAllocation
from accord.billing.models.invoices import UNPAID
from accord.billing.selectors import visible
from accord.core import access
from accord.core.exports import Column, walk
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate, parse
from accord.core.models import entity_label


def overdue_q(today: Any = None) -> Q:
    """Issued VAT invoices not fully paid whose due date has passed."""
    return Q(kind=InvoiceKind.VAT, status__in=UNPAID, due_date__lt=today or timezone.localdate())


def _overdue(values: list[Any]) -> Q:
    return overdue_q() if values[-1] else ~overdue_q()


def _search(qs: QuerySet[Invoice], text: str) -> QuerySet[Invoice]:
    for word in text.split():
        qs = qs.filter(Q(number__icontains=word) | Q(buyer_name__icontains=word) | Q(buyer_tax_id__icontains=word))
    return qs


INVOICE_LIST = ListSpec[Invoice](
    entity=entity_label(Invoice),
    filters=[
        Filter("status", "status", kind="choice", choices=InvoiceStatus.values),
        Filter("kind", "kind", kind="choice", choices=InvoiceKind.values),
        Filter("overdue", "due_date", kind="bool", build=_overdue),
        Filter("company", "company_id", kind="uuid"),
        Filter("contact", "contact_id", kind="uuid"),
        Filter("order", "order_id", kind="uuid"),
        Filter("corrects", "corrects_id", kind="uuid"),
        Filter("number", "number"),
        Filter("currency", "currency"),
        Filter("issued_after", "issue_date", kind="date", lookup="gte"),
        Filter("issued_before", "issue_date", kind="date", lookup="lte"),
        Filter("due_after", "due_date", kind="date", lookup="gte"),
        Filter("due_before", "due_date", kind="date", lookup="lte"),
    ],
    sorts=[
        Sort("created", "created_at", kind="datetime"),
        Sort("issue_date", "issue_date", kind="date", nullable=True),
        Sort("due_date", "due_date", kind="date", nullable=True),
        Sort("number", "number"),
        Sort("buyer", "buyer_name"),
        Sort("gross_total", "gross_total"),
    ],
    default_sort="-created",
    search=_search,
)


def visible_invoices(user: Any) -> QuerySet[Invoice]:
    return visible(user, Invoice.objects.all())


def _rows(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return qs.select_related("company", "contact", "series", "corrects", "order")


def invoice_query(params: Mapping[str, Any], *, strict: bool = False) -> ListQuery:
    return parse(INVOICE_LIST, params, strict=strict, default_limit=settings.ACCORD_PAGE_SIZE)


def invoice_page(user: Any, query: ListQuery, *, with_lines: bool = False) -> Page[Invoice]:
    qs = _rows(apply(INVOICE_LIST, query, visible_invoices(user)))
    if with_lines:  # the API's list shows each invoice whole: lines, payments, corrections
        qs = qs.prefetch_related(
            "lines",
            Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("payment")),
            Prefetch("corrections", queryset=Invoice.objects.order_by("created_at")),
        )
    return paginate(INVOICE_LIST, query, qs)


def invoice_detail(user: Any, pk: Any) -> Invoice:
    """One visible invoice with its lines, payments and corrections; 404 when out of sight."""
    qs = _rows(visible_invoices(user)).prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.select_related("product")),
        Prefetch("allocations", queryset=PaymentAllocation.objects.select_related("payment")),
        Prefetch("corrections", queryset=Invoice.objects.order_by("created_at")),
    )
    return access.get_visible(user, qs, pk=pk)


def is_overdue(invoice: Invoice, today: Any = None) -> bool:
    return (
        invoice.kind == InvoiceKind.VAT
        and invoice.status in UNPAID
        and invoice.due_date is not None
        and invoice.due_date < (today or timezone.localdate())
    )


def display_status(invoice: Invoice) -> str:
    """The status a person reads: "overdue" for an unpaid invoice past its due date."""
    return "overdue" if is_overdue(invoice) else invoice.status


def series_list() -> list[InvoiceSeries]:
    return list(InvoiceSeries.objects.order_by("kind", "code"))


def series_detail(pk: Any) -> InvoiceSeries | None:
    return InvoiceSeries.objects.filter(pk=pk).first()


def open_invoices(user: Any, *, company: Any = None, contact: Any = None, currency: str = "") -> list[Invoice]:
    """Issued VAT invoices not fully paid, oldest due first: where a payment may go."""
    qs = visible_invoices(user).filter(kind=InvoiceKind.VAT, status__in=UNPAID)
    if company is not None:
        qs = qs.filter(company=company)
    if contact is not None:
        qs = qs.filter(contact=contact)
    if currency:
        qs = qs.filter(currency=currency)
    return list(qs.order_by("due_date", "number"))


def invoice_columns() -> list[Column]:
    """The invoice list's export: what an accountant reconciles, one invoice a row."""
    return [
        Column("id", lambda i: i.pk, _("ID")),
        Column("number", lambda i: i.number, _("Number")),
        Column("kind", lambda i: i.kind, _("Kind"), choices=InvoiceKind),
        Column("status", lambda i: i.status, _("Status"), choices=InvoiceStatus),
        Column("buyer", lambda i: i.buyer_name, _("Buyer")),
        Column("buyer_tax_id", lambda i: i.buyer_tax_id, _("Buyer tax id")),
        Column("issue_date", lambda i: i.issue_date, _("Date of issue")),
        Column("sale_date", lambda i: i.sale_date, _("Date of sale")),
        Column("due_date", lambda i: i.due_date, _("Due date")),
        Column("currency", lambda i: i.currency, _("Currency")),
        Column("net_total", lambda i: i.net_total, _("Net")),
        Column("vat_total", lambda i: i.vat_total, _("VAT")),
        Column("gross_total", lambda i: i.gross_total, _("Gross")),
        Column("corrections_total", lambda i: i.corrections_total, _("Corrections")),
        Column("paid_amount", lambda i: i.paid_amount, _("Paid")),
        Column(
            "outstanding", lambda i: i.outstanding if i.kind == InvoiceKind.VAT and i.issued_at else None, _("To pay")
        ),
        Column("corrects", lambda i: i.corrects.number if i.corrects_id else "", _("Corrects")),
        Column("order", lambda i: i.order.number if i.order_id else "", _("Order")),
        Column("created_at", lambda i: i.created_at, _("Created")),
    ]


def invoices_for_export(user: Any, query: ListQuery) -> Iterator[Invoice]:
    """The filtered list for an export by ``user``, who needs the export permission."""
    access.require_export(user)
    return walk(INVOICE_LIST, query, _rows(apply(INVOICE_LIST, query, visible_invoices(user))))
