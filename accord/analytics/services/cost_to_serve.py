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

Each figure is one ``UPDATE ... SET x = (SELECT ...)`` over the classification table (a correlated
subquery per customer, on PostgreSQL and SQLite alike), run inside the classification's transaction.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least, Round
from django.utils.translation import gettext as _

from accord.activities.models import Interaction
from accord.analytics.models import CostRates, CustomerClass, ValueClass
from accord.billing.models import CollectionStep, Invoice, OrderLine, PaymentAllocation
from accord.billing.models.collections import CollectionStepState
from accord.billing.models.invoices import InvoiceStatus
from accord.billing.models.orders import OrderStatus
from accord.core import access, changes, money
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


def _for(kind: str, prefix: str = "") -> Q:
    """The rows of the classified customer (a company; or a contact, on rows naming no company),
    through ``prefix`` (e.g. ``order__``) when the customer is on a related row."""
    if kind == "company":
        return Q(**{f"{prefix}company_id": OuterRef("company_id")})
    return Q(**{f"{prefix}contact_id": OuterRef("contact_id"), f"{prefix}company__isnull": True})


def _sum(queryset: Any, key: str, expression: Any) -> Subquery:
    return Subquery(
        queryset.values(key).annotate(total=Sum(expression, output_field=MONEY)).values("total")[:1],
        output_field=MONEY,
    )


def _money(expression: Any) -> Any:
    return Round(Coalesce(expression, ZERO, output_field=MONEY), 2, output_field=MONEY)


def _figures(kind: str, rates: CostRates, as_of: datetime.date, start: Any, end: Any) -> dict[str, Any]:
    """The subqueries giving each cost of one customer of ``kind``, keyed by the field they fill."""
    base = money.base_currency()
    key = f"{kind}_id"
    lines = OrderLine.objects.filter(
        _for(kind, "order__"),
        order__status__in=COUNTED,
        order__currency=base,
        order__created_at__gte=start,
        order__created_at__lt=end,
    )
    discount = F("quantity") * F("unit_price") - F("net")
    interactions = Interaction.objects.filter(_for(kind), occurred_at__gte=start, occurred_at__lt=end)
    charge = Case(
        *(When(channel=channel, then=Value(getattr(rates, channel))) for channel in CostRates.CHANNELS),
        default=Value(D(0)),
        output_field=MONEY,
    )
    tickets = Ticket.objects.filter(_for(kind), created_at__gte=start, created_at__lt=end)
    steps = CollectionStep.objects.filter(
        _for(kind), state=CollectionStepState.DONE, day__gte=start.date(), day__lte=as_of
    )
    step_charge = Case(
        *(
            When(action=action, then=Value(getattr(rates, f"collection_{action}")))
            for action in CostRates.COLLECTION_ACTIONS
        ),
        default=Value(D(0)),
        output_field=MONEY,
    )
    daily = rates.financing_percent / D(36500)
    to_base = Coalesce("invoice__exchange_rate", Value(D(1)), output_field=MONEY)
    late_allocations = PaymentAllocation.objects.filter(
        _for(kind, "invoice__"),
        payment__received_on__gte=start.date(),
        payment__received_on__lte=as_of,
        invoice__due_date__lt=F("payment__received_on"),
    )
    paid_late = F("amount") * to_base * DaysBetween(F("payment__received_on"), F("invoice__due_date"))
    overdue = Invoice.objects.filter(
        _for(kind),
        status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID],
        due_date__lt=as_of,
    )
    owed = (F("gross_total") + F("corrections_total") - F("paid_amount")) * Coalesce(
        "exchange_rate", Value(D(1)), output_field=MONEY
    )
    from_day = Greatest(F("due_date"), Value(start.date()))
    still_owed = owed * DaysBetween(Value(as_of), from_day)
    invoice_key = f"invoice__{key}"
    return {
        "discounts": _money(_sum(lines, f"order__{key}", discount)),
        "interaction_cost": _money(_sum(interactions, key, charge)),
        "service_cost": _money(
            Subquery(tickets.values(key).annotate(n=Count("pk")).values("n")[:1], output_field=MONEY)
            * Value(rates.ticket, output_field=MONEY)
        ),
        "collection_cost": _money(_sum(steps, key, step_charge)),
        "late_payment_cost": _money(
            (
                Coalesce(_sum(late_allocations, invoice_key, paid_late), ZERO, output_field=MONEY)
                + Coalesce(_sum(overdue, key, Least(still_owed, owed * Value(D(366)))), ZERO, output_field=MONEY)
            )
            * Value(daily, output_field=MONEY)
        ),
    }


def apply(as_of: datetime.date, start: datetime.datetime, end: datetime.datetime) -> None:
    """Fill the cost to serve, the contribution and the value class of every classified customer
    over [start, end), the classification's period ending with ``as_of``. Run inside the
    classification's transaction, after its rows are written."""
    rates = current_rates()
    for kind in ("company", "contact"):
        CustomerClass.objects.filter(**{f"{kind}__isnull": False}).update(**_figures(kind, rates, as_of, start, end))
    CustomerClass.objects.update(
        cost_to_serve=F("interaction_cost") + F("service_cost") + F("collection_cost") + F("late_payment_cost"),
    )
    CustomerClass.objects.update(contribution=F("margin") - F("cost_to_serve"))
    _value_classes(rates.key_share_percent)


def _value_classes(key_share: int) -> None:
    quote = connection.ops.quote_name
    table = quote(CustomerClass._meta.db_table)
    ahead = "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    positive = "CASE WHEN contribution > 0 THEN contribution ELSE 0 END"
    sql = f"""
        UPDATE {table} SET value_class = CASE
            WHEN {table}.contribution < 0 THEN %s
            WHEN {table}.contribution > 0 AND COALESCE(s.ahead, 0) * 100 < %s * s.total THEN %s
            ELSE %s END
        FROM (
            SELECT id,
                   SUM({positive}) OVER (ORDER BY contribution DESC, id {ahead}) AS ahead,
                   SUM({positive}) OVER () AS total
            FROM {table}
        ) s
        WHERE {table}.id = s.id
    """  # noqa: S608 - the table comes from the model; every value is a bound parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [ValueClass.UNPROFITABLE.value, key_share, ValueClass.KEY.value, ValueClass.REGULAR.value])
