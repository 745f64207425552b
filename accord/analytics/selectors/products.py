"""Product profitability: revenue, cost, margin and margin % per product, per category and per
period, and each product's profit or loss over its whole life.

Every figure comes from billing's profit and loss (``billing.selectors.profitability``): issued
invoice lines, in the base currency, of the invoices the user may see. This module only slices it:
by category (the product's catalogue category; lines typed in without a product are a group of
their own), by month, quarter or year (one call of the billing report per column, so a column is
exactly what the billing report shows for that period), and over a product's whole life.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.billing.models import InvoiceKind, InvoiceLine
from accord.billing.selectors import profitability
from accord.billing.selectors.invoices import visible_invoices
from accord.sales.models import Product

D = decimal.Decimal
ZERO = profitability.ZERO
PERIODS: dict[str, Any] = {
    "month": gettext_lazy("Month"),
    "quarter": gettext_lazy("Quarter"),
    "year": gettext_lazy("Year"),
}
MAX_COLUMNS = 36  # periods side by side: three years of months keep the table readable
EVER = (datetime.date(1900, 1, 1), datetime.date(9999, 12, 31))
# The dates a range may use: any business's history, and room for the calendar arithmetic.
EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
Row = profitability.Row


@dataclass(frozen=True)
class Params:
    start: datetime.date
    end: datetime.date  # inclusive
    period: str = "month"

    def as_params(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "period": self.period}


def _date(params: Mapping[str, Any], name: str, errors: dict[str, list[str]]) -> datetime.date | None:
    raw = str(params.get(name) or "").strip()
    if not raw:
        return None
    try:
        found = datetime.date.fromisoformat(raw)
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None
    if not EARLIEST <= found <= LATEST:
        errors[name] = [_("Choose a date from %(first)s to %(last)s.") % {"first": EARLIEST, "last": LATEST}]
        return None
    return found


def parse(params: Mapping[str, Any], *, today: datetime.date | None = None) -> Params:
    """``start``, ``end`` (the last twelve months by default) and ``period`` (month, quarter or
    year); raises ValidationError naming each bad one."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    start = _date(params, "start", errors)
    end = _date(params, "end", errors) or today
    period = str(params.get("period") or "month").strip()
    if period not in PERIODS:
        errors["period"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(PERIODS)}]
    if start is None and "start" not in errors:
        start = _add_months(end.replace(day=1), -11)
    if start is not None and not errors:
        if end < start:
            errors["end"] = [_("The period cannot end before it starts.")]
        elif len(buckets(start, end, period)) > MAX_COLUMNS:
            errors["end"] = [
                _("At most %(n)s periods fit side by side: choose a shorter range or longer periods.")
                % {"n": MAX_COLUMNS}
            ]
    if errors:
        raise ValidationError(errors)
    assert start is not None
    return Params(start=start, end=end, period=period)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Bucket:
    key: str  # 2026-03, 2026-Q1, 2026
    label: str
    start: datetime.date
    end: datetime.date


def buckets(start: datetime.date, end: datetime.date, period: str) -> list[Bucket]:
    """The calendar months, quarters or years that ``start``..``end`` touches, each clipped to it."""
    step = {"month": 1, "quarter": 3, "year": 12}[period]
    first = start.replace(day=1)
    first = _add_months(first, -((first.month - 1) % step))
    found = []
    while first <= end:
        after = _add_months(first, step)
        if period == "month":
            key, label = f"{first:%Y-%m}", formats.date_format(first, "YEAR_MONTH_FORMAT")
        elif period == "quarter":
            quarter = (first.month - 1) // 3 + 1
            key = f"{first.year}-Q{quarter}"
            label = _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": first.year}
        else:
            key = label = str(first.year)
        found.append(Bucket(key, label, max(first, start), min(after - datetime.timedelta(days=1), end)))
        first = after
        if len(found) > MAX_COLUMNS:
            break
    return found


@dataclass
class ProductRow:
    """One product's (or the typed-in lines') figures in the range, with its category."""

    row: Row
    category: str

    def __getattr__(self, name: str) -> Any:
        # The billing row's figures (name, revenue, margin, loss...) read as this row's own.
        if name == "row":
            raise AttributeError(name)
        return getattr(self.row, name)


@dataclass
class Group:
    """A category's, a period's or the whole range's sums."""

    key: str
    label: str
    revenue: decimal.Decimal = ZERO
    cost: decimal.Decimal = ZERO
    products: int = 0
    costed: bool = True

    @property
    def margin(self) -> decimal.Decimal:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> decimal.Decimal | None:
        if not self.revenue:
            return None
        return (self.margin * 100 / self.revenue).quantize(D("0.1"), decimal.ROUND_HALF_UP)

    @property
    def loss(self) -> bool:
        return self.margin < 0

    def add(self, row: Row) -> None:
        self.revenue += row.revenue
        self.cost += row.cost
        self.products += 1
        self.costed = self.costed and row.costed


