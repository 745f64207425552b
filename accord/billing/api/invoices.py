"""REST endpoints for invoices: list, read, create (typed in or from an order), change a draft,
delete a draft, issue, correct, record a payment, download the PDF."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accord.billing.api.common import BillingLineOut, LineIn, lines, parties
from accord.billing.api.payments import PaymentOut, payment_out
from accord.billing.models import Invoice, Payment
from accord.billing.pdf import file_name, render_invoice
from accord.billing.selectors import invoices as selectors
from accord.billing.selectors import orders as order_selectors
from accord.billing.services import invoices as services
from accord.billing.services import payments as payment_services
from accord.core import idempotency
from accord.core.api import ERRORS, PageOut, StrictSchema, expected_version, list_parameters, list_query
from accord.core.money import amount_in_words
from accord.core.requests import AuthedRequest

router = Router(tags=["invoices"])


class InvoiceLineOut(BillingLineOut):
    order_line_id: uuid.UUID | None
    corrects_line_id: uuid.UUID | None
    before_quantity: decimal.Decimal | None
    before_unit_price: decimal.Decimal | None
    before_discount_percent: decimal.Decimal | None
    before_vat_rate: str
    before_net: decimal.Decimal | None
    before_vat: decimal.Decimal | None
    before_gross: decimal.Decimal | None


class RateOut(Schema):
    rate: str
    net: decimal.Decimal
    vat: decimal.Decimal
    gross: decimal.Decimal
    vat_base: decimal.Decimal


class AllocationOut(Schema):
    payment_id: uuid.UUID
    amount: decimal.Decimal
    received_on: datetime.date

    @staticmethod
    def resolve_received_on(obj: Any) -> datetime.date:
        return obj.payment.received_on


class InvoiceOut(Schema):
    id: uuid.UUID
    version: int
    kind: str
    status: str
    display_status: str
    overdue: bool
    series: str
    number: str
    order_id: uuid.UUID | None
    corrects_id: uuid.UUID | None
    correction_reason: str
    correction_ids: list[uuid.UUID]
    company_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    language: str
    currency: str
    issue_date: datetime.date | None
    sale_date: datetime.date | None
    place_of_issue: str
    payment_method: str
    payment_terms_days: int
    due_date: datetime.date | None
    bank_account: str
    seller: dict[str, str]
    buyer_name: str
    buyer_address: str
    buyer_country: str
    buyer_tax_id: str
    notes: str
    net_total: decimal.Decimal
    vat_total: decimal.Decimal
    gross_total: decimal.Decimal
    vat_by_rate: list[RateOut]
    amount_in_words: str
    exchange_rate: decimal.Decimal | None
    exchange_rate_day: datetime.date | None
    exchange_rate_table: str
    vat_total_base: decimal.Decimal | None
    gross_total_base: decimal.Decimal | None
    split_payment: bool
    corrections_total: decimal.Decimal
    amount_due: decimal.Decimal
    paid_amount: decimal.Decimal
    outstanding: decimal.Decimal
    issued_at: datetime.datetime | None
    created_at: datetime.datetime
    lines: list[InvoiceLineOut]
    payments: list[AllocationOut]

    @staticmethod
    def resolve_series(obj: Any) -> str:
        return obj.series.code

    @staticmethod
    def resolve_display_status(obj: Any) -> str:
        return selectors.display_status(obj)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return selectors.is_overdue(obj)

    @staticmethod
    def resolve_correction_ids(obj: Any) -> list[Any]:
        return [c.pk for c in obj.corrections.all()]

    @staticmethod
    def resolve_vat_by_rate(obj: Any) -> list[dict[str, Any]]:
        return list(obj.vat_summary or [])

    @staticmethod
    def resolve_amount_in_words(obj: Any) -> str:
        return amount_in_words(abs(obj.gross_total), obj.currency, language=obj.language or None)

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_payments(obj: Any) -> list[Any]:
        return list(obj.allocations.all())


PaymentMethodIn = Literal["transfer", "cash", "card", "other"]


class InvoiceFields(StrictSchema):
    series_id: uuid.UUID | None = None
    language: str | None = None
    issue_date: datetime.date | None = None
    sale_date: datetime.date | None = None
    place_of_issue: str | None = None
    payment_method: PaymentMethodIn | None = None
    payment_terms_days: int | None = None
    bank_account: str | None = None
    buyer_name: str | None = None
    buyer_address: str | None = None
    buyer_country: str | None = None
    buyer_tax_id: str | None = None
    notes: str | None = None
    # The number of the exchange-rate table the rate comes from (NBP "045/A/NBP/2026"), as printed.
    exchange_rate_table: str | None = None


class InvoiceIn(InvoiceFields):
    kind: Literal["vat", "proforma"] = "vat"
    company_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    currency: str = ""
    lines: list[LineIn] = []


class InvoicePatch(InvoiceFields):
    version: int | None = None
    currency: str | None = None
    lines: list[LineIn] | None = None


class FromOrderIn(InvoiceFields):
    kind: Literal["vat", "proforma"] = "vat"
    line_ids: list[uuid.UUID] | None = None


class VersionIn(StrictSchema):
    version: int | None = None


class CorrectionLineIn(StrictSchema):
    line_id: uuid.UUID | None = None
    product_id: uuid.UUID | None = None
    description: str | None = None
    quantity: decimal.Decimal | None = None
    unit: str | None = None
    unit_price: decimal.Decimal | None = None
    discount_percent: decimal.Decimal | None = None
    vat_rate: str | None = None


class CorrectionIn(StrictSchema):
    reason: str
    issue_date: datetime.date | None = None
    notes: str | None = None
    lines: list[CorrectionLineIn]


class InvoicePaymentIn(StrictSchema):
    amount: decimal.Decimal
    received_on: datetime.date | None = None
    method: PaymentMethodIn = "transfer"
    reference: str = ""
    note: str = ""


def _out(request: HttpRequest, invoice: Invoice) -> dict[str, Any]:
    return InvoiceOut.from_orm(selectors.invoice_detail(request.user, invoice.pk)).model_dump(mode="json")


def _fields(given: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    data = {k: v for k, v in given.items() if k not in ("series_id", "company_id", "contact_id", "lines", "line_ids")}
    if given.get("series_id") is not None:
        series = selectors.series_detail(given["series_id"])
        if series is None:
            errors["series_id"] = [_("No such record.")]
        data["series"] = series
    return {k: v for k, v in data.items() if v is not None or k in ("issue_date", "sale_date")}


@router.get(
    "/invoices", response={200: PageOut[InvoiceOut], **ERRORS}, openapi_extra=list_parameters(selectors.INVOICE_LIST)
)
def list_invoices(request: HttpRequest) -> Any:
    page = selectors.invoice_page(request.user, list_query(request, selectors.INVOICE_LIST), with_lines=True)
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/invoices/{uuid:invoice_id}", response={200: InvoiceOut, **ERRORS})
def get_invoice(request: HttpRequest, invoice_id: uuid.UUID, response: HttpResponse) -> Any:
    invoice = selectors.invoice_detail(request.user, invoice_id)
    response["ETag"] = f'"{invoice.version}"'
    return invoice


@router.post("/invoices", response={201: InvoiceOut, **ERRORS})
def create_invoice(request: AuthedRequest, payload: InvoiceIn) -> Any:
    """A draft VAT invoice or pro-forma typed in; buyer, seller and bank account default from the
    customer and the Sales settings."""

    def run() -> Invoice:
        given = payload.model_dump(exclude_unset=True)
        errors: dict[str, list[str]] = {}
        data = _fields(given, errors)
        data.update(parties(request, given, errors))
        data["lines"] = lines(given.get("lines") or [], errors)
        if errors:
            raise ValidationError(errors)
        return services.create_invoice(actor=request.user, data=data)

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda i: _out(request, i)
    )


@router.post("/orders/{uuid:order_id}/invoices", response={201: InvoiceOut, **ERRORS})
def invoice_order(request: AuthedRequest, order_id: uuid.UUID, payload: FromOrderIn) -> Any:
    """A draft invoice of an order: of ``line_ids``, else of every line not yet invoiced."""
    order = order_selectors.order_detail(request.user, order_id)

    def run() -> Invoice:
        given = payload.model_dump(exclude_unset=True)
        errors: dict[str, list[str]] = {}
        data = _fields({k: v for k, v in given.items() if k != "kind"}, errors)
        if errors:
            raise ValidationError(errors)
        return services.create_from_order(
            actor=request.user, order=order, kind=payload.kind, line_ids=payload.line_ids, data=data
        )

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda i: _out(request, i)
    )


@router.patch("/invoices/{uuid:invoice_id}", response={200: InvoiceOut, **ERRORS})
def update_invoice(request: AuthedRequest, invoice_id: uuid.UUID, payload: InvoicePatch, response: HttpResponse) -> Any:
    """Change a draft; an issued invoice is a 422 (correct it instead)."""
    invoice = selectors.invoice_detail(request.user, invoice_id)
    given = payload.model_dump(exclude_unset=True, exclude={"version"})
    errors: dict[str, list[str]] = {}
    data = _fields(given, errors)
    if "lines" in given:
        data["lines"] = lines(given["lines"] or [], errors)
    if errors:
        raise ValidationError(errors)
    services.update_draft(
        actor=request.user, invoice=invoice, data=data, expected_version=expected_version(request, payload.version)
    )
    invoice = selectors.invoice_detail(request.user, invoice_id)
    response["ETag"] = f'"{invoice.version}"'
    return invoice


@router.delete("/invoices/{uuid:invoice_id}", response={204: None, **ERRORS})
def delete_invoice(request: AuthedRequest, invoice_id: uuid.UUID) -> Any:
    """Delete a draft (it had no number); an issued invoice is a 422."""
    invoice = selectors.invoice_detail(request.user, invoice_id)
    services.delete_draft(actor=request.user, invoice=invoice, expected_version=expected_version(request))
    return Status(204, None)


@router.post("/invoices/{uuid:invoice_id}/issue", response={200: InvoiceOut, **ERRORS})
def issue_invoice(request: AuthedRequest, invoice_id: uuid.UUID, payload: VersionIn) -> Any:
    """Number and issue a draft; from then on it never changes."""
    invoice = selectors.invoice_detail(request.user, invoice_id)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.issue(
            actor=request.user, invoice=invoice, expected_version=expected_version(request, payload.version)
        ),
        serialize=lambda i: _out(request, i),
        status=200,
    )


@router.post("/invoices/{uuid:invoice_id}/corrections", response={201: InvoiceOut, **ERRORS})
def correct_invoice(request: AuthedRequest, invoice_id: uuid.UUID, payload: CorrectionIn) -> Any:
    """A draft credit or debit note: each line names the line it changes (``line_id``) with the
    new values, or is a new line. Issue it like any invoice."""
    invoice = selectors.invoice_detail(request.user, invoice_id)

    def run() -> Invoice:
        errors: dict[str, list[str]] = {}
        items = []
        for item in lines([line.model_dump(exclude_unset=True) for line in payload.lines], errors):
            if item.get("product") is None:
                item.pop("product")
            if "line_id" in item:
                item["line"] = item.pop("line_id")
            items.append(item)
        if errors:
            raise ValidationError(errors)
        extra = payload.model_dump(exclude_unset=True, include={"issue_date", "notes"})
        return services.correct(actor=request.user, invoice=invoice, lines=items, reason=payload.reason, data=extra)

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda i: _out(request, i)
    )


@router.post("/invoices/{uuid:invoice_id}/payments", response={201: PaymentOut, **ERRORS})
def pay_invoice(request: AuthedRequest, invoice_id: uuid.UUID, payload: InvoicePaymentIn) -> Any:
    """Record a payment of this invoice: what it does not owe stays the customer's credit."""
    invoice = selectors.invoice_detail(request.user, invoice_id)

    def run() -> Payment:
        return payment_services.record_payment(
            actor=request.user,
            amount=payload.amount,
            currency=invoice.currency,
            received_on=payload.received_on,
            method=payload.method,
            reference=payload.reference,
            note=payload.note,
            invoice=invoice,
            source="api",
        )

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda p: payment_out(request, p)
    )


