"""REST endpoints for payments: list, read, record (with or without an invoice), allocate."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from accord.billing.api.common import parties, visible
from accord.billing.models import Invoice, Payment
from accord.billing.selectors import invoices as invoice_selectors
from accord.billing.selectors import payments as selectors
from accord.billing.services import payments as services
from accord.core import idempotency
from accord.core.api import ERRORS, PageOut, StrictSchema, expected_version, list_parameters, list_query
from accord.core.money import base_currency
from accord.core.requests import AuthedRequest

router = Router(tags=["payments"])


class PaymentAllocationOut(Schema):
    invoice_id: uuid.UUID
    invoice_number: str
    amount: decimal.Decimal

    @staticmethod
    def resolve_invoice_number(obj: Any) -> str:
        return obj.invoice.number


class PaymentOut(Schema):
    id: uuid.UUID
    version: int
    company_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    amount: decimal.Decimal
    currency: str
    received_on: datetime.date
    method: str
    reference: str
    note: str
    source: str
    external_id: str
    allocated_amount: decimal.Decimal
    unallocated: decimal.Decimal
    allocations: list[PaymentAllocationOut]
    created_at: datetime.datetime

    @staticmethod
    def resolve_allocations(obj: Any) -> list[Any]:
        return list(obj.allocations.all())


class PaymentIn(StrictSchema):
    company_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    invoice_id: uuid.UUID | None = None
    amount: decimal.Decimal
    currency: str = ""
    received_on: datetime.date | None = None
    method: Literal["transfer", "cash", "card", "other"] = "transfer"
    reference: str = ""
    note: str = ""
    external_id: str = ""


class AllocationIn(StrictSchema):
    version: int | None = None
    invoice_id: uuid.UUID
    amount: decimal.Decimal | None = None


def payment_out(request: HttpRequest, payment: Payment) -> dict[str, Any]:
    return PaymentOut.from_orm(selectors.payment_detail(request.user, payment.pk)).model_dump(mode="json")


@router.get(
    "/payments", response={200: PageOut[PaymentOut], **ERRORS}, openapi_extra=list_parameters(selectors.PAYMENT_LIST)
)
def list_payments(request: HttpRequest) -> Any:
    page = selectors.payment_page(request.user, list_query(request, selectors.PAYMENT_LIST))
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/payments/{uuid:payment_id}", response={200: PaymentOut, **ERRORS})
def get_payment(request: HttpRequest, payment_id: uuid.UUID) -> Any:
    return selectors.payment_detail(request.user, payment_id)


@router.post("/payments", response={201: PaymentOut, **ERRORS})
def record_payment(request: AuthedRequest, payload: PaymentIn) -> Any:
    """Money received from a customer; with ``invoice_id`` it pays that invoice (the rest stays
    the customer's credit). The currency defaults to the invoice's."""

    def run() -> Payment:
        given = payload.model_dump(exclude_unset=True)
        errors: dict[str, list[str]] = {}
        data = parties(request, given, errors)
        invoice: Invoice | None = visible(request, Invoice, payload.invoice_id, "invoice_id", errors)
        if errors:
            raise ValidationError(errors)
        currency = payload.currency or (invoice.currency if invoice is not None else base_currency())
        return services.record_payment(
            actor=request.user,
            amount=payload.amount,
            currency=currency,
            received_on=payload.received_on,
            method=payload.method,
            reference=payload.reference,
            note=payload.note,
            company=data.get("company"),
            contact=data.get("contact"),
            invoice=invoice,
            source="api",
            external_id=payload.external_id,
        )

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda p: payment_out(request, p)
    )


@router.post("/payments/{uuid:payment_id}/allocations", response={201: PaymentOut, **ERRORS})
def allocate_payment(request: AuthedRequest, payment_id: uuid.UUID, payload: AllocationIn) -> Any:
    """Let the payment (its unallocated part) pay an invoice: ``amount`` or as much as both allow."""
    payment = selectors.payment_detail(request.user, payment_id)

    def run() -> Payment:
        invoice = invoice_selectors.visible_invoices(request.user).filter(pk=payload.invoice_id).first()
        if invoice is None:
            raise ValidationError({"invoice_id": [_("No such record.")]})
        services.allocate(
            actor=request.user,
            payment=payment,
            invoice=invoice,
            amount=payload.amount,
            expected_version=expected_version(request, payload.version),
        )
        return payment

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda p: payment_out(request, p)
    )
