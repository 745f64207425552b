"""Business time and the SLA clock: working minutes added across nights, weekends, Polish public
holidays and a calendar's own closed days; the changes of clocks in Europe/Warsaw (a working
period across the 02:00 -> 03:00 jump, one starting inside it, a day and night calendar); a pause
moving the due times on by business time; a new priority choosing the policy again; a customer
group by the company's tag; the check recording each warning and breach once, batch after batch."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import pytest

from accord.core.models import Event
from accord.service.business_hours import ALWAYS, Hours
from accord.service.models import BusinessCalendar, SlaPolicy, Ticket
from accord.service.services import sla, tickets

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
OFFICE = [[["09:00", "17:00"]]] * 5 + [[], []]
DAY_AND_NIGHT = [[["00:00", "24:00"]]] * 7


def at(*parts: int) -> datetime.datetime:
    """A Warsaw wall time."""
    return datetime.datetime(*parts, tzinfo=WARSAW)


def hours(**extra: Any) -> Hours:
    return Hours.of("Europe/Warsaw", extra.pop("week", OFFICE), extra.pop("country", ""), extra.pop("closed", ()))


# --- arithmetic ---------------------------------------------------------------------------------


def test_working_time_runs_on_the_next_morning_and_after_the_weekend() -> None:
    office = hours()
    assert office.add(at(2026, 12, 7, 16), 120) == at(2026, 12, 8, 10)  # Monday 16:00 + 2 h: Tuesday 10:00
    assert office.add(at(2026, 12, 11, 16, 30), 60) == at(2026, 12, 14, 9, 30)  # Friday -> Monday
    assert office.add(at(2026, 12, 12, 11), 30) == at(2026, 12, 14, 9, 30)  # begun on a Saturday
    assert office.add(at(2026, 12, 7, 7), 60) == at(2026, 12, 7, 10)  # before opening
    assert office.add(at(2026, 12, 7, 10), 5 * 8 * 60) == at(2026, 12, 14, 10)  # a working week
    assert office.between(at(2026, 12, 11, 16), at(2026, 12, 14, 10)) == datetime.timedelta(hours=2)
    assert office.between(at(2026, 12, 14, 10), at(2026, 12, 11, 16)) == datetime.timedelta(0)
    assert office.between(at(2026, 12, 12, 0), at(2026, 12, 13, 23)) == datetime.timedelta(0)
    two_shifts = hours(week=[[["08:00", "12:00"], ["13:00", "17:00"]]] * 5 + [[], []])
    assert two_shifts.add(at(2026, 12, 7, 11), 120) == at(2026, 12, 7, 14)  # the lunch hour does not count
    assert ALWAYS.add(at(2026, 12, 12, 11), 30) == at(2026, 12, 12, 11, 30)


def test_polish_public_holidays_and_the_calendars_own_closed_days_are_days_off() -> None:
    polish = hours(country="PL")
    # Independence Day, Wednesday 11 November 2026.
    assert polish.add(at(2026, 11, 10, 16), 120) == at(2026, 11, 12, 10)
    assert hours().add(at(2026, 11, 10, 16), 120) == at(2026, 11, 11, 10)
    # Easter Monday, 6 April 2026: Friday afternoon -> Tuesday.
    assert polish.add(at(2026, 4, 3, 16), 120) == at(2026, 4, 7, 10)
    # Easter Monday of another year (1 April 2024) comes from that year's calendar.
    assert polish.add(at(2024, 3, 29, 16), 120) == at(2024, 4, 2, 10)
    assert polish.between(at(2026, 4, 3, 9), at(2026, 4, 7, 17)) == datetime.timedelta(hours=16)
    closed = hours(country="PL", closed=["2026-12-08"])
    assert closed.add(at(2026, 12, 7, 16), 120) == at(2026, 12, 9, 10)
    # Christmas Eve (a holiday from 2025), Christmas and the weekend after it.
    assert polish.add(at(2026, 12, 23, 16), 120) == at(2026, 12, 28, 10)


def test_the_clocks_going_forward_and_back_in_warsaw() -> None:
    office = hours()
    # Last Sunday of March 2026 (the 29th): Friday 16:00 CET + 2 working hours is Monday 10:00 CEST.
    due = office.add(at(2026, 3, 27, 16), 120)
    assert due == at(2026, 3, 30, 10)
    assert due.astimezone(WARSAW).utcoffset() == datetime.timedelta(hours=2)
    assert office.add(at(2026, 10, 23, 16), 120) == at(2026, 10, 26, 10)  # last Sunday of October

    always_open = hours(week=DAY_AND_NIGHT)
    # Noon to noon across the night of the jump lasts 23 real hours, across the night back 25.
    assert always_open.between(at(2026, 3, 28, 12), at(2026, 3, 29, 12)) == datetime.timedelta(hours=23)
    assert always_open.between(at(2026, 10, 24, 12), at(2026, 10, 25, 12)) == datetime.timedelta(hours=25)
    assert always_open.add(at(2026, 3, 28, 12), 24 * 60) == at(2026, 3, 29, 13)
    assert always_open.add(at(2026, 10, 24, 12), 24 * 60) == at(2026, 10, 25, 11)

    sunday_night = [[]] * 6 + [[["01:00", "04:00"]]]
    spanning = hours(week=sunday_night)
    # 01:00-04:00 on the night of the jump is two hours lived; on the night back, four.
    assert spanning.between(at(2026, 3, 29, 0), at(2026, 3, 29, 5)) == datetime.timedelta(hours=2)
    assert spanning.between(at(2026, 10, 25, 0), at(2026, 10, 25, 5)) == datetime.timedelta(hours=4)
    assert spanning.add(at(2026, 3, 29, 0), 90) == datetime.datetime(2026, 3, 29, 1, 30, tzinfo=datetime.UTC)

    # A shift from 02:30, a wall time skipped that night, starts when the clock jumps (03:00 CEST).
    from_the_gap = hours(week=[[]] * 6 + [[["02:30", "06:00"]]])
    periods = from_the_gap.periods(datetime.date(2026, 3, 29))
    assert periods == [
        (datetime.datetime(2026, 3, 29, 1, tzinfo=datetime.UTC), datetime.datetime(2026, 3, 29, 4, tzinfo=datetime.UTC))
    ]
    assert from_the_gap.add(at(2026, 3, 28, 12), 60) == at(2026, 3, 29, 4)


# --- the clock of tickets -----------------------------------------------------------------------


@pytest.fixture
def office_calendar(db: Any) -> BusinessCalendar:
    return BusinessCalendar.objects.create(name="Office", time_zone="Europe/Warsaw", country="PL", hours=OFFICE)


@pytest.fixture
def customer(make_contact: Any, owner: Any) -> Any:
    return make_contact(owner, first_name="Anna", last_name="Nowak")


@pytest.mark.django_db
def test_waiting_for_the_customer_moves_the_due_times_by_business_time(
    support: Any, customer: Any, office_calendar: BusinessCalendar
) -> None:
    SlaPolicy.objects.create(
        name="Standard", calendar=office_calendar, first_response_minutes=4 * 60, resolution_minutes=8 * 60
    )
    opened = at(2026, 12, 7, 10)  # Monday
    ticket = tickets.create_ticket(actor=support, contact=customer, subject="S", body="B", now=opened)
    assert ticket.first_response_due == at(2026, 12, 7, 14)
    assert ticket.resolution_due == at(2026, 12, 8, 10)
    tickets.update_ticket(actor=support, ticket=ticket, data={"status": "waiting"}, now=at(2026, 12, 7, 16))
    ticket.refresh_from_db()
    assert ticket.paused_at == at(2026, 12, 7, 16)
    assert ticket.sla_next_check is None
    # The customer answers on Tuesday at 10:00: the clock stood one working hour on Monday and one
    # on Tuesday (the night does not count), so the resolution moves two working hours on; the first
    # response, already late when the clock stopped at 16:00, stays missed.
    tickets.add_customer_message(ticket=ticket, body="Here it is.", channel="email", now=at(2026, 12, 8, 10))
    ticket.refresh_from_db()
    assert ticket.status == "open"
    assert ticket.paused_at is None
    assert ticket.resolution_due == at(2026, 12, 8, 12)
    assert ticket.first_response_due == at(2026, 12, 7, 14)
    assert ticket.sla_next_check == ticket.first_response_due - datetime.timedelta(minutes=60)
    assert sla.check(now=at(2026, 12, 8, 10, 1)).breached == 1


@pytest.mark.django_db
def test_a_new_priority_chooses_the_policy_again(
    support: Any, customer: Any, office_calendar: BusinessCalendar
) -> None:
    urgent = SlaPolicy.objects.create(
        name="Urgent", position=0, priority="urgent", first_response_minutes=30, resolution_minutes=240
    )
    standard = SlaPolicy.objects.create(
        name="Standard", position=1, calendar=office_calendar, first_response_minutes=240, resolution_minutes=960
    )
    opened = at(2026, 12, 7, 10)
    ticket = tickets.create_ticket(actor=support, contact=customer, subject="S", body="B", now=opened)
    assert ticket.sla_policy == standard
    tickets.update_ticket(actor=support, ticket=ticket, data={"priority": "urgent"}, now=at(2026, 12, 7, 10, 10))
    ticket.refresh_from_db()
    assert ticket.sla_policy == urgent
    # Counted from the ticket's creation, day and night (the policy has no calendar).
    assert ticket.first_response_due == opened + datetime.timedelta(minutes=30)
    assert ticket.resolution_due == opened + datetime.timedelta(hours=4)
    assert not ticket.first_response_breached
    # Raised after its targets passed: the targets were missed.
    tickets.update_ticket(actor=support, ticket=ticket, data={"priority": "normal"}, now=at(2026, 12, 7, 11))
    tickets.update_ticket(actor=support, ticket=ticket, data={"priority": "urgent"}, now=at(2026, 12, 7, 15))
    ticket.refresh_from_db()
    assert ticket.first_response_breached
    assert ticket.resolution_breached
    assert ticket.sla_next_check is None


@pytest.mark.django_db
def test_a_new_priority_keeps_the_time_the_clock_already_stood(
    support: Any, customer: Any, office_calendar: BusinessCalendar
) -> None:
    SlaPolicy.objects.create(
        name="Urgent",
        position=0,
        priority="urgent",
        calendar=office_calendar,
        first_response_minutes=60,
        resolution_minutes=6 * 60,
    )
    SlaPolicy.objects.create(
        name="Standard", position=1, calendar=office_calendar, first_response_minutes=240, resolution_minutes=960
    )
    opened = at(2026, 12, 7, 9)  # Monday
    ticket = tickets.create_ticket(actor=support, contact=customer, subject="S", body="B", now=opened)
    tickets.reply(actor=support, ticket=ticket, body="Which model is it?", status="waiting", now=at(2026, 12, 7, 9, 30))
    # The customer answers two working hours later; then the ticket turns urgent.
    tickets.add_customer_message(ticket=ticket, body="The X200.", channel="email", now=at(2026, 12, 7, 11, 30))
    ticket.refresh_from_db()
    assert ticket.sla_stood_seconds == 2 * 3600
    tickets.update_ticket(actor=support, ticket=ticket, data={"priority": "urgent"}, now=at(2026, 12, 7, 11, 40))
    ticket.refresh_from_db()
    # Six working hours from 9:00 plus the two it stood: 17:00.
    assert ticket.resolution_due == at(2026, 12, 7, 17)
    assert not ticket.resolution_breached
    assert ticket.first_response_due == at(2026, 12, 7, 10)  # met at 9:30, as before
    assert not ticket.first_response_breached


@pytest.mark.django_db
def test_a_customer_group_is_chosen_by_the_tag_on_the_company(
    support: Any, owner: Any, customer: Any, make_company: Any
) -> None:
    SlaPolicy.objects.create(
        name="VIP", position=0, customer_tag="vip", first_response_minutes=15, resolution_minutes=60
    )
    SlaPolicy.objects.create(name="Everyone", position=1, first_response_minutes=240, resolution_minutes=960)
    vip = make_company(owner, name="Acme", tags=["VIP"])
    plain = make_company(owner, name="Plain")
    assert {t.name for t in vip.tags.all()} == {"VIP"}
    first = tickets.create_ticket(actor=support, contact=customer, company=vip, subject="S", body="B")
    second = tickets.create_ticket(actor=support, contact=customer, company=plain, subject="S", body="B")
    assert first.sla_policy.name == "VIP"
    assert second.sla_policy.name == "Everyone"


@pytest.mark.django_db
def test_the_check_records_each_warning_and_breach_once_over_several_batches(support: Any, customer: Any) -> None:
    SlaPolicy.objects.create(
        name="Fast", first_response_minutes=60, resolution_minutes=240, warn_before_minutes=15, escalate_to=support
    )
    opened = at(2026, 12, 7, 10)
    made = [
        tickets.create_ticket(actor=support, contact=customer, subject=f"T{i}", body="B", assignee=support, now=opened)
        for i in range(7)
    ]
    # Three tickets opened earlier: their first response is already late.
    late = [t.pk for t in made[:3]]
    Ticket.objects.filter(pk__in=late).update(
        first_response_due=opened - datetime.timedelta(minutes=1),
        resolution_due=opened + datetime.timedelta(hours=3),
        sla_next_check=opened - datetime.timedelta(minutes=16),
    )
    now = opened + datetime.timedelta(minutes=50)  # the others' first response is ten minutes away
    result = sla.check(now=now, batch=2)
    assert (result.warned, result.breached) == (4, 3)
    again = sla.check(now=now, batch=2)
    assert (again.warned, again.breached) == (0, 0)
    assert Event.objects.filter(name="service.ticket.sla_breached").count() == 3
    assert Event.objects.filter(name="service.ticket.sla_warning").count() == 4
    for ticket in Ticket.objects.filter(pk__in=late):
        assert ticket.first_response_breached
        assert ticket.sla_next_check == ticket.resolution_due - datetime.timedelta(minutes=15)
    for ticket in Ticket.objects.exclude(pk__in=late):
        assert ticket.warned_at == now
        assert ticket.sla_next_check == ticket.first_response_due
    # An hour on, the four warned are late too; the three late ones have nothing due yet.
    later = sla.check(now=opened + datetime.timedelta(minutes=61), batch=2)
    assert (later.warned, later.breached) == (0, 4)
    assert (sla.check(now=opened + datetime.timedelta(minutes=62), batch=2).breached) == 0
