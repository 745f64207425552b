"""Reminders that fall due together reach their owner as one digest notification; a reminder on
its own stays a notification of its own with the task's link. Each reminder is sent once, and
none is lost."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from accord.activities import services
from accord.core.events import dispatch_pending
from accord.core.models import Event
from accord.messaging.models import Message

pytestmark = pytest.mark.django_db

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")


def due(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2030, 3, day, hour, minute, tzinfo=WARSAW)


def reminder(owner, title: str, due_at: datetime.datetime | None, *, minutes_ago: int = 1, **extra):
    return services.create_task(
        actor=owner,
        data={
            "title": title,
            "due_at": due_at,
            "remind_at": timezone.now() - datetime.timedelta(minutes=minutes_ago),
            **extra,
        },
    )


def inbox(user) -> list[tuple[str, str, str]]:
    return list(
        Message.objects.filter(recipient_user=user).order_by("created_at").values_list("subject", "body", "url")
    )


def test_reminders_due_together_arrive_as_one_digest_leading_to_my_day(owner, teammate):
    reminder(owner, "Send the offer", due(4, 15))
    reminder(owner, "Call Ewa", due(4, 10), minutes_ago=3)
    reminder(owner, "Prepare the contract", due(5, 9, 30))
    reminder(owner, "Check the payment", None)
    reminder(owner, "Book the trip", due(4, 12))
    lone = reminder(teammate, "Visit Acme", due(6, 11))

    assert services.fire_due_reminders() == 6
    dispatch_pending()

    assert inbox(owner) == [
        (
            "5 reminders: Call Ewa, Book the trip, Send the offer, Prepare the contract, Check the payment",
            "Call Ewa (due 03/04/2030 10 a.m.) · Book the trip (due 03/04/2030 noon) · "
            "Send the offer (due 03/04/2030 3 p.m.) · Prepare the contract (due 03/05/2030 9:30 a.m.) · "
            "Check the payment",
            "/my-day/",
        )
    ]
    assert inbox(teammate) == [("Reminder: Visit Acme", "Due 03/06/2030 11 a.m.", f"/tasks/{lone.pk}/")]
    assert Message.objects.get(recipient_user=teammate).related_id == lone.pk


def test_a_digest_speaks_its_owners_language(owner):
    owner.language = "pl"
    owner.save()
    reminder(owner, "Zadzwoń do Ewy", due(4, 10))
    reminder(owner, "Wyślij ofertę", due(4, 15))

    services.fire_due_reminders()
    dispatch_pending()

    assert inbox(owner) == [
        (
            "2 przypomnienia: Zadzwoń do Ewy, Wyślij ofertę",
            "Zadzwoń do Ewy (termin: 04.03.2030 10:00) · Wyślij ofertę (termin: 04.03.2030 15:00)",
            "/my-day/",
        )
    ]


def test_a_long_digest_lists_eight_reminders_and_counts_the_rest(owner):
    for i in range(11):
        reminder(owner, f"Task {i:02d}", due(4, 8 + i))

    services.fire_due_reminders()
    dispatch_pending()

    [(subject, body, _)] = inbox(owner)
    assert subject.startswith("11 reminders: Task 00, Task 01, Task 02")
    assert body.endswith("Task 07 (due 03/04/2030 3 p.m.) · and 3 more")
    assert body.count("(due ") == 8


def test_sweeping_again_or_offering_the_event_again_sends_no_second_digest(owner):
    reminder(owner, "Call Ewa", due(4, 10))
    reminder(owner, "Send the offer", due(4, 15))
    services.fire_due_reminders()
    dispatch_pending()

    assert services.fire_due_reminders() == 0
    Event.objects.filter(name="activities.task.reminders_due").update(dispatched_at=None)  # after a crash
    dispatch_pending()

    assert len(inbox(owner)) == 1
    assert Event.objects.filter(name__startswith="activities.task.reminder").count() == 1


def test_reminders_falling_due_at_different_times_arrive_separately(owner):
    first = reminder(owner, "Call Ewa", due(4, 10))
    services.fire_due_reminders()
    dispatch_pending()

    second = reminder(owner, "Send the offer", due(4, 15))
    services.fire_due_reminders()
    dispatch_pending()

    assert [url for _, _, url in inbox(owner)] == [f"/tasks/{first.pk}/", f"/tasks/{second.pk}/"]


def test_a_digest_leaves_out_tasks_deleted_before_it_was_sent(owner):
    reminder(owner, "Call Ewa", due(4, 10))
    gone = reminder(owner, "Send the offer", due(4, 15))
    reminder(owner, "Book the trip", due(4, 12))
    services.fire_due_reminders()

    services.delete_task(actor=owner, task=gone)
    dispatch_pending()

    assert inbox(owner) == [
        (
            "2 reminders: Call Ewa, Book the trip",
            "Call Ewa (due 03/04/2030 10 a.m.) · Book the trip (due 03/04/2030 noon)",
            "/my-day/",
        )
    ]


def test_a_digest_down_to_one_task_is_that_tasks_own_reminder(owner):
    kept = reminder(owner, "Call Ewa", due(4, 10))
    gone = reminder(owner, "Send the offer", due(4, 15))
    services.fire_due_reminders()

    services.delete_task(actor=owner, task=gone)
    dispatch_pending()

    assert inbox(owner) == [("Reminder: Call Ewa", "Due 03/04/2030 10 a.m.", f"/tasks/{kept.pk}/")]


def test_no_reminder_is_lost_when_more_are_due_than_one_sweep_takes(owner):
    for i in range(5):
        reminder(owner, f"Task {i}", due(4, 9 + i))

    assert services.fire_due_reminders(batch_size=3) == 3
    assert services.fire_due_reminders(batch_size=3) == 2
    assert services.fire_due_reminders(batch_size=3) == 0
    dispatch_pending()

    assert [subject for subject, _, _ in inbox(owner)] == [
        "3 reminders: Task 0, Task 1, Task 2",
        "2 reminders: Task 3, Task 4",
    ]
