"""The return on the CRM: the same indicators in two windows of the same length, before and after
the day it was adopted, over the records the user may see.

The window after runs from the adoption day for ``days`` days (by default as many days as have
passed since, at most a year); the window before is as long and ends the day before adoption.

Indicators (each ``definition`` says it in one line on the screen):

* win rate: won deals as a share of the deals won or lost in the window (sales' metrics);
* average sales cycle: days from a deal's creation to its win, for deals won in the window;
* revenue per rep: the amount of the deals won in the window divided by the number of owners of
  those deals (base currency);
* first response: hours from a ticket's creation to its first response, on average, for tickets
  created in the window and answered;
* days sales outstanding: what customers owed at the window's end (issued invoices, gross, less
  the payments received by then) divided by what was invoiced in the window, times its days;
* customer churn: of the customers who bought in the window just before the window, the share
  who did not buy in it (bought: an invoice issued to them).
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Avg, DecimalField, DurationField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.billing.models import InvoiceKind, PaymentAllocation
from accord.billing.models.invoices import CORRECTIONS
from accord.billing.selectors import profitability
from accord.billing.selectors.invoices import visible_invoices
from accord.core import access, money
from accord.sales.models import DealStatus
from accord.sales.selectors import forecast as sales
from accord.sales.selectors.deals import visible_deals
from accord.service.selectors.tickets import visible_tickets

D = decimal.Decimal
MAX_DAYS = 366
MIN_DAYS = 7
EARLIEST = datetime.date(1900, 1, 1)
MONEY = DecimalField(max_digits=20, decimal_places=4)


@dataclass(frozen=True)
class Window:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def shifted(self, days: int) -> Window:
        step = datetime.timedelta(days=days)
        return Window(self.start + step, self.end + step)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The window as [start, after) in the server's time zone, for timestamps."""
        tz = timezone.get_current_timezone()
        return (
            datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz),
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz),
        )


@dataclass(frozen=True)
class Params:
    date: datetime.date
    days: int

    @property
    def after(self) -> Window:
        return Window(self.date, self.date + datetime.timedelta(days=self.days - 1))

    @property
    def before(self) -> Window:
        return self.after.shifted(-self.days)

    def as_params(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "days": str(self.days)}


