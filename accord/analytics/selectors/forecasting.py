"""The revenue forecast: monthly revenue so far, an exponential-smoothing (ETS) forecast of the
next months with 80 % and 95 % prediction intervals, the pipeline's weighted forecast beside it,
and a backtest that says how far to trust the model.

Revenue is the net of the issued invoices the user may see (credit and debit notes by their
difference), in the base currency at each invoice's own exchange rate: the billing report's
revenue, month by month. History runs from the first month with revenue to the last complete
month (the current month is the forecast's first); at most ten years are used.

Which model (the rule, from the number of months of history n):

* n < 12: no forecast. A year is the least from which a level and a trend can be told from noise.
* 12 <= n < 24: ETS(A,Ad,N): additive errors, additive damped trend, no seasonality. One year
  shows each calendar month once, which cannot tell a season from noise.
* n >= 24: ETS(A,Ad,A) with a 12-month season: two full years show each month twice.

The trend is always damped: an undamped trend extrapolated a year ahead overshoots more often
than not on short business series. Intervals are the model's analytic prediction intervals; a lower
bound below zero is shown as zero (revenue is not negative).

Backtest (rolling origin): for each of the last k months (k = min(12, n - 12), at least 3), the
model is fitted, by the same rule, on the months before it and forecasts that month; so does the
seasonal-naive baseline (the same month a year earlier). MAE is the mean absolute error; MAPE the
mean absolute error as a share of the actual, over the months with revenue.

statsmodels is imported inside the functions that fit, so a web process that never draws a
forecast does not load it.
"""

from __future__ import annotations

import datetime
import decimal
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accord.billing.models import InvoiceKind
from accord.billing.models.invoices import CORRECTIONS
from accord.billing.selectors import profitability
from accord.billing.selectors.invoices import visible_invoices
from accord.core import money
from accord.sales.selectors import forecast as pipeline

D = decimal.Decimal
MIN_MONTHS = 12  # fewer: no forecast
SEASONAL_MONTHS = 24  # this many or more: a 12-month season
SEASON = 12
MAX_HISTORY = 120
HORIZONS = range(6, 13)
DEFAULT_HORIZON = 12
BACKTEST_MONTHS = 12
MIN_BACKTEST = 3
MONEY = DecimalField(max_digits=20, decimal_places=4)
ZERO = D("0.00")


@dataclass(frozen=True)
class Params:
    horizon: int = DEFAULT_HORIZON

    def as_params(self) -> dict[str, str]:
        return {"horizon": str(self.horizon)}


def parse(params: Mapping[str, Any]) -> Params:
    """``horizon``: how many months to forecast, 6 to 12 (12 by default)."""
    raw = str(params.get("horizon") or "").strip()
    if not raw:
        return Params()
    try:
        horizon = int(raw)
    except ValueError:
        horizon = 0
    if horizon not in HORIZONS:
        raise ValidationError(
            {"horizon": [_("Choose a number of months from %(low)s to %(high)s.") % {"low": 6, "high": 12}]}
        )
    return Params(horizon=horizon)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_label(month: datetime.date) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


# --- history ------------------------------------------------------------------------------------------


def monthly_revenue(user: Any, *, before: datetime.date) -> list[tuple[datetime.date, D]]:
    """Net revenue per month in the base currency, from the first month with revenue to the month
    before ``before`` (the first of a month), months without revenue as zero; the last ten years."""
    start = _add_months(before, -MAX_HISTORY)
    rate = Coalesce(F("exchange_rate"), Value(D(1)), output_field=MONEY)
    sums = (
        visible_invoices(user)
        .filter(
            kind__in=[InvoiceKind.VAT, *CORRECTIONS],
            status__in=profitability.COUNTED,
            issue_date__gte=start,
            issue_date__lt=before,
        )
        .values("issue_date")
        .annotate(total=Sum(ExpressionWrapper(F("net_total") * rate, output_field=MONEY)))
        .order_by()
    )
    # Per day in SQL, per month here: SQLite truncates dates with a Python function per row.
    by_month: dict[datetime.date, D] = {}
    for row in sums:
        issued = row["issue_date"]
        if issued is None:  # never, the range above has a date; the column is nullable
            continue
        month = issued.replace(day=1)
        by_month[month] = by_month.get(month, D(0)) + D(str(row["total"] or 0))
    if not by_month:
        return []
    month, series = min(by_month), []
    while month < before:
        series.append((month, money.quantize(by_month.get(month, D(0)))))
        month = _add_months(month, 1)
    return series


# --- the model ------------------------------------------------------------------------------------------


def method_for(months: int) -> str | None:
    """The ETS form for ``months`` of history (see the module's rule), None: too few."""
    if months < MIN_MONTHS:
        return None
    return "ETS(A,Ad,A)" if months >= SEASONAL_MONTHS else "ETS(A,Ad,N)"


def _fit(values: Sequence[D]) -> Any:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    seasonal = len(values) >= SEASONAL_MONTHS
    model = ETSModel(
        pd.Series([float(v) for v in values], index=pd.RangeIndex(len(values))),
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add" if seasonal else None,
        seasonal_periods=SEASON if seasonal else None,
        # The initial level, trend and season from the first years (Hyndman's heuristic) rather
        # than estimated with the smoothing weights: a fit in milliseconds, not a second, so the
        # backtest's dozen fits fit in a page load.
        initialization_method="heuristic",
    )
    with warnings.catch_warnings():
        # Optimiser chatter (convergence, bounds) on short series: the fit is still the best found.
        warnings.simplefilter("ignore")
        return model.fit(disp=False)


