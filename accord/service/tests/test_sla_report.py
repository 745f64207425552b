"""The SLA report: per team and agent, created, resolved, targets met and missed, average times and
what is open and late, exactly, over a hand-built set of tickets; the queue filter; a rep's report
of their own customers' tickets only; the same table as a CSV file."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.urls import reverse

from accord.identity.models import Role
from accord.service.models import Queue, SlaPolicy
from accord.service.selectors.reports import sla_report
from accord.service.services import sla, tickets

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
T0 = datetime.datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
NOVEMBER = {"start": datetime.date(2026, 11, 1), "end": datetime.date(2026, 11, 30)}


def _at(hours: float = 0, minutes: float = 0) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=hours, minutes=minutes)


@pytest.fixture
def world(
    admin_user: Any, owner: Any, outsider: Any, make_user: Any, make_contact: Any, team_north: Any, team_south: Any
) -> dict[str, Any]:
    """Anna (North) and Bob (South) work tickets of the rep's customer and of another rep's, under a
    policy of one hour to answer and four to resolve, day and night."""
    SlaPolicy.objects.create(name="Standard", first_response_minutes=60, resolution_minutes=240)
    anna = make_user(Role.SUPPORT_AGENT, [team_north], username="anna", last_name="Agent")
    bob = make_user(Role.SUPPORT_AGENT, [team_south], username="bob", last_name="Agent")
    Queue.objects.create(name="Support", is_default=True)
    billing = Queue.objects.create(name="Billing")
    mine = make_contact(owner, first_name="Maria")
    theirs = make_contact(outsider, first_name="Tomasz")

    def open_(contact: Any, when: datetime.datetime, assignee: Any = None, **extra: Any) -> Any:
        return tickets.create_ticket(
            actor=admin_user, contact=contact, subject="Help", body="Please.", assignee=assignee, now=when, **extra
        )

    def answer(ticket: Any, when: datetime.datetime) -> None:
        tickets.reply(actor=admin_user, ticket=ticket, body="On it.", now=when)

    def resolve(ticket: Any, when: datetime.datetime) -> None:
        tickets.update_ticket(actor=admin_user, ticket=ticket, data={"status": "resolved"}, now=when)

    # Anna: answered in 30 min and resolved in 2 h (both met); answered in 90 min and resolved in
    # 5 h (both missed); one from October resolved in November (counts as resolved only).
    t1 = open_(mine, _at(), anna)
    answer(t1, _at(minutes=30))
    resolve(t1, _at(hours=2))
    t2 = open_(mine, _at(hours=1), anna)
    answer(t2, _at(hours=1, minutes=90))
    resolve(t2, _at(hours=6))
    t5 = open_(mine, datetime.datetime(2026, 10, 20, 8, 0, tzinfo=UTC), anna)
    resolve(t5, _at(hours=1))
    # Bob: answered in 20 min, still open when its resolution falls due (late); one in Billing
    # answered in 10 min, still within its time.
    t3 = open_(theirs, _at(hours=2), bob)
    answer(t3, _at(hours=2, minutes=20))
    t6 = open_(mine, _at(hours=4), bob, queue=billing)
    answer(t6, _at(hours=4, minutes=10))
    # Nobody's: never answered, its first response late.
    open_(theirs, _at(hours=3))
    # The worker's check records what is late at 14:30.
    sla.check(now=_at(hours=6, minutes=30))
    return {"anna": anna, "bob": bob, "billing": billing, "north": team_north, "south": team_south}


def _figures(row: Any) -> dict[str, Any]:
    return {
        "created": row.created,
        "resolved": row.resolved,
        "first": (row.first_met, row.first_missed, row.first_percent),
        "resolution": (row.resolution_met, row.resolution_missed, row.resolution_percent),
        "first_average": row.first_average,
        "resolution_average": row.resolution_average,
        "open": (row.open, row.late),
    }


def test_the_figures_per_team_and_agent_are_exact(world: Any, admin_user: Any) -> None:
    report = sla_report(admin_user, **NOVEMBER)

    assert [(t.name, [a.name for a in t.agents]) for t in report.teams] == [
        ("North", ["Anna Agent"]),
        ("South", ["Bob Agent"]),
        ("Unassigned", ["Unassigned"]),
    ]
    north, south, nobody = report.teams
    anna_resolution = (datetime.timedelta(hours=2 + 5) + datetime.timedelta(days=21, hours=1)) / 3
    assert _figures(north.agents[0]) == {
        "created": 2,
        "resolved": 3,
        "first": (1, 1, 50.0),
        "resolution": (1, 1, 50.0),
        "first_average": datetime.timedelta(minutes=60),
        "resolution_average": anna_resolution,
        "open": (0, 0),
    }
    assert _figures(north) == _figures(north.agents[0])
    assert _figures(south.agents[0]) == {
        "created": 2,
        "resolved": 0,
        "first": (2, 0, 100.0),
        "resolution": (0, 1, 0.0),
        "first_average": datetime.timedelta(minutes=15),
        "resolution_average": None,
        "open": (2, 1),
    }
    assert _figures(nobody) == {
        "created": 1,
        "resolved": 0,
        "first": (0, 1, 0.0),
        "resolution": (0, 0, None),
        "first_average": None,
        "resolution_average": None,
        "open": (1, 1),
    }
    assert _figures(report.total) == {
        "created": 5,
        "resolved": 3,
        "first": (3, 2, 60.0),
        "resolution": (1, 2, 33.3),
        "first_average": datetime.timedelta(minutes=(30 + 90 + 20 + 10) / 4),
        "resolution_average": anna_resolution,
        "open": (3, 2),
    }


def test_a_period_and_a_queue_narrow_the_report(world: Any, admin_user: Any) -> None:
    billing = sla_report(admin_user, **NOVEMBER, queue=world["billing"])
    assert [(t.name, t.created, t.first_met, t.open, t.late) for t in billing.teams] == [("South", 1, 1, 1, 0)]

    october = sla_report(admin_user, start=datetime.date(2026, 10, 1), end=datetime.date(2026, 10, 31))
    assert (october.total.created, october.total.resolved, october.total.open) == (1, 0, 3)
    # The October ticket was not answered before its resolution: both of its targets missed.
    assert (october.total.first_missed, october.total.resolution_missed) == (1, 1)


def test_a_rep_sees_only_their_customers_tickets(world: Any, owner: Any, login: Any) -> None:
    report = sla_report(owner, **NOVEMBER)

    assert [(t.name, [a.name for a in t.agents]) for t in report.teams] == [
        ("North", ["Anna Agent"]),
        ("South", ["Bob Agent"]),
    ]
    assert (report.total.created, report.total.resolved, report.total.open, report.total.late) == (3, 3, 1, 0)
    bob = report.teams[1].agents[0]
    assert (bob.created, bob.first_met, bob.resolution_missed, bob.open) == (1, 1, 0, 1)

    page = login(owner).get(reverse("service:sla-report"), {"from": "2026-11-01", "to": "2026-11-30"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-stat="created">3<' in html
    assert "Unassigned" not in html
    # A rep may not export: no download link, and the file is refused.
    assert reverse("service:sla-report-export") not in html
    assert login(owner).get(reverse("service:sla-report-export")).status_code == 403


def test_the_screen_shows_the_table_and_the_filter(world: Any, admin_user: Any, login: Any) -> None:
    client = login(admin_user)

    page = client.get(reverse("service:sla-report"), {"from": "2026-11-01", "to": "2026-11-30"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-stat="created">5<' in html
    assert 'data-stat="late">2<' in html
    assert f'data-key="{world["anna"].pk}"' in html
    assert 'data-cell="first-average">1 h<' in html
    assert 'data-cell="resolution-average">7 d 2 h 40 min<' in html
    assert reverse("service:settings") in html

    billing = client.get(
        reverse("service:sla-report"), {"from": "2026-11-01", "to": "2026-11-30", "queue": str(world["billing"].pk)}
    ).content.decode()
    assert 'data-stat="created">1<' in billing

    bad = client.get(reverse("service:sla-report"), {"from": "2026-13-01", "to": "2026-11-01", "queue": "nope"})
    assert bad.status_code == 200
    assert set(bad.context["period"].errors) == {"from", "queue"}
    assert "Enter a date as YYYY-MM-DD." in bad.content.decode()
    backwards = client.get(reverse("service:sla-report"), {"from": "2026-11-30", "to": "2026-11-01"})
    assert "The start must not be after the end." in backwards.content.decode()


def test_the_table_downloads_as_csv(world: Any, admin_user: Any, login: Any) -> None:
    response = login(admin_user).get(
        reverse("service:sla-report-export"), {"from": "2026-11-01", "to": "2026-11-30", "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert rows[0][:5] == ["Row", "Team", "Agent", "Created", "Resolved"]
    body = [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[11], r[13], r[14]) for r in rows[1:]]
    assert body == [
        ("Team", "North", "", "2", "3", "1", "1", "50.0", "1.0", "0", "0"),
        ("Agent", "North", "Anna Agent", "2", "3", "1", "1", "50.0", "1.0", "0", "0"),
        ("Team", "South", "", "2", "0", "2", "0", "100.0", "0.25", "2", "1"),
        ("Agent", "South", "Bob Agent", "2", "0", "2", "0", "100.0", "0.25", "2", "1"),
        ("Team", "Unassigned", "", "1", "0", "0", "1", "0.0", "", "1", "1"),
        ("Agent", "Unassigned", "Unassigned", "1", "0", "0", "1", "0.0", "", "1", "1"),
        ("Total", "", "", "5", "3", "3", "2", "60.0", "0.62", "3", "2"),
    ]
