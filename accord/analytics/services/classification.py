"""Classifying the customers by value: RFM scores and segment, ABC by revenue and by margin.

Which orders count: the confirmed and fulfilled orders (a draft is not yet bought, a cancelled one
never was) created in the twelve months up to and including ``as_of``, in the base currency only.
Orders carry no exchange rate of their own (only invoices do), so an order in another currency is
left out rather than converted at a rate of our choosing; the figures are then the base
currency's. A line's cost is its quantity times its product's unit cost, converted to the base
currency at the latest rate on or before ``as_of``; a line with no product, or whose product has no
cost (or a cost in a currency without a rate), has no cost, so its margin is its revenue (counted in
``uncosted_lines`` when it has a product).

Who the customer is: the order's company when it names one, else its contact (as billing's profit
and loss per customer counts them). A contact ordering for their company is the company's buyer,
not a customer of their own. Companies and contacts are scored together, as one population.

RFM: each score is a quintile, 1 to 5, over the customers with an order in the period: recency by
the last order (the most recent fifth scores 5), frequency by the number of orders, monetary by the
revenue. A score is ``1 + 5 * (rank - 1) // n`` with ``RANK()`` over the ascending values, so equal
values share a score (the lower one: ten customers with one order each all get F=1) rather than
being split at random between two, as ``NTILE`` would. The segment comes from R and F (see
``SEGMENTS``).

ABC (Pareto): customers in descending order of revenue (margin); A are those needed to make the
first 80 % of the total, the one crossing the line included (a customer is A when the customers
before it make less than 80 %), B those up to 95 %, C the rest. A customer with no positive
revenue (margin) is C, and the total counts positive amounts only.

Everything is computed in one ``INSERT ... SELECT`` with window functions (PostgreSQL, and SQLite
3.25 or later), in the same transaction as removing the previous classification: readers see the
old classification until the new one is committed whole, and a run that fails leaves it as it was.
"""

from __future__ import annotations

import datetime
import decimal
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Case, Count, DecimalField, F, Max, Q, Sum, UUIDField, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accord.analytics.events import ClassificationComputed
from accord.analytics.models import CustomerClass, RfmSegment
from accord.analytics.services import cost_to_serve
from accord.billing.models import Order
from accord.billing.models.orders import OrderStatus
from accord.core import events, money
from accord.sales.models import Product

if TYPE_CHECKING:
    from accord.analytics.services.lifetime import LifetimeResult

Progress = Callable[[int, int], None]
COUNTED = (OrderStatus.CONFIRMED, OrderStatus.FULFILLED)
MONEY = DecimalField(max_digits=20, decimal_places=4)
ZERO = Value(decimal.Decimal(0), output_field=MONEY)
STEPS = 4
# The lifetime values follow the classification: ``lifetime.STEPS`` more steps. ``services.lifetime``
# (numpy, scipy) is imported when a run starts, not with the web process.
LIFETIME_STEPS = 4
TOTAL_STEPS = STEPS + LIFETIME_STEPS
# Pareto lines, in per cent of the total.
A_LINE, B_LINE = 80, 95

# The R x F segment map commonly published with RFM analysis (the grid reproduced in most RFM
# tutorials, e.g. the "RFM segmentation" notebooks over the UCI Online Retail dataset:
# 5[4-5] champions, [3-4][4-5] loyal, [4-5][2-3] potential loyalists, 51 new, 41 promising,
# 33 need attention, 3[1-2] about to sleep, [1-2]5 cannot lose, [1-2][3-4] at risk,
# [1-2][1-2] hibernating), with its lowest cell, R=1 F=1, named "lost" as in Putler's
# eleven-segment table (https://www.putler.com/rfm-analysis/). First match wins; every one of the
# 25 cells has a segment. (segment, lowest R, highest R, lowest F, highest F)
SEGMENTS: tuple[tuple[RfmSegment, int, int, int, int], ...] = (
    (RfmSegment.CHAMPIONS, 5, 5, 4, 5),
    (RfmSegment.LOYAL, 3, 4, 4, 5),
    (RfmSegment.POTENTIAL_LOYALIST, 4, 5, 2, 3),
    (RfmSegment.NEW, 5, 5, 1, 1),
    (RfmSegment.PROMISING, 4, 4, 1, 1),
    (RfmSegment.NEED_ATTENTION, 3, 3, 3, 3),
    (RfmSegment.ABOUT_TO_SLEEP, 3, 3, 1, 2),
    (RfmSegment.CANNOT_LOSE, 1, 2, 5, 5),
    (RfmSegment.AT_RISK, 1, 2, 3, 4),
    (RfmSegment.LOST, 1, 1, 1, 1),
    (RfmSegment.HIBERNATING, 1, 2, 1, 2),
)


