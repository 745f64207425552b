"""The sales forecast and the team's effectiveness, computed by SQL aggregates over the deals the
user may see (the access policy scopes every figure).

- Forecast: open deals by month of expected close, by owner or by team; the amount and the weighted
  amount (amount x the probability of the deal's stage), converted to the base currency.
- Effectiveness for a period and a pipeline: conversion from stage to stage (from the stage
  history), win rate, average sales cycle (created -> won) and why deals were lost.

Sums are grouped by currency in SQL and converted in Python: a few rows per group, however many
deals. A currency without an exchange rate is left out of the totals and named in
``missing_rates``, never counted 1:1.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core import money
from accord.identity.models import Team, User
from accord.sales.models import Deal, DealStageChange, DealStatus, LostReason, Pipeline, Stage, StageKind
from accord.sales.selectors.deals import visible_deals

D = decimal.Decimal
ZERO = D("0.00")
HUNDRED = D(100)
GROUPS = ("month", "owner", "team")
WON_RANK = 32767  # a won deal has passed every open stage, whatever their positions

PERIODS: dict[str, Any] = {
    "this_month": gettext_lazy("This month"),
    "this_quarter": gettext_lazy("This quarter"),
    "next_quarter": gettext_lazy("Next quarter"),
    "last_quarter": gettext_lazy("Last quarter"),
    "this_year": gettext_lazy("This year"),
    "last_year": gettext_lazy("Last year"),
    "next_12_months": gettext_lazy("Next 12 months"),
    "last_12_months": gettext_lazy("Last 12 months"),
}
DEFAULT_PERIOD = "this_quarter"
MAX_DAYS = 3 * 366 + 1  # a custom period of at most three years keeps the month chart readable


# --- filters ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SalesFilter:
    """What the dashboard, the forecast and their API look at."""

    start: datetime.date
    end: datetime.date  # inclusive
    period: str = DEFAULT_PERIOD  # a key of PERIODS, or "custom"
    pipeline: Pipeline | None = None
    owner: User | None = None
    team: Team | None = None

    def as_params(self) -> dict[str, str]:
        params = {"period": self.period}
        if self.period == "custom":
            params.update(start=self.start.isoformat(), end=self.end.isoformat())
        for name in ("pipeline", "owner", "team"):
            value = getattr(self, name)
            if value is not None:
                params[name] = str(value.pk)
        return params


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def period_dates(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    month = today.replace(day=1)
    quarter = _add_months(month, -((today.month - 1) % 3))
    starts_ends = {
        "this_month": (month, _add_months(month, 1)),
        "this_quarter": (quarter, _add_months(quarter, 3)),
        "next_quarter": (_add_months(quarter, 3), _add_months(quarter, 6)),
        "last_quarter": (_add_months(quarter, -3), quarter),
        "this_year": (datetime.date(today.year, 1, 1), datetime.date(today.year + 1, 1, 1)),
        "last_year": (datetime.date(today.year - 1, 1, 1), datetime.date(today.year, 1, 1)),
        "next_12_months": (month, _add_months(month, 12)),
        "last_12_months": (_add_months(month, -11), _add_months(month, 1)),
    }
    start, after = starts_ends[period]
    return start, after - datetime.timedelta(days=1)


def _uuid_of(params: Mapping[str, Any], name: str, model: Any, errors: dict[str, list[str]], **extra: Any) -> Any:
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    try:
        pk = uuid.UUID(raw)
    except ValueError:
        errors[name] = [_("Not a valid id.")]
        return None
    found = model.objects.filter(pk=pk, **extra).first()
    if found is None:
        errors[name] = [_("No such %(model)s.") % {"model": model._meta.verbose_name}]
    return found


def _date_of(params: Mapping[str, Any], name: str, errors: dict[str, list[str]]) -> datetime.date | None:
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def parse_filter(params: Mapping[str, Any], *, today: datetime.date | None = None) -> SalesFilter:
    """Read ``period`` (or ``start`` and ``end``), ``pipeline``, ``owner`` and ``team`` from query
    parameters; raises ValidationError naming each bad one."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    period = str(params.get("period") or "").strip()
    start = _date_of(params, "start", errors)
    end = _date_of(params, "end", errors)
    if period and period != "custom" and period not in PERIODS:
        errors["period"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join([*PERIODS, "custom"])}]
    if not period:
        period = "custom" if (start or end) else DEFAULT_PERIOD
    if period == "custom" and not errors:
        if start is None:
            errors["start"] = [_("Give the first day of the period.")]
        if end is None:
            errors["end"] = [_("Give the last day of the period.")]
        if start and end and end < start:
            errors["end"] = [_("The period cannot end before it starts.")]
        elif start and end and (end - start).days > MAX_DAYS:
            errors["end"] = [_("The period can be at most three years long.")]
    pipeline = _uuid_of(params, "pipeline", Pipeline, errors)
    owner = _uuid_of(params, "owner", User, errors)
    team = _uuid_of(params, "team", Team, errors)
    if errors:
        raise ValidationError(errors)
    if period != "custom":
        start, end = period_dates(period, today)
    assert start is not None
    assert end is not None
    return SalesFilter(start=start, end=end, period=period, pipeline=pipeline, owner=owner, team=team)


