"""Customer lifetime value and churn risk: the BG/NBD and Gamma-Gamma models fitted to every
customer's purchase history, each customer scored with them.

Which orders count, and who the customer is, as for the classification (``classification``):
confirmed and fulfilled orders in the base currency, the order's company when it names one, else
its contact; but the whole history up to and including ``as_of``, not twelve months: the models
need to see how long customers stay.

The summary (the CDNOW convention of the papers): the purchases of one customer on one day (in the
server's time zone) are one transaction; x is the number of days with a purchase after the first,
t_x the weeks from the first to the last, T the weeks from the first to ``as_of``. The value of a
transaction is the net of its orders' lines; a customer's mean order value is that of its repeat
transactions (the first is left out, as in the Gamma-Gamma paper).

The figures, over the next twelve months:
- P(alive) and the expected number of purchases, from the BG/NBD (a customer without a repeat
  purchase is alive with probability 1 in the BG/NBD: dropout happens only after a purchase; its
  expected purchases are what set it apart);
- the expected order value, from the Gamma-Gamma;
- CLV = the purchases expected in each month, discounted at ``DISCOUNT_RATE`` a year, times the
  expected order value, times the customer's margin ratio (margin over revenue of its counted
  orders, the cost as the classification counts it, lines without a known cost at their revenue).
  A customer none of whose lines has a known cost gets its revenue (ratio 1): a margin made up
  would be worse than revenue said plainly. CLV is a margin where one is known, and may be
  negative for a customer sold to at a loss.
- churn risk: high when P(alive) < ``HIGH_BELOW``, medium below ``LOW_FROM``, low otherwise.

Too few customers (``MIN_CUSTOMERS``) or repeat buyers (``MIN_REPEAT_CUSTOMERS``) to fit, or a
BG/NBD likelihood that does not converge: the run records why in its ``LifetimeFit`` and leaves
no customer figures (old ones would describe a fit that no longer holds). Without a Gamma-Gamma
fit (too few repeat buyers with a positive mean value, or one that does not converge, as when
every customer pays the same at every purchase, a subscription's price) the expected order value
is the customer's own mean repeat value, or for a customer without one the mean value of all
repeat purchases: what the Gamma-Gamma would shrink towards anyway.

The summary is read as numpy arrays (no model instances), the rows are written with COPY on
PostgreSQL and batched executemany on SQLite, all in one transaction with removing the previous
figures: readers see the old ones until the new are committed whole.
"""

from __future__ import annotations

import datetime
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Case, Count, DecimalField, F, Q, Sum, UUIDField, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accord.analytics.events import LifetimeComputed
from accord.analytics.models import ChurnRisk, CustomerLifetime, FitOutcome, LifetimeFit
from accord.analytics.models.lifetime import HIGH_BELOW, LOW_FROM
from accord.analytics.services import lifetime_fit
from accord.billing.models import Order
from accord.billing.models.orders import OrderStatus
from accord.core import bulk, events, money
from accord.sales.models import Product

Progress = Callable[[int, int], None]
Array = lifetime_fit.Array
STEPS = 4
COUNTED = (OrderStatus.CONFIRMED, OrderStatus.FULFILLED)
MONEY = DecimalField(max_digits=20, decimal_places=4)
ZERO = Value(0, output_field=MONEY)
# Below these the maximum-likelihood estimates are mostly noise.
MIN_CUSTOMERS = 30
MIN_REPEAT_CUSTOMERS = 10
DISCOUNT_RATE = 0.10  # a year, for CLV: a common cost of capital for a small business
WEEKS_A_MONTH = 365.25 / 12 / 7
MONTHS = 12
BATCH = 50_000
# numeric(16, 2) holds less than 1e14.
LARGEST_AMOUNT = 9.9e13


@dataclass(frozen=True)
class Summary:
    """One entry per customer: its id (text), whether it is a company, x, t_x, T (weeks), the
    mean repeat transaction value (nan without one) and the margin ratio (nan: no known cost)."""

    ids: Any  # numpy array of str
    is_company: Any  # numpy array of bool
    x: Array
    t_x: Array
    t: Array
    mean_value: Array
    margin_ratio: Array

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class Scores:
    p_alive: Array
    expected_purchases: Array  # undiscounted, twelve months
    expected_value: Array
    clv: Array
    churn_risk: Any  # numpy array of str


@dataclass(frozen=True)
class LifetimeResult:
    as_of: datetime.date
    outcome: str
    customers: int
    repeat_customers: int
    fit: LifetimeFit
    seconds: float