def segment_of(recency: int, frequency: int) -> RfmSegment:
    """The segment of an R and an F score (what the SQL's CASE computes)."""
    for segment, r_low, r_high, f_low, f_high in SEGMENTS:
        if r_low <= recency <= r_high and f_low <= frequency <= f_high:
            return segment
    raise ValueError(f"no segment for R={recency} F={frequency}")


@dataclass(frozen=True)
class ClassificationResult:
    as_of: datetime.date
    contacts: int
    companies: int
    seconds: float
    lifetime_result: LifetimeResult | None = None

    @property
    def customers(self) -> int:
        return self.contacts + self.companies


def period(as_of: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The twelve months up to and including ``as_of``: [start, end) in the server's time zone."""
    try:
        year_before = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        year_before = as_of.replace(year=as_of.year - 1, day=28)
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(year_before + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def _customers(as_of: datetime.date) -> Any:
    """One row per customer: its orders, last order, revenue, cost and uncosted lines."""
    base = money.base_currency()
    start, end = period(as_of)
    cost_currencies = set(
        Product.objects.exclude(cost_currency="").values_list("cost_currency", flat=True).distinct().order_by()
    )
    rates = money.rates(cost_currencies, on=as_of)
    factor = Case(
        When(lines__product__cost_currency="", then=Value(decimal.Decimal(1))),
        *(When(lines__product__cost_currency=code, then=Value(rate)) for code, rate in sorted(rates.items())),
        default=Value(None),
        output_field=MONEY,
    )
    known = Q(lines__product__cost_currency="") | Q(lines__product__cost_currency__in=list(rates))
    line_cost = F("lines__quantity") * F("lines__product__unit_cost") * factor
    return (
        Order.objects.filter(status__in=COUNTED, currency=base, created_at__gte=start, created_at__lt=end)
        .filter(Q(company__isnull=False) | Q(contact__isnull=False))
        .annotate(
            customer_company=F("company_id"),
            customer_contact=Case(
                When(company__isnull=True, then=F("contact_id")), default=Value(None), output_field=UUIDField()
            ),
        )
        .annotate(customer_key=Coalesce(F("company_id"), F("contact_id"), output_field=UUIDField()))
        .values("customer_company", "customer_contact", "customer_key")
        .annotate(
            n_orders=Count("pk", distinct=True),
            last_at=Max("created_at"),
            revenue=Coalesce(Sum("lines__net"), ZERO, output_field=MONEY),
            cost=Coalesce(Sum(line_cost, output_field=MONEY), ZERO, output_field=MONEY),
            # List price minus net: the discounts given (already inside the revenue).
            discounts=Coalesce(
                Sum(F("lines__quantity") * F("lines__unit_price") - F("lines__net"), output_field=MONEY),
                ZERO,
                output_field=MONEY,
            ),
            uncosted=Count(
                "lines",
                filter=Q(lines__product__isnull=False) & (Q(lines__product__unit_cost__isnull=True) | ~known),
            ),
        )
        .order_by()
    )


def _segment_case() -> tuple[str, list[Any]]:
    parts, params = [], []
    for segment, r_low, r_high, f_low, f_high in SEGMENTS:
        parts.append("WHEN r BETWEEN %s AND %s AND f BETWEEN %s AND %s THEN %s")
        params += [r_low, r_high, f_low, f_high, segment.value]
    return "CASE " + " ".join(parts) + " END", params


def _abc_case(amount: str, before: str, total: str) -> str:
    return (
        f"CASE WHEN {amount} > 0 AND COALESCE({before}, 0) * 100 < {A_LINE} * {total} THEN 'A' "
        f"WHEN {amount} > 0 AND COALESCE({before}, 0) * 100 < {B_LINE} * {total} THEN 'B' ELSE 'C' END"
    )


def _insert_sql(as_of: datetime.date, computed_at: datetime.datetime) -> tuple[str, list[Any]]:
    inner, inner_params = _customers(as_of).query.sql_with_params()
    segment_case, segment_params = _segment_case()
    value_case, value_params = cost_to_serve.value_case("contribution", "contribution_ahead", "contribution_total")
    quote = connection.ops.quote_name
    table = quote(CustomerClass._meta.db_table)
    order_key = "customer_company, customer_contact"
    # Window frames name the rows before the current one: the amount the customers ahead of it make.
    ahead = "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    joins, join_params, charged = [], [], []
    for name, grouped in cost_to_serve.costs(as_of, *period(as_of)):
        sql, params = grouped.query.sql_with_params()
        joins.append(f"LEFT JOIN ({sql}) {name} ON {name}.customer = agg.customer_key")
        join_params += params
        charged.append(f"COALESCE({name}.total, 0)")
    sql = f"""
        INSERT INTO {table} (contact_id, company_id, as_of, computed_at, orders, last_order_at, revenue, margin,
                             uncosted_lines, recency, frequency, monetary, segment, abc_revenue, abc_margin,
                             discounts, interaction_cost, service_cost, collection_cost, late_payment_cost,
                             cost_to_serve, contribution, value_class)
        SELECT customer_contact, customer_company, %s, %s, n_orders, last_at, revenue, margin, uncosted, r, f, m,
               {segment_case},
               {_abc_case("revenue", "revenue_ahead", "revenue_total")},
               {_abc_case("margin", "margin_ahead", "margin_total")},
               discounts, interaction_cost, service_cost, collection_cost, late_payment_cost,
               cost_to_serve, contribution,
               {value_case}
        FROM (
            SELECT c.*,
                   1 + (5 * (RANK() OVER (ORDER BY last_at) - 1)) / COUNT(*) OVER () AS r,
                   1 + (5 * (RANK() OVER (ORDER BY n_orders) - 1)) / COUNT(*) OVER () AS f,
                   1 + (5 * (RANK() OVER (ORDER BY revenue) - 1)) / COUNT(*) OVER () AS m,
                   SUM(CASE WHEN revenue > 0 THEN revenue ELSE 0 END)
                       OVER (ORDER BY revenue DESC, {order_key} {ahead}) AS revenue_ahead,
                   SUM(CASE WHEN revenue > 0 THEN revenue ELSE 0 END) OVER () AS revenue_total,
                   SUM(CASE WHEN margin > 0 THEN margin ELSE 0 END)
                       OVER (ORDER BY margin DESC, {order_key} {ahead}) AS margin_ahead,
                   SUM(CASE WHEN margin > 0 THEN margin ELSE 0 END) OVER () AS margin_total,
                   SUM(CASE WHEN contribution > 0 THEN contribution ELSE 0 END)
                       OVER (ORDER BY contribution DESC, {order_key} {ahead}) AS contribution_ahead,
                   SUM(CASE WHEN contribution > 0 THEN contribution ELSE 0 END) OVER () AS contribution_total
            FROM (
                SELECT costed.*, margin - cost_to_serve AS contribution FROM (
                    SELECT agg.*, agg.revenue - agg.cost AS margin,
                           COALESCE(interaction_cost.total, 0) AS interaction_cost,
                           COALESCE(service_cost.total, 0) AS service_cost,
                           COALESCE(collection_cost.total, 0) AS collection_cost,
                           COALESCE(paid_late.total, 0) + COALESCE(still_owed.total, 0) AS late_payment_cost,
                           {" + ".join(charged)} AS cost_to_serve
                    FROM ({inner}) agg
                    {" ".join(joins)}
                ) costed
            ) c
        ) scored
    """  # noqa: S608 - the table and columns come from the models; every value is a bound parameter
    params = [
        connection.ops.adapt_datefield_value(as_of),
        connection.ops.adapt_datetimefield_value(computed_at),
        *segment_params,
        *value_params,
        *inner_params,
        *join_params,
    ]
    return sql, params


def classify(
    *, as_of: datetime.date | None = None, progress: Progress | None = None, actor: Any = None
) -> ClassificationResult:
    """Classify every customer with an order in the twelve months up to ``as_of`` (default today)
    and replace the previous classification with it, in one transaction; emits
    ``analytics.classification.computed``. Then the lifetime values (``lifetime.estimate``), in a
    transaction of their own. ``progress(done, total)`` is called after each step of both."""
    from accord.analytics.services import lifetime

    as_of = as_of or timezone.localdate()
    started = time.monotonic()
    report = progress or (lambda done, total: None)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two runs at once (the nightly task and `accord classify`) would each insert every
            # customer: the second waits for the first instead.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(b"analytics.classify")])
                # The grouping and the window sorts of a million customers fit in memory rather
                # than spilling to disk; for this transaction only.
                cursor.execute("SET LOCAL work_mem = '256MB'")
        CustomerClass.objects.all().delete()
        report(1, TOTAL_STEPS)
        sql, params = _insert_sql(as_of, timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        report(2, TOTAL_STEPS)
        counts = CustomerClass.objects.aggregate(
            contacts=Count("pk", filter=Q(contact__isnull=False)),
            companies=Count("pk", filter=Q(company__isnull=False)),
        )
        report(3, TOTAL_STEPS)
        events.emit(
            ClassificationComputed(as_of=as_of, contacts=counts["contacts"], companies=counts["companies"]),
            actor=actor,
        )
        report(4, TOTAL_STEPS)
    values = lifetime.estimate(as_of=as_of, progress=lambda done, total: report(STEPS + done, TOTAL_STEPS), actor=actor)
    return ClassificationResult(
        as_of=as_of,
        contacts=counts["contacts"],
        companies=counts["companies"],
        seconds=time.monotonic() - started,
        lifetime_result=values,
    )
