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


def _hand_built_set(support: Any, owner: Any, customer: Any) -> tuple[datetime.datetime, dict[str, Ticket]]:
    """Tickets in each state the check meets, opened at 10:00 (first response due 11:00, the
    resolution 14:00, warnings a quarter of an hour before), looked at 10:50."""
    SlaPolicy.objects.create(
        name="Fast",
        first_response_minutes=60,
        resolution_minutes=240,
        warn_before_minutes=15,
        escalate_to=owner,
        raise_priority=True,
    )
    opened = at(2026, 12, 7, 10)
    made = {
        name: tickets.create_ticket(
            actor=support, contact=customer, subject=name, body="B", assignee=support, now=opened
        )
        for name in ("warned", "late", "both late", "paused", "closed", "unassigned")
    }
    Ticket.objects.filter(pk=made["late"].pk).update(
        first_response_due=opened - datetime.timedelta(minutes=1),
        sla_next_check=opened - datetime.timedelta(minutes=16),
    )
    Ticket.objects.filter(pk=made["both late"].pk).update(
        first_response_due=opened - datetime.timedelta(hours=1),
        resolution_due=opened + datetime.timedelta(minutes=30),
        sla_next_check=opened - datetime.timedelta(minutes=75),
    )
    Ticket.objects.filter(pk=made["paused"].pk).update(status="waiting", paused_at=opened)
    Ticket.objects.filter(pk=made["closed"].pk).update(status="closed")
    Ticket.objects.filter(pk=made["unassigned"].pk).update(assignee=None)
    return opened + datetime.timedelta(minutes=50), {name: Ticket.objects.get(pk=t.pk) for name, t in made.items()}