def _orders_by_day(as_of: datetime.date) -> Any:
    """One row per customer and day with a counted purchase: its revenue, cost and costed lines."""
    base = money.base_currency()
    tz = timezone.get_current_timezone()
    end = datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    cost_currencies = set(
        Product.objects.exclude(cost_currency="").values_list("cost_currency", flat=True).distinct().order_by()
    )
    rates = money.rates(cost_currencies, on=as_of)
    factor = Case(
        When(lines__product__cost_currency="", then=Value(1)),
        *(When(lines__product__cost_currency=code, then=Value(rate)) for code, rate in sorted(rates.items())),
        default=Value(None),
        output_field=MONEY,
    )
    known = Q(lines__product__cost_currency="") | Q(lines__product__cost_currency__in=list(rates))
    line_cost = F("lines__quantity") * F("lines__product__unit_cost") * factor
    return (
        Order.objects.filter(status__in=COUNTED, currency=base, created_at__lt=end)
        .filter(Q(company__isnull=False) | Q(contact__isnull=False))
        .annotate(
            customer_company=F("company_id"),
            customer_contact=Case(
                When(company__isnull=True, then=F("contact_id")), default=Value(None), output_field=UUIDField()
            ),
            day=TruncDate("created_at", tzinfo=tz),
        )
        .values("customer_company", "customer_contact", "day")
        .annotate(
            revenue=Coalesce(Sum("lines__net"), ZERO, output_field=MONEY),
            cost=Coalesce(Sum(line_cost, output_field=MONEY), ZERO, output_field=MONEY),
            costed=Count("lines", filter=Q(lines__product__unit_cost__isnull=False) & known),
        )
        .order_by()
    )


def _day_number(column: str) -> str:
    """SQL for a date column as days since 1970-01-01."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) - 2440587.5 AS INTEGER)"


def _summary_sql(as_of: datetime.date) -> tuple[str, list[Any]]:
    inner, params = _orders_by_day(as_of).query.sql_with_params()
    customer = "customer_company, customer_contact"
    sql = f"""
        SELECT CAST(COALESCE(customer_company, customer_contact) AS text), customer_company IS NOT NULL,
               COUNT(*) - 1, MIN(dn), MAX(dn),
               CAST(SUM(revenue) AS double precision),
               CAST(SUM(CASE WHEN dn > first_dn THEN revenue ELSE 0 END) AS double precision),
               CAST(SUM(cost) AS double precision), SUM(costed)
        FROM (
            SELECT d.*, MIN(dn) OVER (PARTITION BY {customer}) AS first_dn
            FROM (SELECT days.*, {_day_number("days.day")} AS dn FROM ({inner}) days) d
        ) g
        GROUP BY {customer}
    """  # noqa: S608 - the columns are ours; every value is a bound parameter
    return sql, list(params)


def summary(as_of: datetime.date) -> Summary:
    """Every customer's purchase summary up to and including ``as_of``, read in one query."""
    sql, params = _summary_sql(as_of)
    ids: list[Any] = []
    parts: list[Array] = []
    is_company: list[Any] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(BATCH):
            columns = list(zip(*rows, strict=True))
            ids.extend(columns[0])
            is_company.append(np.array(columns[1], dtype=bool))
            parts.append(np.array(columns[2:], dtype=np.float64).T)
    table = np.vstack(parts) if parts else np.empty((0, 7))
    x, first, last, revenue, repeat_revenue, cost, costed = table.T
    as_of_day = (as_of - datetime.date(1970, 1, 1)).days
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_value = np.where(x > 0, repeat_revenue / np.maximum(x, 1), np.nan)
        ratio = np.where((costed > 0) & (revenue > 0), (revenue - cost) / revenue, np.nan)
    return Summary(
        ids=np.array(ids, dtype=object),
        is_company=np.concatenate(is_company) if is_company else np.empty(0, dtype=bool),
        x=x,
        t_x=(last - first) / 7.0,
        t=(as_of_day - first) / 7.0,
        mean_value=mean_value,
        margin_ratio=ratio,
    )


def churn_risk(p_alive: Array) -> Any:
    """The band of each P(alive)."""
    return np.where(
        p_alive < HIGH_BELOW,
        ChurnRisk.HIGH.value,
        np.where(p_alive < LOW_FROM, ChurnRisk.MEDIUM.value, ChurnRisk.LOW.value),
    )


