"""Lifetime values from hand-built orders: the summary worked out by hand, each customer's figures
against the paper's formulas evaluated here with the run's own parameters."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from scipy import special

from accord.analytics.models import CustomerLifetime, LifetimeFit
from accord.analytics.services import lifetime
from accord.analytics.services.classification import classify
from accord.analytics.tests.factories import AS_OF, order
from accord.billing.models import Order
from accord.core.models import Event

pytestmark = pytest.mark.django_db

D = decimal.Decimal


def _row(customer: Any) -> CustomerLifetime:
    if customer._meta.model_name == "company":
        return CustomerLifetime.objects.get(company=customer)
    return CustomerLifetime.objects.get(contact=customer)


def _p_alive(fit: LifetimeFit, x: float, t_x: float, t: float) -> float:
    """Equation 11 of the BG/NBD paper."""
    if x == 0:
        return 1.0
    assert fit.r is not None
    assert fit.alpha is not None
    assert fit.a is not None
    assert fit.b is not None
    return 1 / (1 + fit.a / (fit.b + x - 1) * ((fit.alpha + t) / (fit.alpha + t_x)) ** (fit.r + x))


def _expected(fit: LifetimeFit, x: float, t_x: float, t: float, horizon: float) -> float:
    """Equation 10 of the BG/NBD paper, as printed."""
    assert fit.r is not None
    assert fit.alpha is not None
    assert fit.a is not None
    assert fit.b is not None
    r, alpha, a, b = fit.r, fit.alpha, fit.a, fit.b
    z = horizon / (alpha + t + horizon)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + t) / (alpha + t + horizon)) ** (r + x) * hyp)
        * _p_alive(fit, x, t_x, t)
    )


def _clv(fit: LifetimeFit, x: float, t_x: float, t: float, value: float, ratio: float) -> float:
    """Twelve months' purchases, each month's discounted at 10 % a year, times value and ratio."""
    month = 365.25 / 12 / 7
    total, before = 0.0, 0.0
    for k in range(1, 13):
        cumulative = _expected(fit, x, t_x, t, month * k)
        total += (cumulative - before) / 1.1 ** (k / 12)
        before = cumulative
    return total * value * ratio


def test_every_customer_gets_figures_from_the_fit(population: dict[str, Any]) -> None:
    # When
    result = lifetime.estimate(as_of=AS_OF)

    # Then
    fit = LifetimeFit.objects.get()
    assert (result.outcome, result.customers, result.repeat_customers) == ("fitted", 40, 19)
    assert (fit.customers, fit.repeat_customers, fit.time_unit) == (40, 19, "weeks")
    assert fit.bgnbd_converged
    # The means of the repeat values hardly spread less with more purchases than with few: the
    # Gamma-Gamma's p runs away and the expected value falls back on the customers' own means.
    assert not fit.gamma_gamma_converged
    assert fit.bgnbd_log_likelihood is not None
    assert fit.bgnbd_log_likelihood < 0
    assert CustomerLifetime.objects.count() == 40
    assert all(row.as_of == AS_OF for row in CustomerLifetime.objects.all())


def test_a_customer_with_one_order(population: dict[str, Any]) -> None:
    """No repeat purchase: the BG/NBD counts it alive (P = 1); without a Gamma-Gamma fit its order
    value is the mean of all repeat purchases; no cost is known: CLV on revenue."""
    lifetime.estimate(as_of=AS_OF)
    fit = LifetimeFit.objects.get()
    row = _row(population["single"])

    assert (row.frequency, row.recency, row.age) == (0, 0.0, 10.0)
    assert row.mean_order_value is None
    assert row.margin_ratio is None
    assert (row.p_alive, row.churn_risk) == (1.0, "low")
    assert row.expected_purchases == pytest.approx(_expected(fit, 0, 0, 10, 365.25 / 7), rel=1e-6)
    repeaters = CustomerLifetime.objects.filter(frequency__gt=0)
    repeat_value = sum(r.frequency * r.mean_order_value for r in repeaters)
    overall = float(repeat_value / sum(r.frequency for r in repeaters))
    assert float(row.expected_order_value) == pytest.approx(overall, abs=0.006)
    assert float(row.clv) == pytest.approx(_clv(fit, 0, 0, 10, overall, 1.0), abs=0.01)


def test_a_customer_who_bought_weekly_and_stopped_is_a_high_churn_risk(population: dict[str, Any]) -> None:
    lifetime.estimate(as_of=AS_OF)
    fit = LifetimeFit.objects.get()
    row = _row(population["stopped"])

    assert (row.frequency, row.recency, row.age) == (9, 9.0, 49.0)
    assert row.mean_order_value == D("100.00")
    assert row.p_alive == pytest.approx(_p_alive(fit, 9, 9, 49), rel=1e-6)
    assert row.p_alive < 0.3
    assert row.churn_risk == "high"
    assert row.expected_purchases == pytest.approx(_expected(fit, 9, 9, 49, 365.25 / 7), rel=1e-6)
    assert row.expected_purchases < 1


def test_a_regular_company_is_alive_and_valued_on_its_margin(population: dict[str, Any]) -> None:
    """Its own mean repeat value (no Gamma-Gamma fit), at its margin ratio."""
    lifetime.estimate(as_of=AS_OF)
    fit = LifetimeFit.objects.get()
    row = _row(population["regular"])

    assert (row.frequency, row.recency, row.age) == (25, 50.0, 51.0)
    assert row.mean_order_value == D("300.00")
    assert row.margin_ratio == pytest.approx(5140 / 7740)
    assert row.p_alive > 0.9
    assert row.churn_risk == "low"
    assert row.expected_order_value == D("300.00")
    assert float(row.clv) == pytest.approx(_clv(fit, 25, 50, 51, 300, 5140 / 7740), abs=0.01)
    assert row.expected_purchases > _row(population["stopped"]).expected_purchases


def test_too_few_customers_is_not_enough_history(owner: Any, make_contact: Any) -> None:
    # Given: five customers, two of them repeat buyers
    for n in range(5):
        buyer = make_contact(owner, first_name=f"Few{n}")
        for k in range(1 + n % 2):
            order(contact=buyer, days_before=10 + 30 * k, lines=[(None, "1", "100")])

    # When
    result = lifetime.estimate(as_of=AS_OF)

    # Then
    assert (result.outcome, result.customers, result.repeat_customers) == ("not_enough_history", 5, 2)
    fit = LifetimeFit.objects.get()
    assert fit.outcome == "not_enough_history"
    assert fit.r is None
    assert fit.p is None
    assert not fit.bgnbd_converged
    assert not CustomerLifetime.objects.exists()
    event = Event.objects.get(name="analytics.lifetime.computed")
    assert event.payload == {
        "as_of": "2026-06-30",
        "outcome": "not_enough_history",
        "customers": 5,
        "repeat_customers": 2,
    }


def test_no_orders_at_all_is_not_enough_history(db: Any) -> None:
    result = lifetime.estimate(as_of=AS_OF)

    assert (result.outcome, result.customers) == ("not_enough_history", 0)
    assert not CustomerLifetime.objects.exists()


def test_a_run_replaces_the_previous_figures_whole(population: dict[str, Any]) -> None:
    # Given
    lifetime.estimate(as_of=AS_OF)
    before = set(CustomerLifetime.objects.values_list("pk", flat=True))
    Order.objects.filter(contact=population["single"]).update(status="cancelled")

    # When: a week on
    later = AS_OF + datetime.timedelta(days=7)
    lifetime.estimate(as_of=later)

    # Then
    rows = CustomerLifetime.objects.all()
    assert rows.count() == 39
    assert not rows.filter(contact=population["single"]).exists()
    assert not before & set(rows.values_list("pk", flat=True))
    assert {row.as_of for row in rows} == {later}
    assert _row(population["stopped"]).age == 50.0
    assert LifetimeFit.objects.count() == 2
    assert Event.objects.filter(name="analytics.lifetime.computed").count() == 2


def test_a_run_with_too_little_history_removes_the_previous_figures(population: dict[str, Any]) -> None:
    # Given
    lifetime.estimate(as_of=AS_OF)

    # When: as of a day before almost every order
    lifetime.estimate(as_of=AS_OF - datetime.timedelta(days=330))

    # Then
    assert not CustomerLifetime.objects.exists()
    assert LifetimeFit.objects.first().outcome == "not_enough_history"  # type: ignore[union-attr]


def test_orders_that_do_not_count_change_nothing(population: dict[str, Any]) -> None:
    # Given
    lifetime.estimate(as_of=AS_OF)
    before = _row(population["single"])
    single = population["single"]
    order(contact=single, days_before=1, lines=[(None, "1", "9000")], status="draft")
    order(contact=single, days_before=2, lines=[(None, "1", "9000")], status="cancelled")
    order(contact=single, days_before=3, lines=[(None, "1", "9000")], currency="EUR")
    order(contact=single, days_before=-1, lines=[(None, "1", "9000")])  # after as_of

    # When
    lifetime.estimate(as_of=AS_OF)

    # Then
    after = _row(single)
    assert (after.frequency, after.recency, after.age) == (before.frequency, before.recency, before.age)


def test_two_orders_on_one_day_are_one_transaction(population: dict[str, Any]) -> None:
    # Given: a second order on the day of the single buyer's first
    order(contact=population["single"], days_before=70, lines=[(None, "1", "250")])

    # When
    lifetime.estimate(as_of=AS_OF)

    # Then
    assert _row(population["single"]).frequency == 0


def test_classify_runs_the_lifetime_values_after_rfm_and_abc(population: dict[str, Any]) -> None:
    seen: list[tuple[int, int]] = []

    result = classify(as_of=AS_OF, progress=lambda done, total: seen.append((done, total)))

    assert seen == [(n, 8) for n in range(1, 9)]
    assert result.lifetime_result is not None
    assert result.lifetime_result.outcome == "fitted"
    assert CustomerLifetime.objects.count() == 40