def _predict(fitted: Any, start: int, horizon: int) -> dict[str, list[float]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prediction = fitted.get_prediction(start=start, end=start + horizon - 1)
        p80 = prediction.summary_frame(alpha=0.2)
        p95 = prediction.summary_frame(alpha=0.05)
    return {
        "mean": list(p80["mean"]),
        "lo80": list(p80["pi_lower"]),
        "hi80": list(p80["pi_upper"]),
        "lo95": list(p95["pi_lower"]),
        "hi95": list(p95["pi_upper"]),
    }


def _amount(value: float) -> D:
    if not math.isfinite(value):
        return D(0)
    return money.quantize(D(repr(value)))


@dataclass
class Point:
    """A month ahead: the model's forecast and bounds (None: too little history) and the pipeline."""

    month: datetime.date
    label: str
    mean: D | None
    lo80: D | None
    hi80: D | None
    lo95: D | None
    hi95: D | None
    pipeline_amount: D = ZERO
    pipeline_weighted: D = ZERO
    pipeline_deals: int = 0


@dataclass
class BacktestRow:
    month: datetime.date
    label: str
    actual: D
    model: D
    naive: D


@dataclass
class Backtest:
    rows: list[BacktestRow]

    @staticmethod
    def _mae(errors: list[D]) -> D:
        return money.quantize(sum(errors, D(0)) / len(errors))

    @staticmethod
    def _mape(pairs: list[tuple[D, D]]) -> D | None:
        shares = [abs(error) / abs(actual) for error, actual in pairs if actual]
        if not shares:
            return None
        return (sum(shares, D(0)) * 100 / len(shares)).quantize(D("0.1"), decimal.ROUND_HALF_UP)

    @property
    def mae_model(self) -> D:
        return self._mae([abs(r.model - r.actual) for r in self.rows])

    @property
    def mae_naive(self) -> D:
        return self._mae([abs(r.naive - r.actual) for r in self.rows])

    @property
    def mape_model(self) -> D | None:
        return self._mape([(r.model - r.actual, r.actual) for r in self.rows])

    @property
    def mape_naive(self) -> D | None:
        return self._mape([(r.naive - r.actual, r.actual) for r in self.rows])

    @property
    def beats_naive(self) -> bool:
        return self.mae_model < self.mae_naive


def backtest(values: Sequence[D], months: Sequence[datetime.date]) -> Backtest | None:
    """One-month-ahead forecasts of each of the last k months from the months before it, by the
    model and by the seasonal-naive baseline (None: too little history for k >= 3)."""
    k = min(BACKTEST_MONTHS, len(values) - MIN_MONTHS)
    if k < MIN_BACKTEST:
        return None
    rows = []
    for origin in range(len(values) - k, len(values)):
        fitted = _fit(values[:origin])
        predicted = _predict(fitted, origin, 1)["mean"][0]
        rows.append(
            BacktestRow(
                month=months[origin],
                label=month_label(months[origin]),
                actual=values[origin],
                model=_amount(predicted),
                naive=values[origin - SEASON],
            )
        )
    return Backtest(rows)


@dataclass
class RevenueForecast:
    params: Params
    currency: str
    history: list[tuple[datetime.date, D]]
    method: str | None  # None: too little history, no forecast
    points: list[Point] = field(default_factory=list)  # every month ahead, with the pipeline
    backtest: Backtest | None = None
    pipeline_total: D = ZERO
    missing_rates: list[str] = field(default_factory=list)

    @property
    def enough(self) -> bool:
        return self.method is not None

    @property
    def history_rows(self) -> list[tuple[datetime.date, str, D]]:
        return [(month, month_label(month), value) for month, value in self.history]


def _pipeline(user: Any, first: datetime.date, horizon: int) -> pipeline.Forecast:
    last = _add_months(first, horizon) - datetime.timedelta(days=1)
    return pipeline.forecast(user, pipeline.SalesFilter(start=first, end=last, period="custom"), "month")


def revenue_forecast(user: Any, params: Params, *, today: datetime.date | None = None) -> RevenueForecast:
    """History, the model's forecast for ``params.horizon`` months from the current one with its
    intervals, the pipeline's weighted forecast for the same months, and the backtest."""
    today = today or timezone.localdate()
    current = today.replace(day=1)
    history = monthly_revenue(user, before=current)
    method = method_for(len(history))
    sales = _pipeline(user, current, params.horizon)
    result = RevenueForecast(
        params=params,
        currency=money.base_currency(),
        history=history,
        method=method,
        pipeline_total=sales.total.weighted,
        missing_rates=sales.missing_rates,
    )
    weighted = {row.key: row for row in sales.rows}
    predicted: dict[str, list[float]] = {}
    values = [value for _month, value in history]
    if method is not None:
        predicted = _predict(_fit(values), len(values), params.horizon)

    def bound(name: str, i: int) -> D | None:
        return max(_amount(predicted[name][i]), ZERO) if predicted else None

    for i in range(params.horizon):
        month = _add_months(current, i)
        sold = weighted.get(month.isoformat())
        result.points.append(
            Point(
                month=month,
                label=month_label(month),
                mean=bound("mean", i),
                lo80=bound("lo80", i),
                hi80=bound("hi80", i),
                lo95=bound("lo95", i),
                hi95=bound("hi95", i),
                pipeline_amount=sold.amount if sold else ZERO,
                pipeline_weighted=sold.weighted if sold else ZERO,
                pipeline_deals=sold.deals if sold else 0,
            )
        )
    if method is None:
        return result
    result.backtest = backtest(values, [month for month, _value in history])
    return result
