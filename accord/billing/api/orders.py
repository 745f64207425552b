"""REST endpoints for orders: list, read, create (by hand or from an accepted quote), change,
move through their statuses, and make invoices of them."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from accord.billing.api.common import BillingLineOut, LineIn, lines, parties
from accord.billing.models import Order
from accord.billing.selectors import orders as selectors
from accord.billing.services import orders as services
from accord.core import idempotency
from accord.core.api import ERRORS, PageOut, StrictSchema, expected_version, list_parameters, list_query
from accord.core.requests import AuthedRequest
from accord.sales.selectors import quotes as quote_selectors

router = Router(tags=["orders"])


class OrderOut(Schema):
    id: uuid.UUID
    version: int
    number: str
    status: str
    quote_id: uuid.UUID | None
    company_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    currency: str
    customer_name: str
    customer_address: str
    customer_tax_id: str
    notes: str
    net_total: decimal.Decimal
    vat_total: decimal.Decimal
    gross_total: decimal.Decimal
    created_at: datetime.datetime
    lines: list[BillingLineOut]
    invoice_ids: list[uuid.UUID]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())

    @staticmethod
    def resolve_invoice_ids(obj: Any) -> list[Any]:
        return [invoice.pk for invoice in obj.invoices.all()]


class OrderIn(StrictSchema):
    company_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    currency: str = ""
    customer_name: str = ""
    customer_address: str = ""
    customer_tax_id: str = ""
    notes: str = ""
    lines: list[LineIn] = []


class OrderPatch(StrictSchema):
    version: int | None = None
    customer_name: str | None = None
    customer_address: str | None = None
    customer_tax_id: str | None = None
    notes: str | None = None
    lines: list[LineIn] | None = None


class StatusIn(StrictSchema):
    version: int | None = None
    status: Literal["draft", "confirmed", "fulfilled", "cancelled"]


def _out(request: HttpRequest, order: Order) -> dict[str, Any]:
    return OrderOut.from_orm(selectors.order_detail(request.user, order.pk)).model_dump(mode="json")


@router.get("/orders", response={200: PageOut[OrderOut], **ERRORS}, openapi_extra=list_parameters(selectors.ORDER_LIST))
def list_orders(request: HttpRequest) -> Any:
    page = selectors.order_page(request.user, list_query(request, selectors.ORDER_LIST), with_lines=True)
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/orders/{uuid:order_id}", response={200: OrderOut, **ERRORS})
def get_order(request: HttpRequest, order_id: uuid.UUID, response: HttpResponse) -> Any:
    order = selectors.order_detail(request.user, order_id)
    response["ETag"] = f'"{order.version}"'
    return order


@router.post("/orders", response={201: OrderOut, **ERRORS})
def create_order(request: AuthedRequest, payload: OrderIn) -> Any:
    """A draft order typed in: the customer (a company and/or a contact) and its lines."""

    def run() -> Order:
        given = payload.model_dump(exclude_unset=True)
        errors: dict[str, list[str]] = {}
        data: dict[str, Any] = {k: v for k, v in given.items() if k not in ("company_id", "contact_id", "lines")}
        data.update(parties(request, given, errors))
        data["lines"] = lines(given.get("lines") or [], errors)
        if errors:
            raise ValidationError(errors)
        return services.create_order(actor=request.user, data=data)

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda o: _out(request, o)
    )


@router.post("/quotes/{uuid:quote_id}/order", response={201: OrderOut, **ERRORS})
def order_from_quote(request: AuthedRequest, quote_id: uuid.UUID) -> Any:
    """The order of an accepted quote (the same one however often it is asked for)."""
    quote = quote_selectors.quote_detail(request.user, quote_id)
    return idempotency.respond(
        request,
        payload={"quote": str(quote_id)},
        run=lambda: services.create_from_quote(actor=request.user, quote=quote),
        serialize=lambda o: _out(request, o),
    )


@router.patch("/orders/{uuid:order_id}", response={200: OrderOut, **ERRORS})
def update_order(request: AuthedRequest, order_id: uuid.UUID, payload: OrderPatch, response: HttpResponse) -> Any:
    order = selectors.order_detail(request.user, order_id)
    given = payload.model_dump(exclude_unset=True, exclude={"version"})
    errors: dict[str, list[str]] = {}
    if "lines" in given:
        given["lines"] = lines(given["lines"] or [], errors)
    if errors:
        raise ValidationError(errors)
    services.update_order(
        actor=request.user, order=order, data=given, expected_version=expected_version(request, payload.version)
    )
    order = selectors.order_detail(request.user, order_id)
    response["ETag"] = f'"{order.version}"'
    return order


@router.post("/orders/{uuid:order_id}/status", response={200: OrderOut, **ERRORS})
def set_order_status(request: AuthedRequest, order_id: uuid.UUID, payload: StatusIn) -> Any:
    order = selectors.order_detail(request.user, order_id)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.set_status(
            actor=request.user,
            order=order,
            status=payload.status,
            expected_version=expected_version(request, payload.version),
        ),
        serialize=lambda o: _out(request, o),
        status=200,
    )
