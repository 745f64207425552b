"""Hand-built invoices, payments, deals and tickets for the insight reports: written straight to
the tables, so each test states every figure its answer is worked out from."""

from __future__ import annotations

import datetime
import decimal
import itertools
from typing import Any

from django.utils import timezone

from accord.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSeries,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
)
from accord.billing.models.invoices import SeriesKind
from accord.sales.models import Deal, DealStatus, Pipeline, Stage, StageKind

D = decimal.Decimal
_numbers = itertools.count(1)


def noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def _series() -> InvoiceSeries:
    found, _created = InvoiceSeries.objects.get_or_create(
        code="T", defaults={"name": "Test", "kind": SeriesKind.INVOICE, "is_default": True}
    )
    return found


def invoice(
    *,
    day: datetime.date,
    lines: list[tuple[Any, str, str, str | None]],
    company: Any = None,
    contact: Any = None,
    kind: str = InvoiceKind.VAT,
    status: str = InvoiceStatus.ISSUED,
    currency: str = "PLN",
    exchange_rate: str | None = None,
    created_by: Any = None,
) -> Invoice:
    """An invoice issued on ``day`` with ``lines`` of (product, quantity, net, unit cost); no VAT,
    so its gross is its net."""
    net = sum((D(n) for _p, _q, n, _c in lines), D(0))
    made = Invoice.objects.create(
        kind=kind,
        status=status,
        series=_series(),
        number=f"T/{next(_numbers)}",
        company=company,
        contact=contact,
        currency=currency,
        exchange_rate=D(exchange_rate) if exchange_rate else None,
        issue_date=day,
        sale_date=day,
        due_date=day + datetime.timedelta(days=14),
        buyer_name=str(company or contact or "Walk-in"),
        net_total=net,
        gross_total=net,
        gross_total_base=net * D(exchange_rate or 1),
        created_by=created_by,
    )
    for position, (product, quantity, line_net, cost) in enumerate(lines):
        InvoiceLine.objects.create(
            invoice=made,
            product=product,
            description=product.name if product else "Service",
            quantity=D(quantity),
            unit_price=D(line_net) / D(quantity),
            vat_rate="0",
            net=D(line_net),
            vat=D(0),
            gross=D(line_net),
            unit_cost=D(cost) if cost is not None else None,
            position=position,
        )
    return made


def pay(target: Invoice, amount: str, day: datetime.date) -> Payment:
    payment = Payment.objects.create(
        company=target.company,
        contact=target.contact,
        amount=D(amount),
        currency=target.currency,
        received_on=day,
        allocated_amount=D(amount),
    )
    PaymentAllocation.objects.create(payment=payment, invoice=target, amount=D(amount))
    return payment


def pipeline() -> dict[str, Stage]:
    made = Pipeline.objects.create(name=f"Test pipeline {next(_numbers)}")
    return {
        "open": Stage.objects.create(pipeline=made, name="Proposal", position=1, probability=50),
        "won": Stage.objects.create(pipeline=made, name="Won", position=2, probability=100, kind=StageKind.WON),
        "lost": Stage.objects.create(pipeline=made, name="Lost", position=3, probability=0, kind=StageKind.LOST),
    }


def deal(
    stages: dict[str, Stage],
    *,
    owner: Any,
    status: str,
    amount: str,
    created: datetime.date,
    closed: datetime.date | None = None,
    expected_close: datetime.date | None = None,
    company: Any = None,
) -> Deal:
    stage = stages[status]
    return Deal.objects.create(
        name=f"Deal {next(_numbers)}",
        pipeline=stage.pipeline,
        stage=stage,
        status={"open": DealStatus.OPEN, "won": DealStatus.WON, "lost": DealStatus.LOST}[status],
        amount=D(amount),
        currency="PLN",
        owner=owner,
        team=owner.teams.first(),
        company=company,
        created_at=noon(created),
        closed_at=noon(closed) if closed else None,
        expected_close=expected_close,
    )