def default_filter(*, today: datetime.date | None = None) -> SalesFilter:
    return parse_filter({}, today=today)


def _deals(user: Any, flt: SalesFilter) -> QuerySet[Deal]:
    qs = visible_deals(user)
    if flt.pipeline is not None:
        qs = qs.filter(pipeline=flt.pipeline)
    if flt.owner is not None:
        qs = qs.filter(owner=flt.owner)
    if flt.team is not None:
        qs = qs.filter(team=flt.team)
    return qs


def _closed_between(qs: QuerySet[Deal], flt: SalesFilter) -> QuerySet[Deal]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(flt.start, datetime.time.min, tzinfo=tz)
    after = datetime.datetime.combine(flt.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return qs.filter(closed_at__gte=start, closed_at__lt=after)


class _Converter:
    """Base-currency totals of per-currency sums; remembers the currencies it had no rate for."""

    def __init__(self, currencies: Iterable[str]) -> None:
        self.table = money.rates(set(currencies))
        self.missing: set[str] = set()

    def __call__(self, amount: Any, currency: str) -> decimal.Decimal:
        if amount is None:
            return ZERO
        try:
            return money.to_base(D(str(amount)), currency, self.table)
        except money.MissingRate:
            self.missing.add(currency)
            return ZERO


def _percent(part: int, whole: int) -> decimal.Decimal | None:
    if not whole:
        return None
    return (D(part) * HUNDRED / D(whole)).quantize(D("0.1"), rounding=decimal.ROUND_HALF_UP)


# --- forecast ---------------------------------------------------------------------------------------


@dataclass
class ForecastRow:
    key: str
    label: str
    deals: int = 0
    amount: decimal.Decimal = ZERO
    weighted: decimal.Decimal = ZERO


@dataclass
class Forecast:
    group: str
    currency: str
    filter: SalesFilter
    rows: list[ForecastRow]
    total: ForecastRow
    missing_rates: list[str] = field(default_factory=list)


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = _add_months(month, 1)
    return months


def _month_label(month: datetime.date) -> str:
    from django.utils import formats

    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def forecast(user: Any, flt: SalesFilter, group: str = "month") -> Forecast:
    """Open deals expected to close in the period: amount and weighted amount per month, owner or team."""
    if group not in GROUPS:
        raise ValidationError({"group": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(GROUPS)}]})
    # Grouped by stage too, without joining it: the weighting is (sum of amounts) x (the stage's
    # probability), done here on a few hundred rows. By month, rows are per day of expected close and
    # bucketed here: SQLite truncates dates with a Python function called per deal, far slower.
    by_day = group == "month" and (flt.end - flt.start).days <= 400
    key_expr: Any = {
        "month": F("expected_close") if by_day else TruncMonth("expected_close"),
        "owner": F("owner_id"),
        "team": F("team_id"),
    }[group]
    sums = (
        _deals(user, flt)
        .filter(status=DealStatus.OPEN, expected_close__gte=flt.start, expected_close__lte=flt.end)
        .annotate(key=key_expr)
        .values("key", "currency", "stage_id")
        .annotate(n=Count("id"), sum_amount=Sum("amount"))
        .order_by()
    )
    found = list(sums)
    probability = dict(Stage.objects.filter(pk__in={r["stage_id"] for r in found}).values_list("pk", "probability"))
    # Exact sums per (row, currency) first; each is converted and rounded once.
    raw: dict[tuple[Any, str], list[Any]] = {}
    for item in found:
        key = item["key"]
        if isinstance(key, datetime.datetime):
            key = key.date()
        if group == "month" and key is not None:
            key = key.replace(day=1)
        amount = D(str(item["sum_amount"] or 0))
        entry = raw.setdefault((key, item["currency"]), [0, D(0), D(0)])
        entry[0] += item["n"]
        entry[1] += amount
        entry[2] += amount * probability.get(item["stage_id"], 0) / HUNDRED
    convert = _Converter(currency for _key, currency in raw)
    rows: dict[Any, ForecastRow] = {}
    if group == "month":
        for month in _months(flt.start, flt.end):
            rows[month] = ForecastRow(key=month.isoformat(), label=_month_label(month))
    for (key, currency), (n, amount, weighted) in raw.items():
        row = rows.get(key)
        if row is None:
            row = rows[key] = ForecastRow(key=str(key) if key is not None else "", label="")
        row.deals += n
        row.amount += convert(amount, currency)
        row.weighted += convert(weighted, currency)
    if group != "month":
        _label_rows(group, rows)
    ordered = list(rows.values())
    if group != "month":
        ordered.sort(key=lambda r: (-r.weighted, r.label))
    total = ForecastRow(key="total", label=_("Total"))
    for row in ordered:
        total.deals += row.deals
        total.amount += row.amount
        total.weighted += row.weighted
    return Forecast(
        group=group,
        currency=money.base_currency(),
        filter=flt,
        rows=ordered,
        total=total,
        missing_rates=sorted(convert.missing),
    )


