"""The cost to serve each classified customer, their contribution, and who are the key and the
unprofitable customers; and the rates it is charged at.

Over the classification's twelve months (``classification.period``), for each customer (a
company, or a contact who bought without one):

* discounts: list price minus net on the counted order lines (already inside the margin: shown,
  not charged again);
* interactions: each logged interaction on the customer times its channel's rate (notes are free);
* service: each ticket opened for the customer times the ticket rate;
* collections: each collection step taken (reminder, letter, call, hand-off) times its action's rate;
* late payments: the money paid late, times the days it was late, times the annual financing rate
  over 365; an invoice still overdue at ``as_of`` counts its outstanding amount until ``as_of``.
  Amounts of currency invoices are converted at the invoice's own rate.

Contribution = margin - (interactions + service + collections + late payments). A customer with a
negative contribution is unprofitable; the most profitable customers who together make the first
``key_share_percent`` of the total positive contribution are key customers (Pareto, the one
crossing the line included, as ABC); the rest are regular.

Each cost is one grouped query over its own table (one row per customer with that cost), joined
into the classification's single ``INSERT ... SELECT`` (``classification._insert_sql``): the rows
are written once, with every figure, set-based on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    DecimalField,
    F,
    Func,
    Q,
    Sum,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Round
from django.utils.translation import gettext as _

from accord.activities.models import Interaction
from accord.analytics.models import CostRates, ValueClass
from accord.billing.models import CollectionStep, Invoice, PaymentAllocation
from accord.billing.models.collections import CollectionStepState
from accord.billing.models.invoices import InvoiceStatus
from accord.billing.models.orders import OrderStatus
from accord.core import access, changes
from accord.core.access import AccessDenied
from accord.core.errors import Conflict, check_version
from accord.service.models import Ticket

if TYPE_CHECKING:
    from accord.identity.models import User

D = decimal.Decimal
MONEY = DecimalField(max_digits=20, decimal_places=4)
ZERO = Value(D(0), output_field=MONEY)
COUNTED = (OrderStatus.CONFIRMED, OrderStatus.FULFILLED)  # as the classification counts them
RATE_FIELDS: tuple[str, ...] = (
    *CostRates.CHANNELS,
    "ticket",
    *(f"collection_{action}" for action in CostRates.COLLECTION_ACTIONS),
    "financing_percent",
    "key_share_percent",
)


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two dates), as a number, on PostgreSQL and SQLite."""

    output_field = DecimalField(max_digits=12, decimal_places=0)

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sql(self, compiler: Any, conn: Any, **extra: Any) -> Any:  # type: ignore[override]
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        if conn.vendor == "sqlite":
            return f"CAST(julianday({end_sql}) - julianday({start_sql}) AS INTEGER)", [*end_params, *start_params]
        return f"({end_sql} - {start_sql})", [*end_params, *start_params]


# --- the rates ----------------------------------------------------------------------------------


def current_rates() -> CostRates:
    """The saved rates, else the defaults (not saved)."""
    return CostRates.objects.first() or CostRates()


def saved_version(rates: CostRates) -> int:
    """The version an edit of ``rates`` must name: 0 for the defaults, never saved."""
    return 0 if rates._state.adding else rates.version


def _parse(name: str, value: Any, errors: dict[str, list[str]]) -> Any:
    if value is None or str(value).strip() == "":
        errors[name] = [_("This field is required.")]
        return None
    if name == "key_share_percent":
        try:
            return int(str(value).strip())
        except (TypeError, ValueError):
            errors[name] = [_("Enter a whole number.")]
            return None
    try:
        number = D(str(value).strip().replace(",", "."))
    except (decimal.InvalidOperation, TypeError, ValueError):
        errors[name] = [_("Enter a number.")]
        return None
    if not number.is_finite():
        errors[name] = [_("Enter a number.")]
        return None
    return number