def score(data: Summary, bgnbd: lifetime_fit.BgNbd, gamma_gamma: lifetime_fit.GammaGamma | None) -> Scores:
    """Each customer's P(alive), purchases, order value and CLV over the next twelve months."""
    horizons = [WEEKS_A_MONTH * month for month in range(1, MONTHS + 1)]
    alive, cumulative = lifetime_fit.expected_purchases(bgnbd, data.x, data.t_x, data.t, horizons)
    monthly = np.diff(cumulative, axis=1, prepend=0.0)
    discount = (1.0 + DISCOUNT_RATE) ** (-np.arange(1, MONTHS + 1) / MONTHS)
    discounted = monthly @ discount
    mean = np.nan_to_num(np.maximum(data.mean_value, 0.0))
    if gamma_gamma is not None:
        value = gamma_gamma.expected_value(data.x, mean)
    else:
        overall = float((data.x * mean).sum() / max(float(data.x.sum()), 1.0))
        value = np.where(data.x > 0, mean, overall)
    clv = discounted * value * np.where(np.isnan(data.margin_ratio), 1.0, data.margin_ratio)
    return Scores(alive, cumulative[:, -1], value, clv, churn_risk(alive))


def _amounts(values: Array | None, start: int, end: int) -> list[Any]:
    if values is None:
        return [None] * (end - start)
    chunk = np.clip(np.round(values[start:end], 2), -LARGEST_AMOUNT, LARGEST_AMOUNT).astype(object)
    chunk[np.isnan(values[start:end])] = None
    return list(chunk)


def _rows(data: Summary, scores: Scores, as_of: datetime.date, start: int, end: int) -> Iterator[tuple[Any, ...]]:
    ids = data.ids[start:end]
    company = data.is_company[start:end]
    ratio = data.margin_ratio[start:end].astype(object)
    ratio[np.isnan(data.margin_ratio[start:end])] = None
    contacts: list[Any] = np.asarray(np.where(company, None, ids)).tolist()
    companies: list[Any] = np.asarray(np.where(company, ids, None)).tolist()
    return zip(
        contacts,
        companies,
        [as_of] * (end - start),
        data.x[start:end].astype(np.int64).tolist(),
        data.t_x[start:end].tolist(),
        data.t[start:end].tolist(),
        _amounts(data.mean_value, start, end),
        list(ratio),
        scores.p_alive[start:end].tolist(),
        scores.expected_purchases[start:end].tolist(),
        _amounts(scores.expected_value, start, end),
        _amounts(scores.clv, start, end),
        scores.churn_risk[start:end].tolist(),
        strict=True,
    )


COLUMNS = (
    "contact",
    "company",
    "as_of",
    "frequency",
    "recency",
    "age",
    "mean_order_value",
    "margin_ratio",
    "p_alive",
    "expected_purchases",
    "expected_order_value",
    "clv",
    "churn_risk",
)


def _text(values: Array, places: int | None = None) -> list[str]:
    """COPY's text for a column of numbers: ``\\N`` for nan, else the shortest exact form or
    ``places`` decimals."""
    shown = [repr(v) if places is None else f"{v:.{places}f}" for v in values.tolist()]
    for i in np.flatnonzero(np.isnan(values)).tolist():
        shown[i] = "\\N"
    return shown


def _copy_text(data: Summary, scores: Scores, as_of: datetime.date, start: int, end: int) -> str:
    """One batch of rows as COPY's text format, built column by column (a million rows through
    a generic per-value adapter took half a minute)."""
    ids = data.ids[start:end].tolist()
    company = data.is_company[start:end].tolist()
    null = "\\N"
    amounts = [
        _text(np.clip(values[start:end], -LARGEST_AMOUNT, LARGEST_AMOUNT), 2)
        for values in (data.mean_value, scores.expected_value, scores.clv)
    ]
    columns = [
        [null if is_company else pk for pk, is_company in zip(ids, company, strict=True)],
        [pk if is_company else null for pk, is_company in zip(ids, company, strict=True)],
        [as_of.isoformat()] * (end - start),
        [str(int(v)) for v in data.x[start:end].tolist()],
        _text(data.t_x[start:end]),
        _text(data.t[start:end]),
        amounts[0],
        _text(data.margin_ratio[start:end]),
        _text(scores.p_alive[start:end]),
        _text(scores.expected_purchases[start:end]),
        amounts[1],
        amounts[2],
        scores.churn_risk[start:end].tolist(),
    ]
    return "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def write(data: Summary, scores: Scores | None, as_of: datetime.date) -> int:
    """Replace every customer's figures with these (none when ``scores`` is None), in the current
    transaction; batches of ``BATCH`` rows, each one COPY (PostgreSQL) or one executemany."""
    CustomerLifetime.objects.all().delete()
    if scores is None:
        return 0
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        by_name = {field.name: field for field in CustomerLifetime._meta.concrete_fields}
        fields = ", ".join(quote(str(by_name[name].column)) for name in COLUMNS)
        table = quote(CustomerLifetime._meta.db_table)
        with (
            connection.cursor() as cursor,
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({fields}) FROM STDIN") as copy,
        ):
            for start in range(0, len(data), BATCH):
                copy.write(_copy_text(data, scores, as_of, start, min(start + BATCH, len(data))))
        return len(data)
    written = 0
    for start in range(0, len(data), BATCH):
        end = min(start + BATCH, len(data))
        written += bulk.insert_values(CustomerLifetime, COLUMNS, _rows(data, scores, as_of, start, end))
    return written