@pytest.mark.django_db
def test_the_check_writes_one_event_per_finding_with_its_payload_and_moves_each_clock(
    support: Any, owner: Any, customer: Any
) -> None:
    from accord.core import events
    from accord.messaging.models import Message
    from accord.service.events import SlaBreached, SlaWarning

    now, made = _hand_built_set(support, owner, customer)
    result = sla.check(now=now, batch=2)

    assert (result.warned, result.breached) == (2, 3)
    warned, late, both, unassigned = made["warned"], made["late"], made["both late"], made["unassigned"]
    expected = [
        (SlaWarning(target="first_response", due=warned.first_response_due, assignee_id=support.pk), warned),
        (
            SlaBreached(
                target="first_response", due=late.first_response_due, assignee_id=support.pk, escalate_to_id=owner.pk
            ),
            late,
        ),
        (
            SlaBreached(
                target="first_response", due=both.first_response_due, assignee_id=support.pk, escalate_to_id=owner.pk
            ),
            both,
        ),
        (
            SlaBreached(target="resolution", due=both.resolution_due, assignee_id=support.pk, escalate_to_id=owner.pk),
            both,
        ),
        (SlaWarning(target="first_response", due=unassigned.first_response_due, assignee_id=None), unassigned),
    ]
    stored = list(Event.objects.filter(name__startswith="service.ticket.sla_").order_by("id"))
    assert [(e.name, e.entity, e.object_id, e.actor_id, e.payload, e.attempts) for e in stored] == [
        (type(payload).name, "service.ticket", ticket.pk, None, payload.model_dump(mode="json"), 0)
        for payload, ticket in expected
    ]
    assert [events.load(e) for e in stored] == [payload for payload, _ticket in expected]

    after = {name: Ticket.objects.get(pk=t.pk) for name, t in made.items()}
    quarter = datetime.timedelta(minutes=15)
    assert (after["warned"].warned_at, after["warned"].sla_next_check) == (now, warned.first_response_due)
    assert (after["unassigned"].warned_at, after["unassigned"].sla_next_check) == (now, unassigned.first_response_due)
    assert after["late"].first_response_breached
    assert not after["late"].resolution_breached
    assert (after["late"].priority, after["late"].warned_at) == ("high", None)
    assert after["late"].sla_next_check == late.resolution_due - quarter
    assert after["both late"].first_response_breached
    assert after["both late"].resolution_breached
    assert (after["both late"].priority, after["both late"].sla_next_check) == ("urgent", None)
    for name in ("paused", "closed"):
        assert after[name].sla_next_check is None
        assert (after[name].warned_at, after[name].first_response_breached) == (None, False)
    untouched = ("subject", "status", "assignee_id", "version", "paused_at", "first_response_due", "resolution_due")
    for name, ticket in made.items():
        assert [getattr(after[name], f) for f in untouched] == [getattr(ticket, f) for f in untouched]

    assert sla.check(now=now, batch=2) == sla.CheckResult()
    assert Event.objects.filter(name__startswith="service.ticket.sla_").count() == 5
    events.dispatch_pending()
    keys = sorted(Message.objects.filter(channel="in_app").values_list("recipient_user__username", "idempotency_key"))
    assert keys == sorted(
        [("support", f"sla:warning:first_response:{warned.pk}:{support.pk}")]
        + [
            (user.username, f"sla:breach:{target}:{ticket.pk}:{user.pk}")
            for target, ticket in (("first_response", late), ("first_response", both), ("resolution", both))
            for user in (support, owner)
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_a_check_that_fails_midway_keeps_the_batches_it_committed_and_the_next_run_does_the_rest(
    support: Any, owner: Any, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.core import events

    now, made = _hand_built_set(support, owner, customer)
    write = events.emit_fields
    calls = []

    def failing_second_batch(entries: Any) -> int:
        calls.append(len(entries))
        if len(calls) == 2:
            raise RuntimeError("the worker died")
        return write(entries)

    monkeypatch.setattr(events, "emit_fields", failing_second_batch)
    with pytest.raises(RuntimeError):
        sla.check(now=now, batch=2)
    # The first batch ("warned", "late") is written with its events; the second not at all.
    assert sorted(
        Event.objects.filter(name__startswith="service.ticket.sla_").values_list("object_id", flat=True)
    ) == sorted([made["warned"].pk, made["late"].pk])
    both = Ticket.objects.get(pk=made["both late"].pk)
    assert (both.first_response_breached, both.sla_next_check) == (False, made["both late"].sla_next_check)

    monkeypatch.setattr(events, "emit_fields", write)
    assert sla.check(now=now, batch=2) == sla.CheckResult(warned=1, breached=2)
    found = Event.objects.filter(name__startswith="service.ticket.sla_")
    assert sorted((e.object_id, e.payload["target"]) for e in found) == sorted(
        [
            (made["warned"].pk, "first_response"),
            (made["late"].pk, "first_response"),
            (made["both late"].pk, "first_response"),
            (made["both late"].pk, "resolution"),
            (made["unassigned"].pk, "first_response"),
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_an_agent_cannot_change_a_ticket_between_the_checks_read_and_its_write(
    support: Any, owner: Any, customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check holds its batch's rows locked from its read to its commit: an agent's edit (which
    locks the ticket too) waits for it, and then works on what the check wrote, so neither
    overwrites the other. SQLite's writers take the whole database (IMMEDIATE transactions)."""
    import threading

    from django.db import DatabaseError, connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    now, made = _hand_built_set(support, owner, customer)
    batch = sla._check_batch
    outcomes: list[str] = []

    def edit_meanwhile() -> None:
        try:
            with transaction.atomic():
                locked = Ticket.objects.select_for_update(nowait=True).get(pk=made["warned"].pk)
                locked.subject = "Edited"
                locked.save(update_fields=["subject"])
            outcomes.append("written")
        except DatabaseError:
            outcomes.append("locked")
        finally:
            connections.close_all()

    def batch_with_an_agent_meanwhile(clocks: Any, at: Any, result: Any) -> None:
        if any(c.pk == made["warned"].pk for c in clocks):
            agent = threading.Thread(target=edit_meanwhile)
            agent.start()
            agent.join(timeout=60)
        batch(clocks, at, result)

    monkeypatch.setattr(sla, "_check_batch", batch_with_an_agent_meanwhile)
    sla.check(now=now, batch=2)
    assert outcomes == ["locked"]
    # Afterwards the agent's edit goes through and keeps what the check wrote.
    warned = Ticket.objects.get(pk=made["warned"].pk)
    tickets.update_ticket(actor=support, ticket=warned, data={"subject": "Edited"}, expected_version=warned.version)
    warned.refresh_from_db()
    assert (warned.subject, warned.warned_at, warned.sla_next_check) == (
        "Edited",
        now,
        made["warned"].first_response_due,
    )