@dataclass
class Lifetime:
    """A product's profit or loss from its first sale to now."""

    row: Row
    category: str
    first_sale: datetime.date | None
    last_sale: datetime.date | None

    def __getattr__(self, name: str) -> Any:
        # The billing row's figures (name, revenue, margin, loss...) read as this row's own.
        if name == "row":
            raise AttributeError(name)
        return getattr(self.row, name)


@dataclass
class PeriodLine:
    """A product's margin in each period (None: not sold in it)."""

    key: Any
    name: str
    detail: str
    margins: list[decimal.Decimal | None]
    total: decimal.Decimal


@dataclass
class Profitability:
    params: Params
    currency: str
    products: list[ProductRow]
    categories: list[Group]
    periods: list[Group]
    matrix: list[PeriodLine]
    lifetime: list[Lifetime]
    total: Group = field(default_factory=lambda: Group("total", ""))

    @property
    def losses(self) -> list[ProductRow]:
        return [p for p in self.products if p.loss]


NO_CATEGORY = "__none__"
TYPED_IN = "__typed__"


def _categories(keys: set[Any]) -> dict[Any, str]:
    return dict(Product.objects.filter(pk__in=[k for k in keys if k is not None]).values_list("pk", "category"))


def _category_label(key: str) -> str:
    if key == TYPED_IN:
        return _("Not in the catalogue")
    if key == NO_CATEGORY:
        return _("No category")
    return key


def _category_of(row: Row, categories: Mapping[Any, str]) -> str:
    if row.key is None:
        return TYPED_IN
    return categories.get(row.key) or NO_CATEGORY


def sale_dates(user: Any) -> dict[Any, tuple[datetime.date, datetime.date]]:
    """Each product's first and last day of sale, on the invoices the user may see (the same
    invoices the billing report counts; a correction is not a sale)."""
    invoices = visible_invoices(user).filter(kind=InvoiceKind.VAT, status__in=profitability.COUNTED)
    rows = (
        InvoiceLine.objects.filter(invoice__in=invoices.values("pk"), product__isnull=False)
        .values("product_id")
        .annotate(first=Min("invoice__issue_date"), last=Max("invoice__issue_date"))
        .order_by()
    )
    return {r["product_id"]: (r["first"], r["last"]) for r in rows}


def lifetime(user: Any) -> list[Lifetime]:
    """Every product ever sold (to the invoices the user may see), its whole life's profit or loss
    and its first and last sale: the worst first."""
    report = profitability.by_product(user, *EVER)
    dates = sale_dates(user)
    categories = _categories({row.key for row in report.rows})
    found = []
    for row in report.rows:
        if row.key is None:
            continue
        first, last = dates.get(row.key, (None, None))
        category = _category_of(row, categories)
        found.append(Lifetime(row=row, category=_category_label(category), first_sale=first, last_sale=last))
    return found


def report(user: Any, params: Params) -> Profitability:
    """The range's products, categories, periods and the products' lifetime, for ``user``."""
    whole = profitability.by_product(user, params.start, params.end)
    categories_of = _categories({row.key for row in whole.rows})
    products = [ProductRow(row=row, category=_category_of(row, categories_of)) for row in whole.rows]
    groups: dict[str, Group] = {}
    total = Group("total", _("Total"))
    for product in products:
        group = groups.get(product.category)
        if group is None:
            group = groups[product.category] = Group(product.category, _category_label(product.category))
        group.add(product.row)
        total.add(product.row)
    for product in products:
        product.category = _category_label(product.category)
    periods, margins = [], {}
    columns = buckets(params.start, params.end, params.period)
    for i, bucket in enumerate(columns):
        part = profitability.by_product(user, bucket.start, bucket.end)
        group = Group(bucket.key, bucket.label)
        for row in part.rows:
            group.add(row)
            margins[(row.key, i)] = row.margin
        periods.append(group)
    matrix = [
        PeriodLine(
            key=p.key,
            name=p.name,
            detail=p.detail,
            margins=[margins.get((p.key, i)) for i in range(len(columns))],
            total=p.margin,
        )
        for p in sorted(products, key=lambda p: (p.key is None, p.name))
    ]
    return Profitability(
        params=params,
        currency=whole.currency,
        products=products,
        categories=sorted(groups.values(), key=lambda g: (g.margin, g.label)),
        periods=periods,
        matrix=matrix,
        lifetime=lifetime(user),
        total=total,
    )
