"""The revenue forecast on a synthetic series whose truth is known: a trend, a yearly season and
a little noise, three years of it as invoices; the next year drawn from the same formula."""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accord.analytics.selectors import forecasting
from accord.analytics.tests import insight_data as data

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 1, 15)  # history 2023-01 .. 2025-12; the forecast from 2026-01


@pytest.fixture(autouse=True)
def _base_currency(settings: Any) -> None:
    settings.DEFAULT_CURRENCY = "PLN"


def truth(months: int) -> list[D]:
    """Month t: 10 000 + 150 t + 2 500 sin(2 pi t / 12) + noise (sd 300, a fixed seed)."""
    rng = random.Random(7)
    return [
        D(str(round(10_000 + 150 * t + 2_500 * math.sin(2 * math.pi * t / 12) + rng.gauss(0, 300), 2)))
        for t in range(months)
    ]


def _month(first: datetime.date, i: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + i
    return datetime.date(index // 12, index % 12 + 1, 1)


def invoice_series(company: Any, values: list[D], first: datetime.date) -> None:
    """One invoice on the 10th of each month from ``first``, of ``values[i]`` net."""
    for i, value in enumerate(values):
        data.invoice(company=company, day=_month(first, i).replace(day=10), lines=[(None, "1", str(value), None)])


@pytest.fixture
def seasonal(owner: Any, make_company: Any) -> list[D]:
    values = truth(48)
    invoice_series(make_company(owner, name="Steady"), values[:36], datetime.date(2023, 1, 1))
    return values


def test_history_is_the_net_revenue_per_month_to_the_last_complete_one(owner: Any, seasonal: list[D]) -> None:
    history = forecasting.monthly_revenue(owner, before=datetime.date(2026, 1, 1))
    assert [m for m, _v in history][:2] == [datetime.date(2023, 1, 1), datetime.date(2023, 2, 1)]
    assert [v for _m, v in history] == seasonal[:36]


def test_the_intervals_contain_the_truth_and_the_backtest_beats_naive(owner: Any, seasonal: list[D]) -> None:
    result = forecasting.revenue_forecast(owner, forecasting.Params(horizon=12), today=TODAY)
    assert result.method == "ETS(A,Ad,A)"  # 36 months: trend and season
    assert [p.month for p in result.points] == [_month(datetime.date(2026, 1, 1), i) for i in range(12)]
    future = seasonal[36:]
    for point, actual in zip(result.points, future, strict=True):
        assert point.lo95 <= point.lo80 <= point.mean <= point.hi80 <= point.hi95
        assert point.lo95 <= actual <= point.hi95, point.label
    test = result.backtest
    assert test is not None
    assert [r.month for r in test.rows] == [_month(datetime.date(2025, 1, 1), i) for i in range(12)]
    # The baseline repeats the month a year earlier: its errors are known exactly.
    naive_errors = [abs(seasonal[t] - seasonal[t - 12]) for t in range(24, 36)]
    assert [r.naive for r in test.rows] == seasonal[12:24]
    assert test.mae_naive == (sum(naive_errors, D(0)) / 12).quantize(D("0.01"))
    assert test.mae_model < test.mae_naive
    assert test.beats_naive
    assert test.mape_model is not None
    assert test.mape_naive is not None
    assert test.mape_model < test.mape_naive


def test_with_one_to_two_years_no_season(owner: Any, make_company: Any) -> None:
    invoice_series(make_company(owner, name="Young"), truth(18), datetime.date(2024, 7, 1))
    result = forecasting.revenue_forecast(owner, forecasting.Params(horizon=6), today=TODAY)
    assert (result.method, len(result.points)) == ("ETS(A,Ad,N)", 6)
    assert result.backtest is not None
    assert len(result.backtest.rows) == 6


def test_too_little_history_says_so_and_keeps_the_pipeline(
    owner: Any, make_company: Any, api: Any, manager: Any
) -> None:
    company = make_company(owner, name="New")
    invoice_series(company, truth(5), datetime.date(2025, 8, 1))
    stages = data.pipeline()
    data.deal(
        stages,
        owner=owner,
        status="open",
        amount="1000",
        created=datetime.date(2025, 12, 1),
        expected_close=datetime.date(2026, 2, 20),
    )
    result = forecasting.revenue_forecast(owner, forecasting.Params(), today=TODAY)
    assert (result.enough, result.method, result.backtest) == (False, None, None)
    assert len(result.history) == 5
    assert result.pipeline_total == D("500.00")  # 1000 at the stage's 50 %
    # Every month ahead is still there with the pipeline, and no model figure.
    assert [(p.month, p.pipeline_weighted, p.mean, p.hi95) for p in result.points[:2]] == [
        (datetime.date(2026, 1, 1), D("0.00"), None, None),
        (datetime.date(2026, 2, 1), D("500.00"), None, None),
    ]
    assert len(result.points) == 12


def test_the_pipeline_beside_the_forecast(owner: Any, seasonal: list[D]) -> None:
    stages = data.pipeline()
    data.deal(
        stages,
        owner=owner,
        status="open",
        amount="1000",
        created=datetime.date(2025, 12, 1),
        expected_close=datetime.date(2026, 2, 20),
    )
    result = forecasting.revenue_forecast(owner, forecasting.Params(horizon=6), today=TODAY)
    pipeline = {p.month: (p.pipeline_deals, p.pipeline_weighted) for p in result.points}
    assert pipeline[datetime.date(2026, 2, 1)] == (1, D("500.00"))
    assert pipeline[datetime.date(2026, 1, 1)] == (0, D("0.00"))


def test_a_rep_forecasts_from_their_own_invoices_only(owner: Any, outsider: Any, seasonal: list[D]) -> None:
    assert forecasting.monthly_revenue(outsider, before=datetime.date(2026, 1, 1)) == []
    result = forecasting.revenue_forecast(outsider, forecasting.Params(), today=TODAY)
    assert not result.enough


@pytest.mark.parametrize("raw", ["5", "13", "twelve", "-1"])
def test_a_bad_horizon_names_the_field(raw: str) -> None:
    with pytest.raises(ValidationError) as caught:
        forecasting.parse({"horizon": raw})
    assert list(caught.value.message_dict) == ["horizon"]


def test_the_screen_the_export_and_the_api(manager: Any, owner: Any, make_company: Any, login: Any, api: Any) -> None:
    current = timezone.localdate().replace(day=1)
    values = truth(30)
    invoice_series(make_company(owner, name="Steady"), values, _month(current, -30))
    client = login(manager)
    url = reverse("analytics:revenue-forecast")
    page = client.get(url, {"horizon": "6"}).content.decode()
    assert "ETS(A,Ad,A)" in page
    assert "Better than the baseline" in page
    assert "insight-forecast" in page
    bad = client.get(url, {"horizon": "40"}).content.decode()
    assert "horizon: Choose a number of months from 6 to 12." in bad
    export = b"".join(client.get(url, {"horizon": "6", "format": "csv"}).streaming_content).decode()
    assert export.startswith("Month,Kind,Revenue,Forecast")
    assert export.count("forecast,") == 6
    assert export.count("history,") == 30
    backtest = b"".join(client.get(url, {"table": "backtest", "format": "csv"}).streaming_content).decode()
    assert backtest.count("\r\n") == 1 + 12
    body = api(manager).get("/analytics/forecast", {"horizon": "6"}).json()
    assert (body["method"], len(body["forecast"]), body["backtest"]["months"]) == ("ETS(A,Ad,A)", 6, 12)
    assert body["history"][0] == {"month": f"{_month(current, -30):%Y-%m}", "revenue": str(values[0])}
    assert api(manager).get("/analytics/forecast", {"horizon": "2"}).json()["errors"].keys() == {"horizon"}


def test_the_screen_with_too_little_history(owner: Any, login: Any, api: Any) -> None:
    page = login(owner).get(reverse("analytics:revenue-forecast")).content.decode()
    assert "A forecast needs at least 12 months of revenue; there are 0 months so far." in page
    body = api(owner).get("/analytics/forecast").json()
    assert (body["method"], body["backtest"], len(body["forecast"])) == (None, None, 12)
    assert body["forecast"][0]["forecast"] is None
    assert body["message"] == "At least 12 months of revenue are needed for a forecast; there are 0."