def update_rates(*, actor: User | None, data: Mapping[str, Any], expected_version: int | None = None) -> CostRates:
    """Change the cost-to-serve rates (administrators only). Every field is checked and named in
    the error; nothing is saved unless all are right. The next classification uses them."""
    if actor is not None and not access.is_admin(actor):
        raise AccessDenied(_("Only an administrator may change the cost-to-serve rates."))
    errors: dict[str, list[str]] = {}
    for name in sorted(set(data) - set(RATE_FIELDS)):
        errors[name] = [_("There is no such rate.")]
    try:
        with transaction.atomic():
            stored = CostRates.objects.select_for_update().first()
            target = stored or CostRates()
            if stored is not None:
                check_version(stored, expected_version)
            before = changes.snapshot(target) if stored is not None else None
            for name in RATE_FIELDS:
                if name in data:
                    parsed = _parse(name, data[name], errors)
                    if parsed is not None:
                        setattr(target, name, parsed)
            try:
                target.full_clean(exclude=["singleton"], validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors.setdefault(field, []).extend(messages)
            if errors:
                raise ValidationError(errors)
            if stored is None:
                target.save()
                changes.record_create(actor=actor, obj=target)
            elif before is not None and changes.snapshot(target) != before:
                target.version += 1
                target.save()
                changes.record_update(actor=actor, obj=target, before=before)
            return target
    except IntegrityError as exc:  # someone else saved the first rates at the same moment
        raise Conflict(current_version=1) from exc


# --- the figures ------------------------------------------------------------------------------------


def _customer(prefix: str = "") -> Coalesce:
    """The customer a row belongs to, as the classification keys them: its company, else its
    contact (through ``prefix``, e.g. ``order__``, when they are on a related row)."""
    return Coalesce(F(f"{prefix}company_id"), F(f"{prefix}contact_id"), output_field=UUIDField())


def _grouped(queryset: Any, prefix: str, total: Any) -> Any:
    """One row per customer: ``customer`` (their key) and ``total``, rounded to cents."""
    return (
        queryset.filter(Q(**{f"{prefix}company__isnull": False}) | Q(**{f"{prefix}contact__isnull": False}))
        .annotate(customer=_customer(prefix))
        .values("customer")
        .annotate(total=Round(Sum(total, output_field=MONEY), 2, output_field=MONEY))
        .values("customer", "total")
        .order_by()
    )


def costs(as_of: datetime.date, start: datetime.datetime, end: datetime.datetime) -> list[tuple[str, Any]]:
    """(name, grouped query) for each cost over [start, end), the classification's period ending
    with ``as_of``, at the current rates: each query has one row per customer who has that cost
    (``customer``, ``total``). Late payment comes in two parts: paid late, and still owed."""
    rates = current_rates()
    interactions = Interaction.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    charge = Case(
        *(When(channel=channel, then=Value(getattr(rates, channel))) for channel in CostRates.CHANNELS),
        default=Value(D(0)),
        output_field=MONEY,
    )
    tickets = Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
    steps = CollectionStep.objects.filter(state=CollectionStepState.DONE, day__gte=start.date(), day__lte=as_of)
    step_charge = Case(
        *(
            When(action=action, then=Value(getattr(rates, f"collection_{action}")))
            for action in CostRates.COLLECTION_ACTIONS
        ),
        default=Value(D(0)),
        output_field=MONEY,
    )
    daily = Value(rates.financing_percent / D(36500), output_field=MONEY)
    to_base = Coalesce("invoice__exchange_rate", Value(D(1)), output_field=MONEY)
    late_allocations = PaymentAllocation.objects.filter(
        payment__received_on__gte=start.date(),
        payment__received_on__lte=as_of,
        invoice__due_date__lt=F("payment__received_on"),
    )
    paid_late = F("amount") * to_base * DaysBetween(F("payment__received_on"), F("invoice__due_date")) * daily
    overdue = Invoice.objects.filter(
        status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID],
        due_date__lt=as_of,
    )
    owed = (F("gross_total") + F("corrections_total") - F("paid_amount")) * Coalesce(
        "exchange_rate", Value(D(1)), output_field=MONEY
    )
    still_owed = owed * DaysBetween(Value(as_of), Greatest(F("due_date"), Value(start.date()))) * daily
    return [
        ("interaction_cost", _grouped(interactions, "", charge)),
        ("service_cost", _grouped(tickets, "", Value(rates.ticket, output_field=MONEY))),
        ("collection_cost", _grouped(steps, "", step_charge)),
        ("paid_late", _grouped(late_allocations, "invoice__", paid_late)),
        ("still_owed", _grouped(overdue, "", still_owed)),
    ]


def value_case(contribution: str, ahead: str, total: str) -> tuple[str, list[Any]]:
    """The SQL deciding a customer's value class from their contribution, the positive
    contribution of the customers ranked before them and the total positive contribution."""
    sql = (
        f"CASE WHEN {contribution} < 0 THEN %s "
        f"WHEN {contribution} > 0 AND COALESCE({ahead}, 0) * 100 < %s * {total} THEN %s ELSE %s END"
    )
    share = current_rates().key_share_percent
    return sql, [ValueClass.UNPROFITABLE.value, share, ValueClass.KEY.value, ValueClass.REGULAR.value]
