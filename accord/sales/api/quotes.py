"""REST endpoints for sales quotes: list, read, make from a deal, revise, send, accept, decline, PDF.

Quotes are seen and acted on through their deal: a deal out of sight makes its quotes 404.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from accord.core import access, idempotency
from accord.core.access import AccessDenied
from accord.core.api import (
    ERRORS,
    PageOut,
    StrictSchema,
    UserRef,
    amounts_hidden,
    expected_version,
    list_parameters,
    list_query,
)
from accord.core.requests import AuthedRequest
from accord.sales import selectors as sales_selectors
from accord.sales.models import Quote
from accord.sales.pdf import render_quote
from accord.sales.selectors import quotes as selectors
from accord.sales.services import quotes as services

router = Router(tags=["quotes"])


class QuoteLineOut(Schema):
    """A quote's line; its prices are null for a user who may not see amounts."""

    description: str
    sku: str
    quantity: decimal.Decimal
    unit: str
    unit_price: decimal.Decimal | None
    discount_percent: decimal.Decimal
    vat_rate: decimal.Decimal
    net: decimal.Decimal | None
    vat: decimal.Decimal | None
    gross: decimal.Decimal | None

    @staticmethod
    def resolve_unit_price(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.unit_price

    @staticmethod
    def resolve_net(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.net

    @staticmethod
    def resolve_vat(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.vat

    @staticmethod
    def resolve_gross(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.gross


class VatRateOut(Schema):
    rate: decimal.Decimal
    net: decimal.Decimal
    vat: decimal.Decimal
    gross: decimal.Decimal


class QuoteOut(Schema):
    id: uuid.UUID
    version: int
    number: str
    revision: int
    label: str
    status: str
    expired: bool
    deal_id: uuid.UUID
    currency: str
    valid_until: datetime.date
    net_total: decimal.Decimal | None
    vat_total: decimal.Decimal | None
    gross_total: decimal.Decimal | None
    vat_by_rate: list[VatRateOut]
    customer_name: str
    customer_address: str
    customer_tax_id: str
    terms: str
    sent_at: datetime.datetime | None
    sent_to: str
    decided_at: datetime.datetime | None
    decision_note: str
    created_by: UserRef | None
    created_at: datetime.datetime
    lines: list[QuoteLineOut]

    @staticmethod
    def resolve_expired(obj: Any) -> bool:
        return services.is_expired(obj)

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_net_total(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.net_total

    @staticmethod
    def resolve_vat_total(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.vat_total

    @staticmethod
    def resolve_gross_total(obj: Any, context: Any) -> decimal.Decimal | None:
        return None if amounts_hidden(context) else obj.gross_total

    @staticmethod
    def resolve_vat_by_rate(obj: Any, context: Any) -> list[dict[str, Any]]:
        if amounts_hidden(context):
            return []  # the rates' sums are amounts
        buckets: dict[decimal.Decimal, dict[str, Any]] = {}
        for line in obj.lines.all():
            bucket = buckets.setdefault(
                line.vat_rate, {"rate": line.vat_rate, "net": decimal.Decimal(0), "vat": decimal.Decimal(0)}
            )
            bucket["net"] += line.net
            bucket["vat"] += line.vat
        return [{**b, "gross": b["net"] + b["vat"]} for _rate, b in sorted(buckets.items(), reverse=True)]


class QuoteIn(StrictSchema):
    valid_until: datetime.date | None = None
    terms: str = ""


class QuotePatch(StrictSchema):
    version: int | None = None
    valid_until: datetime.date | None = None
    terms: str | None = None
    customer_name: str | None = None
    customer_address: str | None = None
    customer_tax_id: str | None = None


class ReviseIn(StrictSchema):
    version: int | None = None
    valid_until: datetime.date | None = None
    terms: str | None = None


class SendIn(StrictSchema):
    version: int | None = None
    to: str = ""
    subject: str = ""
    message: str = ""


class AcceptIn(StrictSchema):
    version: int | None = None
    note: str = ""
    win_deal: bool = False


class DeclineIn(StrictSchema):
    version: int | None = None
    note: str = ""


def _out(request: HttpRequest, quote: Quote) -> dict[str, Any]:
    return QuoteOut.from_orm(selectors.quote_detail(request.user, quote.pk), context={"request": request}).model_dump(
        mode="json"
    )


def _etag(response: HttpResponse, quote: Quote) -> None:
    response["ETag"] = f'"{quote.version}"'


def _send_failed(exc: services.SendFailed) -> ValidationError:
    # The mail server's refusal is the request's problem to retry: a 422 naming the recipient field.
    return ValidationError({"to": [exc.message]})


@router.get(
    "/quotes",
    response={200: PageOut[QuoteOut], **ERRORS},
    openapi_extra=list_parameters(selectors.QUOTE_LIST),
)
def list_quotes(request: HttpRequest) -> Any:
    query = list_query(request, selectors.QUOTE_LIST)
    page = selectors.quote_page(request.user, query, with_lines=True)
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/quotes/{uuid:quote_id}", response={200: QuoteOut, **ERRORS})
def get_quote(request: HttpRequest, quote_id: uuid.UUID, response: HttpResponse) -> Any:
    quote = selectors.quote_detail(request.user, quote_id)
    _etag(response, quote)
    return quote


@router.post("/deals/{uuid:deal_id}/quotes", response={201: QuoteOut, **ERRORS})
def create_quote(request: AuthedRequest, deal_id: uuid.UUID, payload: QuoteIn) -> Any:
    """A new quote (revision 1) with the deal's lines and customer."""
    deal = sales_selectors.deal_detail(request.user, deal_id)

    def run() -> Quote:
        data = payload.model_dump(exclude_unset=True)
        return services.create_from_deal(actor=request.user, deal=deal, data=data)

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda q: _out(request, q)
    )


@router.patch("/quotes/{uuid:quote_id}", response={200: QuoteOut, **ERRORS})
def update_quote(request: AuthedRequest, quote_id: uuid.UUID, payload: QuotePatch, response: HttpResponse) -> Any:
    """Change a draft's validity, terms or customer block; a sent quote is immutable (422: revise it)."""
    quote = selectors.quote_detail(request.user, quote_id)
    services.update_draft(
        actor=request.user,
        quote=quote,
        data=payload.model_dump(exclude_unset=True, exclude={"version"}),
        expected_version=expected_version(request, payload.version),
    )
    quote = selectors.quote_detail(request.user, quote_id)
    _etag(response, quote)
    return quote


@router.post("/quotes/{uuid:quote_id}/revise", response={201: QuoteOut, **ERRORS})
def revise_quote(request: AuthedRequest, quote_id: uuid.UUID, payload: ReviseIn) -> Any:
    """A new revision with the deal's current lines; the earlier open revisions are superseded."""
    quote = selectors.quote_detail(request.user, quote_id)

    def run() -> Quote:
        data = payload.model_dump(exclude_unset=True, exclude={"version"})
        return services.revise(
            actor=request.user,
            quote=quote,
            data=data,
            expected_version=expected_version(request, payload.version),
        )

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda q: _out(request, q)
    )


@router.post("/quotes/{uuid:quote_id}/send", response={200: QuoteOut, **ERRORS})
def send_quote(request: AuthedRequest, quote_id: uuid.UUID, payload: SendIn) -> Any:
    """E-mail the PDF (to the deal's contact when ``to`` is empty) and mark the quote sent. A mail
    server that refuses it is a 422 and the quote stays a draft."""
    quote = selectors.quote_detail(request.user, quote_id)

    def run() -> Quote:
        try:
            return services.send(
                actor=request.user,
                quote=quote,
                to=payload.to or services.recipient_for(quote),
                subject=payload.subject,
                message=payload.message,
                expected_version=expected_version(request, payload.version),
            )
        except services.SendFailed as exc:
            raise _send_failed(exc) from exc

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda q: _out(request, q), status=200
    )


@router.post("/quotes/{uuid:quote_id}/accept", response={200: QuoteOut, **ERRORS})
def accept_quote(request: AuthedRequest, quote_id: uuid.UUID, payload: AcceptIn) -> Any:
    """The customer accepted: the deal takes the quote's amount (and is won with ``win_deal``)."""
    quote = selectors.quote_detail(request.user, quote_id)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.accept(
            actor=request.user,
            quote=quote,
            note=payload.note,
            win=payload.win_deal,
            expected_version=expected_version(request, payload.version),
        ),
        serialize=lambda q: _out(request, q),
        status=200,
    )


@router.post("/quotes/{uuid:quote_id}/decline", response={200: QuoteOut, **ERRORS})
def decline_quote(request: AuthedRequest, quote_id: uuid.UUID, payload: DeclineIn) -> Any:
    quote = selectors.quote_detail(request.user, quote_id)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.decline(
            actor=request.user,
            quote=quote,
            note=payload.note,
            expected_version=expected_version(request, payload.version),
        ),
        serialize=lambda q: _out(request, q),
        status=200,
    )


@router.get("/quotes/{uuid:quote_id}/pdf", response={200: None, **ERRORS})
def quote_pdf(request: HttpRequest, quote_id: uuid.UUID) -> HttpResponse:
    """The quote as PDF, downloaded as an attachment."""
    quote = selectors.quote_detail(request.user, quote_id)
    if not access.sees_amounts(request.user):
        raise AccessDenied(_("Your role may not see amounts, so it may not download quotes."))
    response = HttpResponse(render_quote(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quote.label.replace("/", "-")}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
