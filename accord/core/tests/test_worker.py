"""``accord worker`` end to end: a due reminder becomes one in-app notification, through the real
database task queue, the scheduler, the event log and the messaging outbox."""

import datetime
import signal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.activities.models import Task
from accord.activities.services import create_task
from accord.core.models import Event, ScheduledRun
from accord.core.tasks import dispatch_events
from accord.messaging.models import Message, MessageChannel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def database_task_queue():
    """The production shape: tasks are rows the worker claims, not calls made on the spot."""
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield


@pytest.fixture(autouse=True)
def keep_signal_handlers():
    # The worker installs SIGINT/SIGTERM handlers for a graceful stop; give pytest its own back.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def run_worker():
    call_command("worker", "--once", verbosity=0)


def notifications(user):
    return Message.objects.filter(recipient_user=user, channel=MessageChannel.IN_APP)


def test_a_due_reminder_becomes_one_in_app_notification_for_the_task_owner(owner, teammate):
    now = timezone.now()
    task = create_task(
        actor=owner,
        data={
            "title": "Call Anna about the offer",
            "due_at": now + datetime.timedelta(hours=2),
            "remind_at": now - datetime.timedelta(minutes=5),
        },
    )

    run_worker()

    notification = notifications(owner).get()
    assert notification.subject == "Reminder: Call Anna about the offer"
    assert notification.url == reverse("activities:task-edit", args=[task.pk])
    assert notification.related_id == task.pk
    assert not notifications(teammate).exists()
    task.refresh_from_db()
    assert task.reminded_at is not None
    reminder_event = Event.objects.get(name="activities.task.reminder_due", object_id=task.pk)
    assert reminder_event.dispatched_at is not None
    ran = set(DBTaskResult.objects.filter(status="SUCCESSFUL").values_list("task_path", flat=True))
    assert {"accord.activities.tasks.fire_due_reminders", "accord.core.tasks.dispatch_events"} <= ran
    assert not DBTaskResult.objects.ready().exists()
    assert not DBTaskResult.objects.filter(status="FAILED").exists()


def test_running_the_worker_again_sends_no_second_notification(owner):
    now = timezone.now()
    create_task(
        actor=owner,
        data={"title": "Send the contract", "remind_at": now - datetime.timedelta(minutes=1)},
    )
    run_worker()

    run_worker()
    run_worker()

    assert notifications(owner).count() == 1
    assert Event.objects.filter(name="activities.task.reminder_due").count() == 1


def test_a_reminder_event_offered_again_after_a_crash_sends_no_second_notification(owner):
    create_task(
        actor=owner,
        data={"title": "Send the contract", "remind_at": timezone.now() - datetime.timedelta(minutes=1)},
    )
    run_worker()
    # A worker killed after the notification committed but before the event was marked: the
    # event is still pending and is offered to its consumers again.
    Event.objects.filter(name="activities.task.reminder_due").update(dispatched_at=None)

    dispatch_events.enqueue()  # what the next minute's sweep would do
    call_command("worker", "--once", "--no-scheduler", verbosity=0)

    assert notifications(owner).count() == 1
    assert not Event.objects.filter(name="activities.task.reminder_due", dispatched_at__isnull=True).exists()


def test_a_reminder_that_is_not_due_yet_waits(owner):
    create_task(
        actor=owner,
        data={"title": "Quarterly review", "remind_at": timezone.now() + datetime.timedelta(hours=1)},
    )

    run_worker()

    assert not notifications(owner).exists()
    assert Task.objects.get().reminded_at is None


def test_two_workers_in_the_same_minute_schedule_each_job_once(owner):
    create_task(
        actor=owner,
        data={"title": "Call back", "remind_at": timezone.now() - datetime.timedelta(minutes=1)},
    )

    run_worker()
    run_worker()

    # Two workers in one minute: at most one claim per job and slot (a minute boundary may pass
    # between them, which makes a second, later slot, never a duplicate of the first).
    claims = list(ScheduledRun.objects.values_list("job", "slot"))
    assert len(claims) == len(set(claims))
    assert notifications(owner).count() == 1