def _label_rows(group: str, rows: Mapping[Any, ForecastRow]) -> None:
    ids = [k for k in rows if k is not None]
    model: Any = User if group == "owner" else Team
    names = {obj.pk: str(obj) for obj in model.objects.filter(pk__in=ids)}
    for key, row in rows.items():
        row.label = names.get(key, "") if key is not None else (_("No owner") if group == "owner" else _("No team"))


# --- effectiveness ----------------------------------------------------------------------------------


@dataclass
class StageConversion:
    stage_id: str
    name: str
    kind: str
    reached: int
    to_next: decimal.Decimal | None  # % of the deals that reached this stage and reached the next
    to_won: decimal.Decimal | None  # % of them that were won


@dataclass
class LostReasonRow:
    reason_id: str
    name: str
    deals: int
    amount: decimal.Decimal
    share: decimal.Decimal | None


@dataclass
class Metrics:
    currency: str
    filter: SalesFilter
    pipeline: Pipeline | None
    won_deals: int
    won_amount: decimal.Decimal
    lost_deals: int
    lost_amount: decimal.Decimal
    win_rate: decimal.Decimal | None  # % of the deals closed in the period that were won
    average_cycle_days: decimal.Decimal | None  # created -> won, for deals won in the period
    conversion: list[StageConversion]
    lost_reasons: list[LostReasonRow]
    missing_rates: list[str] = field(default_factory=list)


