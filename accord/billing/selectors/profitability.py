"""Profit and loss per product and per customer, from issued invoice lines and unit costs.

Revenue is each line's net amount in the base currency (a currency invoice at its own exchange
rate); a credit or debit note's lines count their differences. Cost is the quantity sold times the
unit cost the line kept when its invoice was issued (the product's catalogue cost for lines issued
before lines kept theirs), converted to the base currency at the latest rate on or before the
period's end. A line without a product has no cost: its margin is its revenue, and it is counted
apart as "not in the catalogue". Only the invoices the user may see are counted.
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from accord.billing.models import InvoiceKind, InvoiceLine, InvoiceStatus
from accord.billing.models.invoices import CORRECTIONS
from accord.billing.selectors.invoices import visible_invoices
from accord.core import money

ZERO = decimal.Decimal("0.00")
COUNTED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)
MONEY = DecimalField(max_digits=20, decimal_places=4)


@dataclass
class Row:
    """One product's or customer's figures in the base currency."""

    key: Any
    name: str
    detail: str = ""
    quantity: decimal.Decimal = ZERO
    revenue: decimal.Decimal = ZERO
    cost: decimal.Decimal = ZERO
    costed: bool = True  # every line had a unit cost
    invoices: set[Any] = field(default_factory=set)

    @property
    def margin(self) -> decimal.Decimal:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> decimal.Decimal | None:
        if not self.revenue:
            return None
        return (self.margin * 100 / self.revenue).quantize(decimal.Decimal("0.1"), decimal.ROUND_HALF_UP)

    @property
    def loss(self) -> bool:
        return self.margin < 0


@dataclass
class Report:
    start: datetime.date
    end: datetime.date
    currency: str
    rows: list[Row]

    @property
    def revenue(self) -> decimal.Decimal:
        return sum((row.revenue for row in self.rows), ZERO)

    @property
    def cost(self) -> decimal.Decimal:
        return sum((row.cost for row in self.rows), ZERO)

    @property
    def margin(self) -> decimal.Decimal:
        return self.revenue - self.cost


def _lines(user: Any, start: datetime.date, end: datetime.date) -> Any:
    invoices = visible_invoices(user).filter(
        kind__in=[InvoiceKind.VAT, *CORRECTIONS], status__in=COUNTED, issue_date__gte=start, issue_date__lte=end
    )
    # A correction's line carries the quantity after the change and the one before it.
    before = Coalesce(F("before_quantity"), Value(decimal.Decimal(0)))
    sold = Case(When(invoice__kind__in=CORRECTIONS, then=F("quantity") - before), default=F("quantity"))
    rate = Coalesce(F("invoice__exchange_rate"), Value(decimal.Decimal(1)), output_field=MONEY)
    cost_each = Coalesce(F("unit_cost"), F("product__unit_cost"), output_field=MONEY)
    return (
        InvoiceLine.objects.filter(invoice__in=invoices.values("pk"))
        .annotate(line_sold=ExpressionWrapper(sold, output_field=MONEY))
        .annotate(
            line_revenue=ExpressionWrapper(F("net") * rate, output_field=MONEY),
            line_cost=ExpressionWrapper(F("line_sold") * cost_each, output_field=MONEY),
            cost_in=Case(When(~Q(cost_currency=""), then=F("cost_currency")), default=F("product__cost_currency")),
        )
    )


AGGREGATES = {
    "sold": Sum("line_sold"),
    "revenue": Sum("line_revenue"),
    "cost": Sum("line_cost"),
    # Lines of a catalogue product without a unit cost (a typed-in line has none to have).
    "uncosted": Count("pk", filter=Q(line_cost__isnull=True, product__isnull=False)),
}


def _cost_rates(grouped: list[dict[str, Any]], end: datetime.date) -> dict[str, decimal.Decimal]:
    """The base-currency value of each cost currency the rows name, at the period's end."""
    return money.rates({values["cost_in"] for values in grouped if values["cost_in"]}, on=end)


def _add(row: Row, values: dict[str, Any], rates: dict[str, decimal.Decimal], base: str) -> None:
    row.quantity += values["sold"] or ZERO
    row.revenue += money.quantize(values["revenue"] or ZERO)
    if values["uncosted"]:
        row.costed = False
    if values["cost"] is None:
        return
    currency = values["cost_in"] or base
    rate = rates.get(currency)
    if rate is None:
        row.costed = False
        return
    row.cost += money.quantize(values["cost"] * rate)


def by_product(user: Any, start: datetime.date, end: datetime.date) -> Report:
    """Revenue, cost and margin of each product sold in the period (lines with no product together)."""
    base = money.base_currency()
    grouped = list(
        _lines(user, start, end)
        .values("product_id", "product__name", "product__sku", "cost_in")
        .annotate(**AGGREGATES)
        .order_by()
    )
    rates = _cost_rates(grouped, end)
    rows: dict[Any, Row] = {}
    for values in grouped:
        key = values["product_id"]
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(key=key, name=values["product__name"] or "", detail=values["product__sku"] or "")
        if key is None:  # typed-in lines have no catalogue cost: counted at none
            values = {**values, "cost": decimal.Decimal(0), "uncosted": 0}
        _add(row, values, rates, base)
    return Report(start, end, base, sorted(rows.values(), key=lambda r: (r.margin, r.name)))


def by_customer(user: Any, start: datetime.date, end: datetime.date) -> Report:
    """Revenue, cost and margin of each customer invoiced in the period."""
    base = money.base_currency()
    grouped = list(
        _lines(user, start, end)
        .values("invoice__company_id", "invoice__contact_id", "invoice__buyer_name", "cost_in")
        .annotate(**AGGREGATES)
        .order_by()
    )
    rates = _cost_rates(grouped, end)
    rows: dict[Any, Row] = {}
    for values in grouped:
        key = (
            ("company", values["invoice__company_id"])
            if values["invoice__company_id"]
            else ("contact", values["invoice__contact_id"])
        )
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(key=key, name=values["invoice__buyer_name"] or "")
        _add(row, values, rates, base)
    return Report(start, end, base, sorted(rows.values(), key=lambda r: (r.margin, r.name)))


def product_lifetime(user: Any, product_id: Any) -> Row:
    """A product's profit or loss over its whole life (every invoice the user may see)."""
    report = by_product(user, datetime.date(1900, 1, 1), datetime.date(9999, 12, 31))
    return next((row for row in report.rows if row.key == product_id), Row(key=product_id, name=""))
