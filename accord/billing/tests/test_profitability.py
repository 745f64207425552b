"""Profit and loss per product and per customer, worked out by hand for each case."""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse

from accord.billing.selectors import profitability
from accord.billing.services import invoices
from accord.core.models import ExchangeRate
from accord.sales.models import Product
from accord.sales.services import products

pytestmark = pytest.mark.django_db
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
DAY = "2026-03-02"


def _product(admin: Any, sku: str, price: str, cost: str, currency: str = "PLN") -> Product:
    product = products.create_product(
        actor=admin,
        data={
            "sku": sku,
            "name": f"Product {sku}",
            "unit": "pcs",
            "vat_rate": "23",
            "prices": [{"currency": "PLN", "price": price}],
        },
    )
    Product.objects.filter(pk=product.pk).update(unit_cost=D(cost), cost_currency=currency)
    return Product.objects.get(pk=product.pk)


def _issue(owner: Any, make_invoice: Any, lines: list[dict[str, Any]], **data: Any) -> Any:
    draft = make_invoice(issue_date=DAY, sale_date=DAY, lines=lines, **data)
    return invoices.issue(actor=owner, invoice=draft)


def test_revenue_cost_and_margin_per_product(admin_user: Any, owner: Any, make_invoice: Any) -> None:
    good = _product(admin_user, "GOOD", "100", "60")
    loser = _product(admin_user, "LOSS", "50", "80")
    _issue(
        owner,
        make_invoice,
        [
            {"product": good, "quantity": "3", "unit_price": "100", "vat_rate": "23"},
            {"product": loser, "quantity": "2", "unit_price": "50", "vat_rate": "23"},
            {"description": "Travel", "quantity": "1", "unit_price": "40", "vat_rate": "23"},
        ],
    )
    # The catalogue cost changes after the sale: the invoice keeps the cost of the day it was issued.
    Product.objects.filter(pk=good.pk).update(unit_cost=D("99"))
    report = profitability.by_product(admin_user, START, END)
    rows = {row.detail or "typed": row for row in report.rows}
    assert (rows["GOOD"].revenue, rows["GOOD"].cost, rows["GOOD"].margin) == (D("300.00"), D("180.00"), D("120.00"))
    assert rows["GOOD"].margin_percent == D("40.0")
    assert (rows["LOSS"].margin, rows["LOSS"].loss) == (D("-60.00"), True)
    assert (rows["typed"].name, rows["typed"].revenue, rows["typed"].cost) == ("", D("40.00"), D("0"))
    assert report.rows[0].detail == "LOSS"  # the worst first
    assert (report.revenue, report.cost, report.margin) == (D("440.00"), D("340.00"), D("100.00"))


def test_a_credit_note_takes_back_revenue_and_cost(admin_user: Any, owner: Any, make_invoice: Any) -> None:
    good = _product(admin_user, "GOOD", "100", "60")
    invoice = _issue(owner, make_invoice, [{"product": good, "quantity": "3", "unit_price": "100", "vat_rate": "23"}])
    line = invoice.lines.get()
    note = invoices.correct(
        actor=owner, invoice=invoice, lines=[{"line": line.pk, "quantity": "2"}], reason="One returned"
    )
    invoices.issue(actor=owner, invoice=note)
    (row,) = profitability.by_product(admin_user, START, END).rows
    assert (row.quantity, row.revenue, row.cost) == (D("2"), D("200.00"), D("120.00"))


def test_currency_invoices_and_costs_are_counted_in_the_base_currency(
    admin_user: Any, owner: Any, make_invoice: Any
) -> None:
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2026, 2, 27), rate=D("4.30"))
    imported = _product(admin_user, "IMP", "100", "10", currency="EUR")
    _issue(
        owner,
        make_invoice,
        [{"product": imported, "quantity": "2", "unit_price": "25", "vat_rate": "23"}],
        currency="EUR",
    )
    (row,) = profitability.by_product(admin_user, START, END).rows
    # 2 x 25 EUR at 4.30 = 215 PLN; 2 x 10 EUR cost at the latest rate by the period's end = 86 PLN.
    assert (row.revenue, row.cost, row.margin) == (D("215.00"), D("86.00"), D("129.00"))


def test_per_customer_and_only_what_the_user_may_see(
    admin_user: Any, owner: Any, outsider: Any, make_invoice: Any, customer: Any
) -> None:
    good = _product(admin_user, "GOOD", "100", "60")
    _issue(owner, make_invoice, [{"product": good, "quantity": "1", "unit_price": "100", "vat_rate": "23"}])
    (row,) = profitability.by_customer(owner, START, END).rows
    assert (row.name, row.revenue, row.margin) == (customer.name, D("100.00"), D("40.00"))
    assert profitability.by_customer(outsider, START, END).rows == []
    assert profitability.by_product(owner, datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)).rows == []


def test_the_screen_and_its_export(admin_user: Any, owner: Any, make_invoice: Any, login: Any) -> None:
    good = _product(admin_user, "GOOD", "100", "60")
    _issue(owner, make_invoice, [{"product": good, "quantity": "1", "unit_price": "100", "vat_rate": "23"}])
    client = login(owner)
    url = reverse("billing:profitability")
    page = client.get(url, {"start": "2026-01-01", "end": "2026-12-31"}).content.decode()
    assert "Product GOOD" in page
    bad = client.get(url, {"start": "31.12.2026"}).content.decode()
    assert "Enter the dates as YYYY-MM-DD." in bad
    export = client.get(url, {"by": "customer", "start": "2026-01-01", "end": "2026-12-31", "format": "csv"})
    text = b"".join(export.streaming_content).decode()
    assert "Żółta Łódź Sp. z o.o." in text
    assert "40.00" in text
