"""The sales dashboard and the forecast table: figures scoped to the user, filters, the CSV export,
and a constant number of queries however many deals there are."""

import datetime
import decimal
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accord.core.models import ExchangeRate
from accord.sales.models import Stage
from accord.sales.services import deals

D = decimal.Decimal
pytestmark = pytest.mark.django_db

Q1 = {"start": "2027-01-01", "end": "2027-03-31"}


def stage(name):
    return Stage.objects.get(pipeline__is_default=True, name=name)


def deal(user, name, amount, stage_name="Proposal", close=datetime.date(2027, 1, 15), currency="PLN"):
    return deals.create_deal(
        actor=user,
        data={"name": name, "amount": D(amount), "currency": currency, "expected_close": close},
        stage=stage(stage_name),
    )


@pytest.fixture
def some_deals(owner, outsider):
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2026, 1, 1), rate=D("4.30"))
    deal(owner, "Acme roll-out", "10000")  # 50% -> 5000
    deal(owner, "Euro deal", "1000", "Negotiation", datetime.date(2027, 2, 3), "EUR")  # 4300, 75% -> 3225
    deal(outsider, "Southern secret", "50000")


def test_the_dashboard_shows_the_users_figures_and_chart_data(login, owner, some_deals):
    response = login(owner).get(reverse("sales:dashboard"), Q1)

    assert response.status_code == 200
    html = response.content.decode()
    assert "chart-4.6.1.umd.min.js" in html
    charts = json.loads(html.split('id="dashboard-data" type="application/json">')[1].split("</script>")[0])
    assert charts["currency"] == "PLN"
    assert charts["months"]["weighted"] == [5000.0, 3225.0, 0.0]
    assert charts["owners"]["labels"] == ["Owner"]
    assert response.context["by_month"].total.amount == D("14300.00")
    assert "Southern secret" not in html
    # Each chart has its figures as a table too.
    assert html.count('class="chart-table"') == 4


def test_chart_js_is_loaded_only_on_the_dashboard(login, owner):
    response = login(owner).get(reverse("sales:lead-list"))

    assert "chart-4.6.1" not in response.content.decode()


def test_bad_filters_are_reported_and_the_rest_still_applies(login, owner, outsider, some_deals):
    response = login(owner).get(reverse("sales:dashboard"), {**Q1, "team": "not-an-id", "owner": str(owner.pk)})

    assert response.status_code == 200
    assert set(response.context["filter_errors"]) == {"team"}
    assert response.context["filter"].owner == owner
    assert response.context["filter"].start == datetime.date(2027, 1, 1)


def test_the_dashboard_needs_a_login(client):
    response = client.get(reverse("sales:dashboard"))

    assert response.status_code == 302


def test_the_forecast_table_groups_by_owner(login, manager, owner, some_deals):
    response = login(manager).get(reverse("sales:forecast"), {**Q1, "group": "owner"})

    assert response.status_code == 200
    result = response.context["result"]
    assert [(r.label, r.deals, r.weighted) for r in result.rows] == [("Owner", 2, D("8225.00"))]
    assert 'aria-current="true">By owner' in response.content.decode()


def test_an_unknown_grouping_falls_back_to_months_with_a_message(login, owner, some_deals):
    response = login(owner).get(reverse("sales:forecast"), {**Q1, "group": "week"})

    assert response.status_code == 200
    assert response.context["group"] == "month"
    assert "group" in response.context["filter_errors"]


def test_the_forecast_exports_as_csv(login, manager, some_deals):
    response = login(manager).get(reverse("sales:forecast"), {**Q1, "group": "month", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines == [
        "Key,Month,Deals,Amount,Weighted amount,Currency",
        "2027-01-01,January 2027,1,10000.00,5000.00,PLN",
        "2027-02-01,February 2027,1,4300.00,3225.00,PLN",
        "2027-03-01,March 2027,0,0.00,0.00,PLN",
        "total,Total,2,14300.00,8225.00,PLN",
    ]


def test_users_who_may_not_export_get_no_csv(login, owner, some_deals):
    response = login(owner).get(reverse("sales:forecast"), {**Q1, "format": "csv"})

    assert response.status_code == 403


def _dashboard_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("sales:dashboard"), Q1)
    assert response.status_code == 200
    return len(queries)


def test_the_dashboard_makes_the_same_few_queries_however_many_deals(login, owner, teammate, outsider):
    client = login(owner)
    for i in range(2):
        deal(owner, f"First {i}", "100")
    few = _dashboard_queries(client)

    for i in range(12):
        deal([owner, teammate, outsider][i % 3], f"More {i}", "100", close=datetime.date(2027, 1 + i % 3, 5))
        won = deal(owner, f"Won {i}", "100")
        deals.win_deal(actor=owner, deal=won)
    many = _dashboard_queries(client)

    assert many == few
    assert many <= 25


def test_the_forecast_page_makes_the_same_few_queries_however_many_deals(login, owner, teammate):
    client = login(owner)
    deal(owner, "First", "100")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("sales:forecast"), {**Q1, "group": "owner"})
    for i in range(10):
        deal([owner, teammate][i % 2], f"More {i}", "100")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("sales:forecast"), {**Q1, "group": "owner"})

    assert len(many) == len(few)
