"""The forecast and the effectiveness figures, on small datasets computed by hand: weighted by the
stage's probability, converted to the base currency (PLN), scoped by the access policy."""

import datetime
import decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.core.models import ExchangeRate
from accord.sales.models import Deal, LostReason, Stage
from accord.sales.selectors import forecast as fc
from accord.sales.services import deals

D = decimal.Decimal
pytestmark = pytest.mark.django_db

Q1 = {"start": "2027-01-01", "end": "2027-03-31"}


def stage(name):
    return Stage.objects.get(pipeline__is_default=True, name=name)


def deal(user, name, amount, stage_name, close=None, currency="PLN"):
    return deals.create_deal(
        actor=user,
        data={"name": name, "amount": D(amount), "currency": currency, "expected_close": close},
        stage=stage(stage_name),
    )


@pytest.fixture
def pipeline_q1(owner, teammate, outsider):
    """Open deals expected to close in the first quarter of 2027 (and two that are not in it)."""
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2026, 1, 1), rate=D("4.30"))
    deal(owner, "A", "10000", "Proposal", datetime.date(2027, 1, 15))  # 50% -> 5000
    deal(owner, "B", "1000", "Negotiation", datetime.date(2027, 1, 20), "EUR")  # 4300 PLN, 75% -> 3225
    deal(teammate, "C", "2000", "Qualification", datetime.date(2027, 3, 5))  # 10% -> 200
    deal(outsider, "D", "50000", "Proposal", datetime.date(2027, 2, 10))  # 50% -> 25000, team South
    deal(owner, "E", "9999", "Proposal", datetime.date(2027, 4, 1))  # after the period
    deal(owner, "F", "7777", "Won", datetime.date(2027, 1, 10))  # won: not forecast any more


def rows(result):
    return [(r.label, r.deals, r.amount, r.weighted) for r in result.rows]


def test_forecast_by_month_weights_by_stage_and_converts_currencies(admin_user, pipeline_q1):
    result = fc.forecast(admin_user, fc.parse_filter(Q1), "month")

    assert result.currency == "PLN"
    assert [(r.key, r.deals, r.amount, r.weighted) for r in result.rows] == [
        ("2027-01-01", 2, D("14300.00"), D("8225.00")),
        ("2027-02-01", 1, D("50000.00"), D("25000.00")),
        ("2027-03-01", 1, D("2000.00"), D("200.00")),
    ]
    assert (result.total.deals, result.total.amount, result.total.weighted) == (4, D("66300.00"), D("33425.00"))
    assert result.missing_rates == []


def test_a_reps_forecast_leaves_out_other_teams_deals(owner, pipeline_q1):
    result = fc.forecast(owner, fc.parse_filter(Q1), "month")

    assert [r.weighted for r in result.rows] == [D("8225.00"), D("0.00"), D("200.00")]
    assert (result.total.deals, result.total.amount) == (3, D("16300.00"))


def test_forecast_by_owner_and_by_team(manager, admin_user, owner, teammate, outsider, pipeline_q1):
    by_owner = fc.forecast(admin_user, fc.parse_filter(Q1), "owner")
    by_team = fc.forecast(admin_user, fc.parse_filter(Q1), "team")

    assert rows(by_owner) == [
        ("Outsider", 1, D("50000.00"), D("25000.00")),
        ("Owner", 2, D("14300.00"), D("8225.00")),
        ("Teammate", 1, D("2000.00"), D("200.00")),
    ]
    assert rows(by_team) == [("South", 1, D("50000.00"), D("25000.00")), ("North", 3, D("16300.00"), D("8425.00"))]
    # The manager of North sees North's deals only.
    assert rows(fc.forecast(manager, fc.parse_filter(Q1), "team")) == [("North", 3, D("16300.00"), D("8425.00"))]


def test_forecast_filters_by_owner_and_team(admin_user, teammate, team_south, pipeline_q1):
    only_teammate = fc.forecast(admin_user, fc.parse_filter({**Q1, "owner": str(teammate.pk)}), "owner")
    only_south = fc.forecast(admin_user, fc.parse_filter({**Q1, "team": str(team_south.pk)}), "month")

    assert rows(only_teammate) == [("Teammate", 1, D("2000.00"), D("200.00"))]
    assert only_south.total.weighted == D("25000.00")


def test_a_currency_without_a_rate_is_named_not_counted_one_to_one(admin_user, owner, pipeline_q1):
    deal(owner, "G", "100", "Proposal", datetime.date(2027, 2, 1), "USD")

    result = fc.forecast(admin_user, fc.parse_filter(Q1), "month")

    assert result.missing_rates == ["USD"]
    assert result.total.amount == D("66300.00")


def _close(deal_obj, *, created, closed):
    tz = timezone.get_current_timezone()
    Deal.objects.filter(pk=deal_obj.pk).update(
        created_at=datetime.datetime.combine(created, datetime.time(9), tzinfo=tz),
        closed_at=datetime.datetime.combine(closed, datetime.time(9), tzinfo=tz),
    )


def _lost(user, name, amount, reason, closed):
    lost = deals.create_deal(
        actor=user,
        data={"name": name, "amount": D(amount)},
        stage=stage("Lost"),
        lost_reason=LostReason.objects.get(name=reason),
    )
    _close(lost, created=closed - datetime.timedelta(days=3), closed=closed)