def parse(params: Mapping[str, Any], *, today: datetime.date | None = None) -> Params:
    """``date`` (the adoption day, required, at least a week ago) and ``days`` (the windows' length,
    7 to 366 and no more than have passed since adoption; by default the days since adoption, at
    most a year)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    raw = str(params.get("date") or "").strip()
    date = None
    if not raw:
        errors["date"] = [_("Give the day the CRM was adopted.")]
    else:
        try:
            date = datetime.date.fromisoformat(raw)
        except ValueError:
            errors["date"] = [_("Enter a date as YYYY-MM-DD.")]
    if date is not None and date < EARLIEST:
        errors["date"] = [_("Choose a date from %(first)s to %(last)s.") % {"first": EARLIEST, "last": today}]
    elif date is not None and (today - date).days < MIN_DAYS:
        errors["date"] = [_("Choose a day at least a week ago: the window after it needs days to count.")]
    raw_days = str(params.get("days") or "").strip()
    days = None
    if raw_days:
        try:
            days = int(raw_days)
        except ValueError:
            days = 0
        if not MIN_DAYS <= days <= MAX_DAYS:
            errors["days"] = [
                _("Choose a number of days from %(low)s to %(high)s.") % {"low": MIN_DAYS, "high": MAX_DAYS}
            ]
    if date is not None and days and "date" not in errors and "days" not in errors:
        passed = (today - date).days
        if days > passed:
            # A window that runs past today would compare a whole period with a part of one.
            errors["days"] = [_("The window after adoption cannot run past today: at most %(n)s days.") % {"n": passed}]
    if errors:
        raise ValidationError(errors)
    assert date is not None
    if days is None:
        days = min((today - date).days, MAX_DAYS)
    return Params(date=date, days=days)


# --- the indicators, one window at a time ------------------------------------------------------------


def _sales_metrics(user: Any, window: Window) -> sales.Metrics:
    return sales.metrics(user, sales.SalesFilter(start=window.start, end=window.end, period="custom"))


def revenue_per_rep(user: Any, window: Window) -> D | None:
    start, after = window.bounds()
    won = visible_deals(user).filter(status=DealStatus.WON, closed_at__gte=start, closed_at__lt=after)
    reps = won.exclude(owner__isnull=True).values("owner_id").distinct().count()
    if not reps:
        return None
    sums = won.values("currency").annotate(total=Sum("amount")).order_by()
    table = money.rates({row["currency"] for row in sums}, on=window.end)
    total = D(0)
    for row in sums:
        if row["currency"] in table:
            total += money.to_base(D(str(row["total"] or 0)), row["currency"], table)
    return money.quantize(total / reps)


def first_response_hours(user: Any, window: Window) -> D | None:
    start, after = window.bounds()
    average = (
        visible_tickets(user)
        .filter(created_at__gte=start, created_at__lt=after, first_responded_at__isnull=False)
        .aggregate(d=Avg(ExpressionWrapper(F("first_responded_at") - F("created_at"), output_field=DurationField())))
    )["d"]
    if average is None:
        return None
    if not isinstance(average, datetime.timedelta):  # some backends answer in microseconds
        average = datetime.timedelta(microseconds=float(average))
    return (D(average.total_seconds()) / 3600).quantize(D("0.1"), decimal.ROUND_HALF_UP)


def _issued(user: Any) -> Any:
    return visible_invoices(user).filter(
        kind__in=[InvoiceKind.VAT, *CORRECTIONS], status__in=profitability.COUNTED, issue_date__isnull=False
    )


def days_sales_outstanding(user: Any, window: Window) -> D | None:
    invoices = _issued(user)
    rate = Coalesce(F("exchange_rate"), Value(D(1)), output_field=MONEY)
    gross = ExpressionWrapper(F("gross_total") * rate, output_field=MONEY)
    sold = invoices.filter(issue_date__gte=window.start, issue_date__lte=window.end).aggregate(t=Sum(gross))["t"]
    if not sold or sold <= 0:
        return None
    billed = invoices.filter(issue_date__lte=window.end).aggregate(t=Sum(gross))["t"] or D(0)
    paid_rate = Coalesce(F("invoice__exchange_rate"), Value(D(1)), output_field=MONEY)
    paid = PaymentAllocation.objects.filter(
        invoice__in=invoices.filter(issue_date__lte=window.end).values("pk"), payment__received_on__lte=window.end
    ).aggregate(t=Sum(ExpressionWrapper(F("amount") * paid_rate, output_field=MONEY)))["t"] or D(0)
    owed = max(D(billed) - D(paid), D(0))
    return (owed / D(sold) * window.days).quantize(D("0.1"), decimal.ROUND_HALF_UP)


def _buyers(user: Any, window: Window) -> set[tuple[str, Any]]:
    rows = (
        _issued(user)
        .filter(kind=InvoiceKind.VAT, issue_date__gte=window.start, issue_date__lte=window.end)
        .filter(Q(company__isnull=False) | Q(contact__isnull=False))
        .values_list("company_id", "contact_id")
        .distinct()
    )
    return {("company", company) if company else ("contact", contact) for company, contact in rows}


@dataclass(frozen=True)
class Churn:
    earlier: int  # customers who bought in the window before
    lost: int  # of them, those who did not buy in this one

    @property
    def rate(self) -> D | None:
        if not self.earlier:
            return None
        return (D(self.lost) * 100 / D(self.earlier)).quantize(D("0.1"), decimal.ROUND_HALF_UP)


def churn(user: Any, window: Window) -> Churn:
    earlier = _buyers(user, window.shifted(-window.days))
    now = _buyers(user, window)
    return Churn(earlier=len(earlier), lost=len(earlier - now))


# --- the report ---------------------------------------------------------------------------------------


@dataclass
class Indicator:
    key: str
    label: str
    definition: str
    unit: str  # "%", "days", "hours", "money"
    before: D | None
    after: D | None
    higher_is_better: bool
    detail_before: str = ""
    detail_after: str = ""

    @property
    def change(self) -> D | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def change_percent(self) -> D | None:
        if self.change is None or not self.before:
            return None
        return (self.change * 100 / abs(self.before)).quantize(D("0.1"), decimal.ROUND_HALF_UP)

    @property
    def pairs(self) -> list[tuple[D | None, str]]:
        """(value, detail) before and after, for the screen's two columns."""
        return [(self.before, self.detail_before), (self.after, self.detail_after)]

    @property
    def improved(self) -> bool | None:
        if not self.change:
            return None
        return (self.change > 0) == self.higher_is_better


