"""Retention by cohort on hand-built orders whose answer is worked out below.

Today is 15 June 2026 and four cohorts are shown: March to June.
  A (a contact of the owner): orders on 10 March, 5 April, 1 June -> March cohort, back in months 1 and 3
  B (the outsider's contact): 20 March                           -> March cohort
  C (the owner's company): 12 April, 3 May                       -> April cohort, back in month 1
  D (the owner's contact): 20 May                                -> May cohort
  E (the owner's contact): 5 January, 1 April                    -> January's cohort: not shown
  F: a draft order in March                                       -> not a purchase
So the administrator sees March 2 customers (month 1: 1, month 2: 0, month 3: 1), April 1 (1, 0),
May 1 (0), June 0; the owner, who may not see B, sees March with A alone.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from accord.analytics.selectors.cohorts import retention
from accord.analytics.tests.factories import AS_OF, order

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)


def _on(day: str) -> int:
    return (AS_OF - datetime.date.fromisoformat(day)).days


@pytest.fixture
def orders(owner: Any, outsider: Any, make_contact: Any, make_company: Any) -> dict[str, Any]:
    a = make_contact(owner, first_name="A")
    b = make_contact(outsider, first_name="B")
    c = make_company(owner, name="C")
    d = make_contact(owner, first_name="D")
    e = make_contact(owner, first_name="E")
    f = make_contact(owner, first_name="F")
    line = [(None, "1", "100")]
    for day in ("2026-03-10", "2026-04-05", "2026-06-01"):
        order(contact=a, days_before=_on(day), lines=line)
    order(contact=b, days_before=_on("2026-03-20"), lines=line)
    for day in ("2026-04-12", "2026-05-03"):
        order(company=c, days_before=_on(day), lines=line)
    order(contact=d, days_before=_on("2026-05-20"), lines=line, status="fulfilled")
    for day in ("2026-01-05", "2026-04-01"):
        order(contact=e, days_before=_on(day), lines=line)
    order(contact=f, days_before=_on("2026-03-15"), lines=line, status="draft")
    return {"A": a, "B": b}


def _table(result: Any) -> list[tuple[str, int, list[int | None]]]:
    return [(c.month.isoformat(), c.customers, c.active) for c in result.cohorts]


def test_the_cohorts_are_worked_out(orders: dict[str, Any], admin_user: Any) -> None:
    result = retention(admin_user, months=4, today=TODAY)

    assert _table(result) == [
        ("2026-03-01", 2, [2, 1, 0, 1]),
        ("2026-04-01", 1, [1, 1, 0]),
        ("2026-05-01", 1, [1, 0]),
        ("2026-06-01", 0, [0]),
    ]
    assert result.cohorts[0].shares == [100.0, 50.0, 0.0, 50.0]
    # Month 1 over the cohorts that reached it: (1 + 1 + 0) of (2 + 1 + 1) customers.
    assert result.average[:2] == [100.0, 50.0]


def test_a_rep_counts_only_the_orders_they_may_see(orders: dict[str, Any], owner: Any) -> None:
    result = retention(owner, months=4, today=TODAY)

    assert _table(result)[0] == ("2026-03-01", 1, [1, 1, 0, 1])


def test_the_page_shows_the_triangle_and_exports_it(login: Any, admin_user: Any, orders: dict[str, Any]) -> None:
    client = login(admin_user)
    page = client.get(reverse("analytics:cohorts"), {"months": "12"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-cohort-table" in html
    assert "Retention by cohort" in html

    export = client.get(reverse("analytics:cohorts"), {"months": "12", "format": "csv"})
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("First purchase,Customers,Month 0,Month 1")


def test_a_wrong_number_of_months_is_named(login: Any, api: Any, admin_user: Any) -> None:
    page = login(admin_user).get(reverse("analytics:cohorts"), {"months": "99"})
    assert page.status_code == 422
    assert "Choose between 3 and 36 months." in page.content.decode()

    answer = api(admin_user).get("/api/v1/analytics/cohorts", {"months": "abc"})
    assert answer.status_code == 422
    assert answer.json()["errors"]["months"] == ["Enter a whole number."]


def test_the_api_gives_the_cohorts(api: Any, admin_user: Any, orders: dict[str, Any]) -> None:
    answer = api(admin_user).get("/api/v1/analytics/cohorts", {"months": "36"})
    assert answer.status_code == 200
    body = answer.json()
    assert len(body["cohorts"]) == 36
    march = next(c for c in body["cohorts"] if c["month"] == "2026-03-01")
    assert march["customers"] == 2
    assert march["active"][:4] == [2, 1, 0, 1]
    assert march["shares"][:4] == [100.0, 50.0, 0.0, 50.0]