@pytest.fixture
def closed_q1(owner, teammate, outsider):
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2026, 1, 1), rate=D("4.30"))
    won1 = deal(owner, "W1", "3000", "Won")
    _close(won1, created=datetime.date(2027, 1, 1), closed=datetime.date(2027, 1, 11))  # 10 days
    won2 = deal(owner, "W2", "1000", "Won", currency="EUR")
    _close(won2, created=datetime.date(2027, 1, 5), closed=datetime.date(2027, 1, 25))  # 20 days
    _lost(owner, "L1", "500", "Price", datetime.date(2027, 2, 1))
    _lost(teammate, "L2", "700", "Price", datetime.date(2027, 2, 2))
    _lost(owner, "L3", "800", "Timing", datetime.date(2027, 3, 31))
    _lost(outsider, "L4", "900", "Timing", datetime.date(2027, 3, 1))  # team South
    _lost(owner, "L5", "100", "Price", datetime.date(2027, 4, 1))  # after the period


def test_win_rate_sales_cycle_and_lost_reasons_of_the_period(owner, closed_q1):
    result = fc.metrics(owner, fc.parse_filter(Q1))

    assert (result.won_deals, result.won_amount, result.lost_deals, result.lost_amount) == (
        2,
        D("7300.00"),
        3,
        D("2000.00"),
    )
    assert result.win_rate == D("40.0")
    assert result.average_cycle_days == D("15.0")
    assert [(r.name, r.deals, r.amount, r.share) for r in result.lost_reasons] == [
        ("Price", 2, D("1200.00"), D("66.7")),
        ("Timing", 1, D("800.00"), D("33.3")),
    ]


def test_an_admin_counts_every_teams_closed_deals(admin_user, closed_q1):
    result = fc.metrics(admin_user, fc.parse_filter(Q1))

    assert (result.won_deals, result.lost_deals, result.win_rate) == (2, 4, D("33.3"))


def test_conversion_from_stage_to_stage_follows_the_stage_history(owner, admin_user):
    d1 = deal(owner, "Stays", "100", "Qualification")
    d2 = deal(owner, "Proposal reached", "100", "Qualification")
    deals.move_deal(
        actor=owner, deal=deals.move_deal(actor=owner, deal=d2, stage=stage("Needs analysis")), stage=stage("Proposal")
    )
    d3 = deal(owner, "Skipped and won", "100", "Qualification")
    deals.win_deal(actor=owner, deal=deals.move_deal(actor=owner, deal=d3, stage=stage("Proposal")))
    d4 = deal(owner, "Lost later", "100", "Qualification")
    d4 = deals.move_deal(actor=owner, deal=d4, stage=stage("Needs analysis"))
    deals.lose_deal(actor=owner, deal=d4, reason=LostReason.objects.get(name="Price"))
    assert d1.pk
    today = timezone.localdate()
    flt = fc.parse_filter({"start": str(today - datetime.timedelta(days=1)), "end": str(today)})

    result = fc.conversion(owner, flt, stage("Won").pipeline)

    assert [(r.name, r.reached, r.to_next, r.to_won) for r in result] == [
        ("Qualification", 4, D("75.0"), D("25.0")),
        ("Needs analysis", 3, D("66.7"), D("33.3")),
        ("Proposal", 2, D("50.0"), D("50.0")),
        ("Negotiation", 1, D("100.0"), D("100.0")),
        ("Won", 1, None, D("100.0")),
    ]


def test_named_periods_cover_whole_months():
    today = datetime.date(2026, 11, 15)

    assert fc.period_dates("this_quarter", today) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    assert fc.period_dates("next_quarter", today) == (datetime.date(2027, 1, 1), datetime.date(2027, 3, 31))
    assert fc.period_dates("last_12_months", today) == (datetime.date(2025, 12, 1), datetime.date(2026, 11, 30))
    assert fc.parse_filter({}, today=today).period == "this_quarter"


def test_bad_filters_are_named_field_by_field(db):
    with pytest.raises(ValidationError) as caught:
        fc.parse_filter({"period": "someday", "pipeline": "nope", "owner": "7d2b0d7e-0000-4000-8000-000000000000"})

    assert set(caught.value.message_dict) == {"period", "pipeline", "owner"}
    with pytest.raises(ValidationError) as caught:
        fc.parse_filter({"start": "2027-02-01", "end": "2027-01-01"})
    assert set(caught.value.message_dict) == {"end"}


# --- API ---------------------------------------------------------------------------------------------


def test_api_forecast_by_month(api, owner, pipeline_q1):
    response = api(owner).get("/sales/forecast", {"group": "month", **Q1})

    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "PLN"
    assert body["period"] == {"period": "custom", "start": "2027-01-01", "end": "2027-03-31"}
    assert [(r["key"], r["deals"], D(r["weighted"])) for r in body["rows"]] == [
        ("2027-01-01", 2, D("8225.00")),
        ("2027-02-01", 0, D("0")),
        ("2027-03-01", 1, D("200.00")),
    ]
    assert D(body["total"]["amount"]) == D("16300.00")


def test_api_metrics(api, owner, closed_q1):
    response = api(owner).get("/sales/metrics", Q1)

    assert response.status_code == 200
    body = response.json()
    assert (body["won_deals"], D(body["win_rate"]), D(body["average_cycle_days"])) == (2, D("40.0"), D("15.0"))
    assert [(r["name"], r["deals"]) for r in body["lost_reasons"]] == [("Price", 2), ("Timing", 1)]
    assert body["conversion"][0]["name"] == "Qualification"


def test_api_rejects_bad_parameters_field_by_field(api, owner):
    client = api(owner)

    response = client.get("/sales/forecast", {"group": "week", "period": "soon", "team": "x"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"group", "period", "team"}

    response = client.get("/sales/metrics", {"start": "2027-13-01", "end": "2027-01-01"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"start"}

    response = client.get("/sales/metrics", {"period": "custom", "start": "2027-01-01"})
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"end"}


def test_api_needs_authentication(api, db):
    assert api(None).get("/sales/forecast").status_code == 401
