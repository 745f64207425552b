"""Product profitability: per product, category and period, and over each product's life, worked
out by hand.

The owner's customer bought (net, unit cost on the line):
  2025-11-10  Widget  2 x 20 =  40, cost 2 x 10 = 20     (before the range)
  2026-01-15  Widget  5 x 20 = 100, cost 50
  2026-02-10  Gadget  2 x 25 =  50, cost 2 x 30 = 60     (a loss of 10)
  2026-03-05  Course  1 x 200 = 200, cost 5; and 40 of typed-in travel (no product, no cost)
  2026-04-15  Widget  3 x 20 =  60, cost 30
The outsider's customer bought 10 Widgets for 1000 (cost 100) on 2026-01-20: only the admin sees it.
Range 2026-01-01 .. 2026-06-30 by quarter.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.analytics.selectors import products
from accord.analytics.tests import insight_data as data
from accord.sales.models import Product

pytestmark = pytest.mark.django_db
RANGE = {"start": "2026-01-01", "end": "2026-06-30", "period": "quarter"}


@pytest.fixture(autouse=True)
def _base_currency(settings: Any) -> None:
    settings.DEFAULT_CURRENCY = "PLN"


@pytest.fixture
def sales(owner: Any, outsider: Any, make_company: Any) -> dict[str, Any]:
    widget = Product.objects.create(sku="W", name="Widget", category="Hardware", unit_cost=D("10"))
    gadget = Product.objects.create(sku="G", name="Gadget", category="Hardware", unit_cost=D("30"))
    course = Product.objects.create(sku="C", name="Course", category="", unit_cost=D("5"))
    mine = make_company(owner, name="Mine")
    theirs = make_company(outsider, name="Theirs")
    day = datetime.date
    data.invoice(company=mine, day=day(2025, 11, 10), lines=[(widget, "2", "40", "10")])
    data.invoice(company=mine, day=day(2026, 1, 15), lines=[(widget, "5", "100", "10")])
    data.invoice(company=mine, day=day(2026, 2, 10), lines=[(gadget, "2", "50", "30")])
    data.invoice(company=mine, day=day(2026, 3, 5), lines=[(course, "1", "200", "5"), (None, "1", "40", None)])
    data.invoice(company=mine, day=day(2026, 4, 15), lines=[(widget, "3", "60", "10")])
    data.invoice(company=theirs, day=day(2026, 1, 20), lines=[(widget, "10", "1000", "10")])
    return {"widget": widget, "gadget": gadget, "course": course, "mine": mine}


def _figures(row: Any) -> tuple[D, D, D]:
    return (row.revenue, row.cost, row.margin)


def test_per_product_the_loss_maker_flagged(owner: Any, sales: dict[str, Any]) -> None:
    result = products.report(owner, products.parse(RANGE))
    rows = {row.name or "typed": row for row in result.products}
    assert _figures(rows["Widget"]) == (D("160.00"), D("80.00"), D("80.00"))
    assert rows["Widget"].margin_percent == D("50.0")
    assert rows["Widget"].quantity == D("8")
    assert (_figures(rows["Gadget"]), rows["Gadget"].loss) == ((D("50.00"), D("60.00"), D("-10.00")), True)
    assert rows["Gadget"].margin_percent == D("-20.0")
    assert (_figures(rows["Course"]), rows["Course"].margin_percent) == (
        (D("200.00"), D("5.00"), D("195.00")),
        D("97.5"),
    )
    assert _figures(rows["typed"]) == (D("40.00"), D("0"), D("40.00"))
    assert [p.name for p in result.losses] == ["Gadget"]
    assert (rows["Widget"].category, rows["Course"].category, rows["typed"].category) == (
        "Hardware",
        "No category",
        "Not in the catalogue",
    )
    assert _figures(result.total) == (D("450.00"), D("145.00"), D("305.00"))


def test_per_category(owner: Any, sales: dict[str, Any]) -> None:
    result = products.report(owner, products.parse(RANGE))
    groups = {g.label: (g.products, *_figures(g)) for g in result.categories}
    assert groups == {
        "Hardware": (2, D("210.00"), D("140.00"), D("70.00")),
        "No category": (1, D("200.00"), D("5.00"), D("195.00")),
        "Not in the catalogue": (1, D("40.00"), D("0"), D("40.00")),
    }
    assert result.categories[0].label == "Not in the catalogue"  # the smallest margin first


def test_a_product_sold_across_periods(owner: Any, sales: dict[str, Any]) -> None:
    result = products.report(owner, products.parse(RANGE))
    assert [(g.key, g.label) for g in result.periods] == [("2026-Q1", "Q1 2026"), ("2026-Q2", "Q2 2026")]
    assert [_figures(g) for g in result.periods] == [
        (D("390.00"), D("115.00"), D("275.00")),
        (D("60.00"), D("30.00"), D("30.00")),
    ]
    matrix = {line.name: (line.margins, line.total) for line in result.matrix}
    assert matrix["Widget"] == ([D("50.00"), D("30.00")], D("80.00"))
    assert matrix["Gadget"] == ([D("-10.00"), None], D("-10.00"))
    by_month = products.report(owner, products.parse({**RANGE, "period": "month"}))
    assert [g.key for g in by_month.periods] == [f"2026-{m:02d}" for m in range(1, 7)]
    assert [g.margin for g in by_month.periods] == [D("50.00"), D("-10.00"), D("235.00"), D("30.00"), D(0), D(0)]
    by_year = products.report(owner, products.parse({"start": "2025-11-01", "end": "2026-06-30", "period": "year"}))
    assert [(g.key, g.revenue) for g in by_year.periods] == [("2025", D("40.00")), ("2026", D("450.00"))]


def test_each_products_whole_life(owner: Any, sales: dict[str, Any]) -> None:
    life = {row.name: row for row in products.report(owner, products.parse(RANGE)).lifetime}
    assert set(life) == {"Widget", "Gadget", "Course"}
    widget = life["Widget"]
    assert _figures(widget) == (D("200.00"), D("100.00"), D("100.00"))
    assert (widget.first_sale, widget.last_sale) == (datetime.date(2025, 11, 10), datetime.date(2026, 4, 15))
    assert (life["Gadget"].loss, life["Gadget"].first_sale, life["Gadget"].last_sale) == (
        True,
        datetime.date(2026, 2, 10),
        datetime.date(2026, 2, 10),
    )


def test_a_rep_sees_only_their_customers_and_the_admin_everything(
    owner: Any, outsider: Any, admin_user: Any, sales: dict[str, Any]
) -> None:
    mine = {r.name: r.revenue for r in products.report(owner, products.parse(RANGE)).products}
    everything = {r.name: r.revenue for r in products.report(admin_user, products.parse(RANGE)).products}
    theirs = {r.name: r.revenue for r in products.report(outsider, products.parse(RANGE)).products}
    assert mine["Widget"] == D("160.00")
    assert everything["Widget"] == D("1160.00")
    assert theirs == {"Widget": D("1000.00")}
    assert [life.name for life in products.lifetime(outsider)] == ["Widget"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "01.01.2026"}, "start"),
        ({"end": "tomorrow"}, "end"),
        ({"period": "week"}, "period"),
        ({"start": "9999-01-01", "end": "9999-12-31"}, "start"),
        ({"start": "0001-01-01", "end": "0001-01-31"}, "start"),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "end"),
        ({"start": "2020-01-01", "end": "2026-01-01", "period": "month"}, "end"),
    ],
)
def test_bad_parameters_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        products.parse(params)
    assert field in caught.value.message_dict


def test_the_default_range_is_the_last_twelve_months() -> None:
    params = products.parse({}, today=datetime.date(2026, 6, 20))
    assert (params.start, params.end, params.period) == (datetime.date(2025, 7, 1), datetime.date(2026, 6, 20), "month")


def test_the_screen_its_exports_and_who_may_see_it(
    owner: Any, manager: Any, sales: dict[str, Any], login: Any, make_user: Any
) -> None:
    url = reverse("analytics:products-profitability")
    # A rep sees the page but may not export; their manager (the same team's records) may.
    assert login(owner).get(url, {**RANGE, "table": "products", "format": "csv"}).status_code == 403
    client = login(manager)
    page = client.get(url, RANGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Widget" in text
    assert "Loss" in text
    assert "Q1 2026" in text
    assert "insight-products" in text
    bad = client.get(url, {**RANGE, "period": "week"}).content.decode()
    assert "period: Choose one of: month, quarter, year." in bad
    for table, expected in (
        ("products", "Gadget,G,Hardware,2.000,50.00,60.00,-10.00,-20.0"),
        ("categories", "Hardware,2,210.00,140.00,70.00,33.3"),
        ("periods", "2026-Q2,Q2 2026,60.00,30.00,30.00,50.0"),
        ("matrix", "Widget,W,50.00,30.00,80.00"),
        ("lifetime", "Widget,W,Hardware,2025-11-10,2026-04-15,10.000,200.00,100.00,100.00,50.0"),
    ):
        export = client.get(url, {**RANGE, "table": table, "format": "csv"})
        assert export.status_code == 200, table
        assert expected in b"".join(export.streaming_content).decode(), table
    assert client.get(url, {**RANGE, "table": "nope", "format": "csv"}).status_code == 400
    marketer = make_user("marketer", username="marketer")
    assert login(marketer).get(url).status_code == 403


def test_the_api(owner: Any, sales: dict[str, Any], api: Any, make_user: Any) -> None:
    client = api(owner)
    answer = client.get("/analytics/products/profitability", RANGE)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["period"] == "quarter"
    gadget = next(p for p in body["products"] if p["name"] == "Gadget")
    assert (gadget["margin"], gadget["loss"], gadget["category"]) == ("-10.00", True, "Hardware")
    assert [p["label"] for p in body["periods"]] == ["Q1 2026", "Q2 2026"]
    widget = next(p for p in body["lifetime"] if p["name"] == "Widget")
    assert (widget["first_sale"], widget["last_sale"], widget["margin"]) == ("2025-11-10", "2026-04-15", "100.00")
    bad = client.get("/analytics/products/profitability", {"start": "2026-05-01", "end": "2026-04-01"})
    assert bad.status_code == 422
    assert "end" in bad.json()["errors"]
    assert api(make_user("marketer", username="marketer")).get("/analytics/products/profitability").status_code == 403


def test_the_query_count_grows_with_the_columns_not_the_products(owner: Any, sales: dict[str, Any]) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            products.report(owner, products.parse(RANGE))
        return len(captured)

    before = queries()
    for n in range(5):
        extra = Product.objects.create(sku=f"X{n}", name=f"Extra {n}", category=f"Cat {n}", unit_cost=D("1"))
        data.invoice(company=sales["mine"], day=datetime.date(2026, 5, 1), lines=[(extra, "1", "10", "1")])
    assert queries() == before