def conversion(user: Any, flt: SalesFilter, pipeline: Pipeline) -> list[StageConversion]:
    """Of the deals created in the period that reached each stage (from their stage history), how
    many went on to the next stage and how many were won. A deal that skipped a stage counts as
    having passed it; lost stages are not steps."""
    stages = [s for s in Stage.objects.filter(pipeline=pipeline).order_by("position") if s.kind != StageKind.LOST]
    rank_expr = Case(
        When(to_stage__kind=StageKind.WON, then=Value(WON_RANK)),
        default=F("to_stage__position"),
        output_field=IntegerField(),
    )

    def rank(stage: Stage) -> int:
        return WON_RANK if stage.kind == StageKind.WON else stage.position

    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(flt.start, datetime.time.min, tzinfo=tz)
    after = datetime.datetime.combine(flt.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    cohort = _deals(user, flt).filter(pipeline=pipeline, created_at__gte=start, created_at__lt=after)
    # One pass over the cohort's stage history: the furthest stage each deal reached (one row per
    # deal, hashed), then per stage how many deals got at least that far. Counting distinct deals
    # per stage instead sorted the history once for every stage.
    furthest = (
        DealStageChange.objects.filter(deal__in=cohort.values("pk"), to_stage__pipeline=pipeline)
        .exclude(to_stage__kind=StageKind.LOST)
        .values("deal_id")
        .annotate(top=Max(rank_expr))
        .order_by()
    )
    counts = furthest.aggregate(
        **{f"s{i}": Count("deal_id", filter=Q(top__gte=rank(stage))) for i, stage in enumerate(stages)}
    )
    reached_by_stage = {stage.pk: counts[f"s{i}"] or 0 for i, stage in enumerate(stages)}

    def reached(stage: Stage) -> int:
        return reached_by_stage[stage.pk]

    won_stages = [s for s in stages if s.kind == StageKind.WON]
    won = reached(won_stages[0]) if won_stages else 0
    ordered = sorted(stages, key=rank)
    rows = []
    for i, stage in enumerate(ordered):
        here = reached(stage)
        following = reached(ordered[i + 1]) if i + 1 < len(ordered) else None
        rows.append(
            StageConversion(
                stage_id=str(stage.pk),
                name=_label(stage.name),
                kind=stage.kind,
                reached=here,
                to_next=_percent(following, here) if following is not None else None,
                to_won=_percent(won, here),
            )
        )
    return rows


def metrics(user: Any, flt: SalesFilter) -> Metrics:
    """Win rate, sales cycle and lost reasons of the deals closed in the period; stage conversion
    of those created in it (in the chosen pipeline, else the default one)."""
    pipeline = flt.pipeline or Pipeline.objects.filter(active=True).order_by("-is_default", "position", "name").first()
    closed = _closed_between(_deals(user, flt), flt)
    # One pass over the closed deals for the win rate and the lost reasons; sums are kept exact per
    # currency and converted once.
    # The won deals' cycles are summed in the same pass (their average is the sum over the count).
    cycle_expr = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    closed_rows = list(
        closed.filter(status__in=[DealStatus.WON, DealStatus.LOST])
        .values("status", "currency", "lost_reason_id")
        .annotate(n=Count("id"), sum_amount=Sum("amount"), cycle=Sum(cycle_expr))
        .order_by()
    )
    convert = _Converter([r["currency"] for r in closed_rows])
    counts: dict[str, int] = {DealStatus.WON: 0, DealStatus.LOST: 0}
    by_status: dict[tuple[str, str], decimal.Decimal] = defaultdict(decimal.Decimal)
    by_reason: dict[tuple[Any, str], list[Any]] = {}
    for row in closed_rows:
        amount = D(str(row["sum_amount"] or 0))
        counts[row["status"]] += row["n"]
        by_status[(row["status"], row["currency"])] += amount
        if row["status"] == DealStatus.LOST:
            bucket = by_reason.setdefault((row["lost_reason_id"], row["currency"]), [0, D(0)])
            bucket[0] += row["n"]
            bucket[1] += amount
    amounts: dict[str, decimal.Decimal] = {DealStatus.WON: ZERO, DealStatus.LOST: ZERO}
    for (status, currency), amount in by_status.items():
        amounts[status] += convert(amount, currency)
    won_cycles = [_duration(r["cycle"]) for r in closed_rows if r["status"] == DealStatus.WON]
    cycle = sum(won_cycles, datetime.timedelta()) / counts[DealStatus.WON] if counts[DealStatus.WON] else None
    names = dict(LostReason.objects.filter(pk__in={k for k, _c in by_reason if k}).values_list("pk", "name"))
    reasons: dict[Any, LostReasonRow] = {}
    for (key, currency), (n, amount) in by_reason.items():
        entry = reasons.get(key)
        if entry is None:
            name = names.get(key)
            entry = reasons[key] = LostReasonRow(
                reason_id=str(key) if key else "",
                name=_label(name) if name else _("No reason given"),
                deals=0,
                amount=ZERO,
                share=None,
            )
        entry.deals += n
        entry.amount += convert(amount, currency)
    lost_total = counts[DealStatus.LOST]
    for entry in reasons.values():
        entry.share = _percent(entry.deals, lost_total)
    return Metrics(
        currency=money.base_currency(),
        filter=flt,
        pipeline=pipeline,
        won_deals=counts[DealStatus.WON],
        won_amount=amounts[DealStatus.WON],
        lost_deals=lost_total,
        lost_amount=amounts[DealStatus.LOST],
        win_rate=_percent(counts[DealStatus.WON], counts[DealStatus.WON] + lost_total),
        average_cycle_days=_days(cycle),
        conversion=conversion(user, flt, pipeline) if pipeline is not None else [],
        lost_reasons=sorted(reasons.values(), key=lambda r: (-r.deals, r.name)),
        missing_rates=sorted(convert.missing),
    )


def _label(name: str) -> str:
    from accord.sales.defaults import label

    return label(name)


def _duration(value: Any) -> datetime.timedelta:
    if value is None:
        return datetime.timedelta()
    if not isinstance(value, datetime.timedelta):  # some backends answer in microseconds
        return datetime.timedelta(microseconds=float(value))
    return value


def _days(value: Any) -> decimal.Decimal | None:
    if value is None:
        return None
    if not isinstance(value, datetime.timedelta):  # some backends answer in microseconds
        value = datetime.timedelta(microseconds=float(value))
    return (D(value.total_seconds()) / D(86400)).quantize(D("0.1"), rounding=decimal.ROUND_HALF_UP)
