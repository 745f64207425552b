"""The satisfaction and complaints reports computed from known surveys and tickets: per agent,
team and week, response rate and averages; complaints per period, company and queue, open against
resolved; scoped to the tickets the user may see; the pages and their CSV files."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from accord.identity.models import Role
from accord.messaging.models import Message
from accord.service.models import Queue, SatisfactionSurvey
from accord.service.selectors import feedback as selectors
from accord.service.services import feedback, tickets

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
LINK = re.compile(r"/service/survey/([A-Za-z0-9_-]+)/")


def _at(day: int, month: int = 11) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(
    admin_user: Any,
    owner: Any,
    outsider: Any,
    make_user: Any,
    make_contact: Any,
    make_company: Any,
    team_north: Any,
    team_south: Any,
) -> dict[str, Any]:
    """Anna (North's Hardware queue) resolves two tickets in the week of 2 November, answered 5
    and 3; Bob (South's Billing queue) two in the week of 9 November, one answered 4; one from
    October is outside the period."""
    anna = make_user(Role.SUPPORT_AGENT, [team_north], username="anna", last_name="Agent")
    bob = make_user(Role.SUPPORT_AGENT, [team_south], username="bob", last_name="Agent")
    hardware = Queue.objects.create(name="Hardware", team=team_north, is_default=True)
    billing = Queue.objects.create(name="Billing", team=team_south)
    acme = make_company(owner, name="Acme")
    mine = make_contact(owner, first_name="Maria", emails=[{"email": "maria@example.com"}])
    theirs = make_contact(outsider, first_name="Tomasz", emails=[{"email": "tomasz@example.com"}])
    walk_in = make_contact(owner, first_name="Jan")  # no address: closing their complaint sends no survey

    def resolved(contact: Any, agent: Any, queue: Any, when: datetime.datetime, score: int | None) -> Any:
        ticket = tickets.create_ticket(
            actor=admin_user,
            contact=contact,
            subject="Help",
            body="Please.",
            assignee=agent,
            queue=queue,
            now=when - datetime.timedelta(hours=2),
        )
        tickets.update_ticket(actor=admin_user, ticket=ticket, data={"status": "resolved"}, now=when)
        if score is not None:
            body = Message.objects.get(kind="ticket_survey", related_id=ticket.pk).body
            token = LINK.search(body).group(1)  # type: ignore[union-attr]
            feedback.answer_survey(token=token, score=score, comment="", now=when + datetime.timedelta(days=1))
        return ticket

    resolved(mine, anna, hardware, _at(2), 5)
    resolved(mine, anna, hardware, _at(3), 3)
    resolved(theirs, bob, billing, _at(10), None)
    resolved(theirs, bob, billing, _at(11), 4)
    resolved(mine, anna, hardware, _at(1, month=10), 1)

    def complaint(contact: Any, queue: Any, when: datetime.datetime, company: Any = None, close: bool = False) -> Any:
        ticket = tickets.create_ticket(
            actor=admin_user, contact=contact, subject="Bad", body="Angry.", queue=queue, company=company, now=when
        )
        data: dict[str, Any] = {"is_complaint": True}
        if close:
            data["status"] = "closed"
        tickets.update_ticket(actor=admin_user, ticket=ticket, data=data, now=when)
        return ticket

    complaint(walk_in, hardware, _at(4), company=acme)
    complaint(walk_in, hardware, _at(5), company=acme, close=True)
    complaint(theirs, billing, datetime.datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    complaint(theirs, billing, _at(20, month=10))  # outside the period
    return {"anna": anna, "bob": bob, "hardware": hardware, "billing": billing, "acme": acme}


def _row(row: Any) -> tuple[Any, ...]:
    return (row.name, row.sent, row.answered, row.response_rate, row.average, row.satisfied_percent)


def test_satisfaction_per_agent_team_and_week(admin_user: Any, world: Any) -> None:
    report = selectors.satisfaction_report(
        admin_user, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30), grouping="week"
    )
    assert (report.total.sent, report.total.answered) == (4, 3)
    assert report.total.response_rate == 75.0
    assert report.total.average == 4.0
    assert report.total.satisfied_percent == 66.7
    assert [_row(r) for r in report.agents] == [
        (world["anna"].get_full_name(), 2, 2, 100.0, 4.0, 50.0),
        (world["bob"].get_full_name(), 2, 1, 50.0, 4.0, 100.0),
    ]
    assert [_row(r) for r in report.teams] == [("North", 2, 2, 100.0, 4.0, 50.0), ("South", 2, 1, 50.0, 4.0, 100.0)]
    assert [(r.name, r.sent, r.answered) for r in report.periods] == [("2026-11-02", 2, 2), ("2026-11-09", 2, 1)]
    by_month = selectors.satisfaction_report(
        admin_user, start=datetime.date(2026, 10, 1), end=datetime.date(2026, 11, 30), grouping="month"
    )
    assert [(r.name, r.sent, r.average) for r in by_month.periods] == [("2026-10", 1, 1.0), ("2026-11", 4, 4.0)]
    billing = selectors.satisfaction_report(
        admin_user, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30), queue=world["billing"]
    )
    assert (billing.total.sent, billing.total.answered) == (2, 1)


def test_satisfaction_counts_only_the_tickets_the_user_sees(owner: Any, world: Any) -> None:
    report = selectors.satisfaction_report(owner, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30))
    assert (report.total.sent, report.total.answered) == (2, 2)
    assert [r.name for r in report.agents] == [world["anna"].get_full_name()]


def test_complaints_per_period_company_and_queue(admin_user: Any, world: Any) -> None:
    report = selectors.complaints_report(
        admin_user, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 12, 31), grouping="month"
    )
    assert (report.total.total, report.total.open, report.total.resolved) == (3, 2, 1)
    assert [(r.name, r.total, r.open, r.resolved) for r in report.periods] == [
        ("2026-11", 2, 1, 1),
        ("2026-12", 1, 1, 0),
    ]
    assert [(r.name, r.total) for r in report.companies] == [("Acme", 2), ("No company", 1)]
    assert [(r.name, r.total, r.open) for r in report.queues] == [("Hardware", 2, 1), ("Billing", 1, 1)]
    assert len(report.tickets) == 3
    assert all(t.is_complaint for t in report.tickets)


def test_the_report_pages_and_files(admin_user: Any, world: Any, login: Any) -> None:
    client = login(admin_user)
    page = client.get("/service/reports/satisfaction/?from=2026-11-01&to=2026-11-30&by=week")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-stat="average">4.0<' in html
    assert 'data-stat="rate">75.0%<' in html
    exported = client.get("/service/reports/satisfaction/export/?from=2026-11-01&to=2026-11-30")
    assert exported.status_code == 200
    text = b"".join(exported.streaming_content).decode() if exported.streaming else exported.content.decode()  # type: ignore[attr-defined]
    assert "North" in text
    assert "75.0" in text
    complaints = client.get("/service/reports/complaints/?from=2026-11-01&to=2026-12-31")
    assert complaints.status_code == 200
    assert 'data-stat="total">3<' in complaints.content.decode()
    assert "/service/tickets/" in complaints.content.decode()
    bad = client.get("/service/reports/satisfaction/?from=2026-12-01&to=2026-11-01")
    assert bad.status_code == 200
    assert "The start must not be after the end." in bad.content.decode()


def test_the_api_gives_the_reports_and_a_tickets_survey(admin_user: Any, owner: Any, world: Any, api: Any) -> None:
    client = api(admin_user)
    found = client.get("/service/reports/satisfaction?date_from=2026-11-01&date_to=2026-11-30")
    assert found.status_code == 200, found.content
    body = found.json()
    assert (body["total"]["sent"], body["total"]["answered"], body["total"]["average"]) == (4, 3, 4.0)
    assert [(t["name"], t["response_rate"]) for t in body["teams"]] == [("North", 100.0), ("South", 50.0)]
    bad = client.get("/service/reports/satisfaction?date_from=2026-12-01&date_to=2026-11-01")
    assert bad.status_code == 422
    assert "date_from" in bad.content.decode()
    complaints = client.get("/service/reports/complaints?date_from=2026-11-01&date_to=2026-12-31").json()
    assert (complaints["total"]["total"], complaints["total"]["open"]) == (3, 2)
    assert len(complaints["ticket_ids"]) == 3

    survey = SatisfactionSurvey.objects.filter(answered_at__isnull=False, agent=world["bob"]).get()
    read = client.get(f"/tickets/{survey.ticket_id}/survey")
    assert read.status_code == 200
    assert (read.json()["score"], read.json()["agent_id"]) == (4, str(world["bob"].pk))
    # The rep does not see Bob's customer: neither the survey nor those figures.
    rep = api(owner)
    assert rep.get(f"/tickets/{survey.ticket_id}/survey").status_code == 404
    assert rep.get("/service/reports/satisfaction?date_from=2026-11-01&date_to=2026-11-30").json()["total"]["sent"] == 2