def fit(data: Summary) -> tuple[str, lifetime_fit.BgNbd | None, lifetime_fit.GammaGamma | None]:
    """The outcome and the fits over ``data`` (None where there is none)."""
    repeat = data.x > 0
    if len(data) < MIN_CUSTOMERS or int(repeat.sum()) < MIN_REPEAT_CUSTOMERS:
        return FitOutcome.NOT_ENOUGH_HISTORY, None, None
    bgnbd = lifetime_fit.fit_bgnbd(data.x, data.t_x, data.t)
    if not bgnbd.converged:
        return FitOutcome.NOT_CONVERGED, bgnbd, None
    valued = repeat & (np.nan_to_num(data.mean_value) > 0)
    gamma_gamma = None
    if int(valued.sum()) >= MIN_REPEAT_CUSTOMERS:
        gamma_gamma = lifetime_fit.fit_gamma_gamma(data.x[valued], data.mean_value[valued])
    return FitOutcome.FITTED, bgnbd, gamma_gamma


def _fit_row(
    as_of: datetime.date,
    data: Summary,
    outcome: str,
    bgnbd: lifetime_fit.BgNbd | None,
    gamma_gamma: lifetime_fit.GammaGamma | None,
    seconds: float,
) -> LifetimeFit:
    row = LifetimeFit(
        as_of=as_of,
        fitted_at=timezone.now(),
        outcome=outcome,
        customers=len(data),
        repeat_customers=int((data.x > 0).sum()),
        seconds=seconds,
    )
    if bgnbd is not None:
        row.r, row.alpha, row.a, row.b = bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b
        row.bgnbd_log_likelihood, row.bgnbd_converged = bgnbd.log_likelihood, bgnbd.converged
    if gamma_gamma is not None:
        row.p, row.q, row.gamma = gamma_gamma.p, gamma_gamma.q, gamma_gamma.gamma
        row.gamma_gamma_log_likelihood = gamma_gamma.log_likelihood
        row.gamma_gamma_converged = gamma_gamma.converged
    return row


def estimate(
    *, as_of: datetime.date | None = None, progress: Progress | None = None, actor: Any = None
) -> LifetimeResult:
    """Fit the models to every customer's history up to ``as_of`` (default today), score every
    customer and replace the previous figures, in one transaction; records the fit and emits
    ``analytics.lifetime.computed``. ``progress(done, total)`` is called after each step."""
    as_of = as_of or timezone.localdate()
    started = time.monotonic()
    report = progress or (lambda done, total: None)
    data = summary(as_of)
    report(1, STEPS)
    outcome, bgnbd, gamma_gamma = fit(data)
    report(2, STEPS)
    usable_gamma_gamma = gamma_gamma if gamma_gamma is not None and gamma_gamma.converged else None
    scores = score(data, bgnbd, usable_gamma_gamma) if outcome == FitOutcome.FITTED and bgnbd else None
    report(3, STEPS)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The nightly task and `accord classify` at once: the second waits for the first.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [zlib.crc32(b"analytics.lifetime")])
        write(data, scores, as_of)
        row = _fit_row(as_of, data, outcome, bgnbd, gamma_gamma, time.monotonic() - started)
        row.save()
        events.emit(
            LifetimeComputed(
                as_of=as_of,
                outcome=str(outcome),
                customers=row.customers,
                repeat_customers=row.repeat_customers,
            ),
            actor=actor,
        )
        report(4, STEPS)
    return LifetimeResult(as_of, str(outcome), row.customers, row.repeat_customers, row, row.seconds)
