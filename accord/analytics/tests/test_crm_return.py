"""The return on the CRM, each indicator worked out by hand.

Adopted on 2026-03-01, windows of 28 days: before 2026-02-01 .. 02-28, after 03-01 .. 03-28;
the window before "before" (for churn) 2026-01-04 .. 01-31.

Deals (closed at noon):
  before: won 1000 (owner, created 01-22, won 02-11: 20 days), lost 02-15, lost 02-20
          -> win rate 1/3 = 33.3 %, cycle 20.0 days, revenue per rep 1000 / 1 rep
  after:  won 3000 (owner, created 03-02, won 03-12: 10 days), won 1000 (outsider, created 02-27,
          won 03-14: 15 days), lost 03-20 -> 66.7 %, 12.5 days, (3000 + 1000) / 2 reps = 2000
Tickets: before answered after 4 h and 8 h (6.0 h); after 1 h and 2 h (1.5 h); one never answered.
Invoices (gross = net) and payments:
  X 01-10 1000, paid 02-05;  Z 01-20 100, paid 01-25;  X 02-10 2000, paid 500 on 02-20, 500 on 03-05;
  Y 03-10 1400, paid 700 on 03-15
  DSO before: owed at 02-28 = 3100 - 1600 = 1500; invoiced 2000; 1500 / 2000 x 28 = 21.0 days
  DSO after:  owed at 03-28 = 4500 - 2800 = 1700; invoiced 1400; 1700 / 1400 x 28 = 34.0 days
Churn: bought 01-04..01-31 {X, Z}, in before {X}: 1 of 2 = 50.0 %; in after {Y}: X lost, 1 of 1 = 100.0 %.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accord.analytics.selectors import roi
from accord.analytics.tests import insight_data as data
from accord.service.models import Queue, Ticket

pytestmark = pytest.mark.django_db
ADOPTED = {"date": "2026-03-01", "days": "28"}
TODAY = datetime.date(2026, 6, 1)
day = datetime.date


@pytest.fixture(autouse=True)
def _base_currency(settings: Any) -> None:
    settings.DEFAULT_CURRENCY = "PLN"


def _ticket(contact: Any, created: datetime.date, hours: int | None, number: int) -> Ticket:
    opened = data.noon(created)
    return Ticket.objects.create(
        number=number,
        subject=f"Ticket {number}",
        queue=Queue.objects.get_or_create(name="Support")[0],
        contact=contact,
        created_at=opened,
        first_responded_at=opened + datetime.timedelta(hours=hours) if hours is not None else None,
    )


@pytest.fixture
def world(owner: Any, outsider: Any, make_company: Any, make_contact: Any) -> None:
    stages = data.pipeline()
    data.deal(stages, owner=owner, status="won", amount="1000", created=day(2026, 1, 22), closed=day(2026, 2, 11))
    data.deal(stages, owner=owner, status="lost", amount="500", created=day(2026, 1, 5), closed=day(2026, 2, 15))
    data.deal(stages, owner=owner, status="lost", amount="500", created=day(2026, 1, 6), closed=day(2026, 2, 20))
    data.deal(stages, owner=owner, status="won", amount="3000", created=day(2026, 3, 2), closed=day(2026, 3, 12))
    data.deal(stages, owner=outsider, status="won", amount="1000", created=day(2026, 2, 27), closed=day(2026, 3, 14))
    data.deal(stages, owner=owner, status="lost", amount="200", created=day(2026, 3, 1), closed=day(2026, 3, 20))
    contact = make_contact(owner, first_name="Ticket")
    _ticket(contact, day(2026, 2, 10), 4, 1)
    _ticket(contact, day(2026, 2, 12), 8, 2)
    _ticket(contact, day(2026, 3, 3), 1, 3)
    _ticket(contact, day(2026, 3, 4), 2, 4)
    _ticket(contact, day(2026, 3, 5), None, 5)
    x, y, z = (make_company(owner, name=name) for name in "XYZ")
    data.pay(data.invoice(company=x, day=day(2026, 1, 10), lines=[(None, "1", "1000", None)]), "1000", day(2026, 2, 5))
    data.pay(data.invoice(company=z, day=day(2026, 1, 20), lines=[(None, "1", "100", None)]), "100", day(2026, 1, 25))
    second = data.invoice(company=x, day=day(2026, 2, 10), lines=[(None, "1", "2000", None)])
    data.pay(second, "500", day(2026, 2, 20))
    data.pay(second, "500", day(2026, 3, 5))
    data.pay(data.invoice(company=y, day=day(2026, 3, 10), lines=[(None, "1", "1400", None)]), "700", day(2026, 3, 15))


def _values(user: Any) -> dict[str, tuple[Any, Any]]:
    report = roi.report(user, roi.parse(ADOPTED, today=TODAY))
    return {i.key: (i.before, i.after) for i in report.indicators}


def test_the_windows() -> None:
    params = roi.parse(ADOPTED, today=TODAY)
    assert (params.before.start, params.before.end) == (day(2026, 2, 1), day(2026, 2, 28))
    assert (params.after.start, params.after.end) == (day(2026, 3, 1), day(2026, 3, 28))
    # Without days: as many as have passed since adoption, at most a year.
    assert roi.parse({"date": "2026-05-02"}, today=TODAY).days == 30
    assert roi.parse({"date": "2024-01-01"}, today=TODAY).days == 366


def test_every_indicator_before_and_after(admin_user: Any, world: None) -> None:
    assert _values(admin_user) == {
        "win_rate": (D("33.3"), D("66.7")),
        "sales_cycle": (D("20.0"), D("12.5")),
        "revenue_per_rep": (D("1000.00"), D("2000.00")),
        "first_response": (D("6.0"), D("1.5")),
        "dso": (D("21.0"), D("34.0")),
        "churn": (D("50.0"), D("100.0")),
    }


def test_the_change_and_whether_it_is_better(admin_user: Any, world: None) -> None:
    report = roi.report(admin_user, roi.parse(ADOPTED, today=TODAY))
    found = {i.key: i for i in report.indicators}
    assert (found["win_rate"].change, found["win_rate"].improved) == (D("33.4"), True)
    assert (found["sales_cycle"].change, found["sales_cycle"].improved) == (D("-7.5"), True)
    assert found["revenue_per_rep"].change_percent == D("100.0")
    assert (found["dso"].change, found["dso"].improved) == (D("13.0"), False)
    assert found["churn"].detail_before == "1 of 2"
    assert all(i.definition for i in report.indicators)


def test_a_rep_sees_only_their_own_figures(owner: Any, outsider: Any, world: None) -> None:
    mine = _values(owner)
    # The owner's own deals and customers; the outsider (another team) sees only their one win.
    assert mine["win_rate"] == (D("33.3"), D("50.0"))
    assert mine["revenue_per_rep"] == (D("1000.00"), D("3000.00"))
    assert mine["first_response"] == (D("6.0"), D("1.5"))
    assert _values(outsider) == {
        "win_rate": (None, D("100.0")),
        "sales_cycle": (None, D("15.0")),
        "revenue_per_rep": (None, D("1000.00")),
        "first_response": (None, None),
        "dso": (None, None),
        "churn": (None, None),
    }


def test_a_role_without_amounts_gets_no_amount_indicators(make_user: Any, world: None) -> None:
    marketer = make_user("marketer", username="marketer")
    assert set(_values(marketer)) == {"win_rate", "sales_cycle", "first_response", "churn"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "date"),
        ({"date": "1.3.2026"}, "date"),
        ({"date": "0001-01-10", "days": "7"}, "date"),
        ({"date": "2026-05-30"}, "date"),  # two days ago: nothing after it to count yet
        ({"date": "2026-03-01", "days": "3"}, "days"),
        ({"date": "2026-03-01", "days": "1000"}, "days"),
        ({"date": "2026-03-01", "days": "many"}, "days"),
        ({"date": "2026-05-02", "days": "31"}, "days"),  # 30 days have passed: the window would reach tomorrow
    ],
)
def test_bad_parameters_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        roi.parse(params, today=TODAY)
    assert field in caught.value.message_dict


def test_the_screen_the_export_and_the_api(admin_user: Any, world: None, login: Any, api: Any) -> None:
    client = login(admin_user)
    url = reverse("analytics:crm-return")
    assert "Choose the day the CRM was adopted" in client.get(url).content.decode()
    page = client.get(url, ADOPTED).content.decode()
    assert "Win rate" in page
    assert "33.3%" in page
    assert "66.7%" in page
    assert "1 of 2" in page
    assert "date: Enter a date as YYYY-MM-DD." in client.get(url, {"date": "soon"}).content.decode()
    export = b"".join(client.get(url, {**ADOPTED, "format": "csv"}).streaming_content).decode()
    assert "dso,Days sales outstanding,days,21.0,34.0,13.0,61.9," in export
    body = api(admin_user).get("/analytics/roi", ADOPTED).json()
    assert body["before"] == {"start": "2026-02-01", "end": "2026-02-28"}
    churn = next(i for i in body["indicators"] if i["key"] == "churn")
    assert (churn["before"], churn["after"], churn["improved"]) == ("50.0", "100.0", False)
    missing = api(admin_user).get("/analytics/roi")
    assert missing.status_code == 422
    assert "date" in missing.json()["errors"]


def test_the_sidebar_shows_amount_reports_only_to_roles_that_see_amounts(
    owner: Any, make_user: Any, login: Any
) -> None:
    links = [reverse(f"analytics:{name}") for name in ("products-profitability", "revenue-forecast", "crm-return")]
    page = login(owner).get(reverse("analytics:crm-return")).content.decode()
    assert all(f'href="{link}"' in page for link in links)
    marketer = make_user("marketer", username="marketer")
    page = login(marketer).get(reverse("analytics:crm-return")).content.decode()
    assert [f'href="{link}"' in page for link in links] == [False, False, True]