@router.get("/invoices/{uuid:invoice_id}/pdf", response={200: None, **ERRORS})
def invoice_pdf(request: HttpRequest, invoice_id: uuid.UUID) -> HttpResponse:
    """The invoice as PDF, downloaded as an attachment."""
    invoice = selectors.invoice_detail(request.user, invoice_id)
    response = HttpResponse(render_invoice(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_name(invoice)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class SeriesOut(Schema):
    id: uuid.UUID
    code: str
    name: str
    kind: str
    pattern: str
    is_default: bool


class SeriesIn(StrictSchema):
    code: str
    name: str = ""
    kind: Literal["invoice", "proforma", "correction"]
    pattern: str = ""


@router.get("/invoice-series", response={200: list[SeriesOut], **ERRORS})
def list_series(request: HttpRequest) -> Any:
    """The numbering series: a code, the kind of invoices it numbers and its pattern."""
    return selectors.series_list()


@router.post("/invoice-series", response={201: SeriesOut, **ERRORS})
def create_series(request: AuthedRequest, payload: SeriesIn) -> Any:
    """A new numbering series (administrators): ``pattern`` with {code}, {year}, {month}, {number}."""
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.create_series(
            actor=request.user, code=payload.code, name=payload.name, kind=payload.kind, pattern=payload.pattern
        ),
        serialize=lambda s: SeriesOut.from_orm(s).model_dump(mode="json"),
    )
