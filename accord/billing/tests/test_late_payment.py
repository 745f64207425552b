"""Statutory interest and the recovery compensation, worked out by hand for each case."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest

from accord.billing.late_payment import (
    InterestRate,
    LatePaymentError,
    Settlement,
    compensation,
    compensation_in_euros,
    compensation_rate_day,
    interest,
)

RATES = [InterestRate(datetime.date(2024, 1, 1), D("15.75"))]


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def test_thirty_days_late_on_the_whole_amount() -> None:
    # 10,000 x 15.75% x 30 / 365 = 129.452... ; 11 January to 9 February inclusive is 30 days.
    result = interest(amount=D("10000"), due_date=day("2026-01-10"), until=day("2026-02-09"), rates=RATES)
    assert result.total == D("129.45")
    assert [(s.first_day, s.last_day, s.days) for s in result.stretches] == [(day("2026-01-11"), day("2026-02-09"), 30)]


def test_a_partial_payment_lowers_the_amount_from_the_next_day() -> None:
    # 11-20 January on 10,000 (43.1507), 21-30 January on 6,000 (25.8904): 69.0411.
    result = interest(
        amount=D("10000"),
        due_date=day("2026-01-10"),
        until=day("2026-01-30"),
        rates=RATES,
        payments=[Settlement(day("2026-01-20"), D("4000")), Settlement(day("2026-01-30"), D("6000"))],
    )
    assert result.total == D("69.04")
    assert [(s.principal, s.days) for s in result.stretches] == [(D("10000"), 10), (D("6000"), 10)]


def test_a_new_rate_period_splits_the_stretch() -> None:
    rates = [InterestRate(day("2025-01-01"), D("15.75")), InterestRate(day("2025-07-01"), D("14.00"))]
    # 21-30 June at 15.75% (10 days: 43.1507), 1-10 July at 14% (10 days: 38.3562): 81.5069.
    result = interest(amount=D("10000"), due_date=day("2025-06-20"), until=day("2025-07-10"), rates=rates)
    assert result.total == D("81.51")
    assert [s.annual_percent for s in result.stretches] == [D("15.75"), D("14.00")]


def test_nothing_is_owed_when_paid_on_time_or_not_yet_late() -> None:
    on_time = interest(
        amount=D("500"),
        due_date=day("2026-03-01"),
        until=day("2026-04-01"),
        rates=RATES,
        payments=[Settlement(day("2026-03-01"), D("500"))],
    )
    assert on_time.total == D("0.00")
    assert interest(amount=D("500"), due_date=day("2026-03-01"), until=day("2026-03-01"), rates=RATES).total == 0


def test_an_early_partial_payment_only_lowers_the_principal() -> None:
    result = interest(
        amount=D("1000"),
        due_date=day("2026-03-01"),
        until=day("2026-03-11"),
        rates=RATES,
        payments=[Settlement(day("2026-02-20"), D("400"))],
    )
    # 600 x 15.75% x 10 / 365 = 2.5890...
    assert result.total == D("2.59")


def test_a_day_without_a_rate_is_an_error_naming_the_day() -> None:
    with pytest.raises(LatePaymentError, match="2023-12-31"):
        interest(amount=D("100"), due_date=day("2023-12-30"), until=day("2024-01-05"), rates=RATES)


@pytest.mark.parametrize(
    ("amount", "euros"),
    [
        (D("0.01"), D("40")),
        (D("5000.00"), D("40")),
        (D("5000.01"), D("70")),
        (D("49999.99"), D("70")),
        (D("50000.00"), D("100")),
        (D("1000000"), D("100")),
    ],
)
def test_compensation_bands(amount: D, euros: D) -> None:
    assert compensation_in_euros(amount) == euros


def test_compensation_in_zloty_at_the_month_before_due() -> None:
    assert compensation(D("12000"), D("4.2543")) == (D("70"), D("297.80"))
    assert compensation_rate_day(day("2026-03-15")) == day("2026-02-28")
    assert compensation_rate_day(day("2026-01-01")) == day("2025-12-31")
    with pytest.raises(LatePaymentError):
        compensation(D("100"), D("0"))