@dataclass
class Report:
    params: Params
    currency: str
    indicators: list[Indicator]

    @property
    def before(self) -> Window:
        return self.params.before

    @property
    def after(self) -> Window:
        return self.params.after


DEFINITIONS: dict[str, tuple[Any, Any, str, bool]] = {
    "win_rate": (
        gettext_lazy("Win rate"),
        gettext_lazy("Deals won as a share of the deals won or lost in the window."),
        "%",
        True,
    ),
    "sales_cycle": (
        gettext_lazy("Average sales cycle"),
        gettext_lazy("Days from a deal's creation to its win, on average, for deals won in the window."),
        "days",
        False,
    ),
    "revenue_per_rep": (
        gettext_lazy("Revenue per rep"),
        gettext_lazy("The amount of the deals won in the window divided by the number of their owners."),
        "money",
        True,
    ),
    "first_response": (
        gettext_lazy("First response time"),
        gettext_lazy(
            "Hours from a ticket's creation to its first response, on average, for tickets created in the window."
        ),
        "hours",
        False,
    ),
    "dso": (
        gettext_lazy("Days sales outstanding"),
        gettext_lazy("What customers owed at the window's end divided by what was invoiced in it, times its days."),
        "days",
        False,
    ),
    "churn": (
        gettext_lazy("Customer churn"),
        gettext_lazy("Of the customers who bought in the window just before, the share who did not buy in this one."),
        "%",
        False,
    ),
}


def _indicator(key: str, before: D | None, after: D | None, **extra: Any) -> Indicator:
    label, definition, unit, higher = DEFINITIONS[key]
    return Indicator(
        key=key,
        label=str(label),
        definition=str(definition),
        unit=unit,
        before=before,
        after=after,
        higher_is_better=higher,
        **extra,
    )


def report(user: Any, params: Params) -> Report:
    """Each indicator in the window before adoption and in the window after it. A role that may not
    see amounts gets no revenue per rep and no DSO (they are amounts, or made of them)."""
    amounts = access.sees_amounts(user)
    found: list[Indicator] = []
    metrics = {name: _sales_metrics(user, window) for name, window in (("b", params.before), ("a", params.after))}
    found.append(_indicator("win_rate", metrics["b"].win_rate, metrics["a"].win_rate))
    found.append(_indicator("sales_cycle", metrics["b"].average_cycle_days, metrics["a"].average_cycle_days))
    per_window: list[tuple[str, Callable[[Any, Window], D | None]]] = [("first_response", first_response_hours)]
    if amounts:
        per_window = [("revenue_per_rep", revenue_per_rep), *per_window, ("dso", days_sales_outstanding)]
    for key, measure in per_window:
        found.append(_indicator(key, measure(user, params.before), measure(user, params.after)))
    churned = {name: churn(user, window) for name, window in (("b", params.before), ("a", params.after))}
    found.append(
        _indicator(
            "churn",
            churned["b"].rate,
            churned["a"].rate,
            detail_before=_("%(lost)s of %(earlier)s") % {"lost": churned["b"].lost, "earlier": churned["b"].earlier},
            detail_after=_("%(lost)s of %(earlier)s") % {"lost": churned["a"].lost, "earlier": churned["a"].earlier},
        )
    )
    order = list(DEFINITIONS)
    found.sort(key=lambda i: order.index(i.key))
    return Report(params=params, currency=money.base_currency(), indicators=found)
