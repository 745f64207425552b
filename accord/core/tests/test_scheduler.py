"""The cron-style scheduler: each periodic job is enqueued once per slot, however many workers tick."""

import datetime
import zoneinfo

import pytest
from cronsim import CronSimError
from django.tasks import task
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accord.core import scheduler
from accord.core.models import ScheduledRun
from accord.core.scheduler import PeriodicJob, Scheduler

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def every_minute() -> None:
    """A periodic job for these tests."""


@task()
def hourly() -> None:
    """A periodic job for these tests."""


@task()
def nightly() -> None:
    """A periodic job for these tests."""


def warsaw(*args, fold=0):
    return datetime.datetime(*args, tzinfo=WARSAW, fold=fold)


@pytest.fixture(autouse=True)
def server_in_warsaw():
    # A user's zone activated meanwhile must not move the server's slots.
    with override_settings(TIME_ZONE="Europe/Warsaw"), timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        yield


@pytest.fixture
def jobs(monkeypatch, db):
    """Only this module's jobs are registered while a test runs; the real registry is put back."""
    monkeypatch.setattr(scheduler, "_jobs", {})
    scheduler.periodic("* * * * *")(every_minute)
    scheduler.periodic("0 * * * *")(hourly)
    scheduler.periodic("30 2 * * *")(nightly)
    with override_settings(TASKS=DATABASE_TASKS):
        yield


def enqueued(task_):
    return DBTaskResult.objects.filter(task_path=task_.module_path).count()


@pytest.mark.parametrize(
    ("cron", "now", "slot"),
    [
        ("* * * * *", warsaw(2025, 6, 4, 12, 34, 56), warsaw(2025, 6, 4, 12, 34)),
        ("*/5 * * * *", warsaw(2025, 6, 4, 12, 34, 56), warsaw(2025, 6, 4, 12, 30)),
        ("0 * * * *", warsaw(2025, 6, 4, 12, 0, 0), warsaw(2025, 6, 4, 12, 0)),
        ("0 * * * *", warsaw(2025, 6, 4, 11, 59, 59, 999999), warsaw(2025, 6, 4, 11, 0)),
        ("*/5 * * * *", warsaw(2025, 6, 4, 12, 0, 0, 1), warsaw(2025, 6, 4, 12, 0)),
        ("17 3 * * *", warsaw(2025, 6, 4, 3, 16, 59), warsaw(2025, 6, 3, 3, 17)),
        ("17 3 * * *", warsaw(2025, 6, 4, 3, 17, 0), warsaw(2025, 6, 4, 3, 17)),
        ("0 9 * * 1", warsaw(2025, 6, 4, 8, 0), warsaw(2025, 6, 2, 9, 0)),  # Wednesday -> Monday
        ("0 0 1 * *", warsaw(2025, 3, 1, 0, 30), warsaw(2025, 3, 1, 0, 0)),
        # The same instant given in UTC: slots are named in the server's time zone.
        ("0 9 * * *", datetime.datetime(2025, 6, 4, 7, 30, tzinfo=datetime.UTC), warsaw(2025, 6, 4, 9, 0)),
        # 02:30 does not exist on the day clocks go forward; the job runs when 03:00 comes.
        ("30 2 * * *", warsaw(2025, 3, 30, 4, 0), warsaw(2025, 3, 30, 3, 0)),
    ],
)
def test_latest_slot_is_the_last_time_the_expression_names_at_or_before_now(cron, now, slot):
    job = PeriodicJob(name="job", cron=cron, task=every_minute)

    assert job.latest_slot(now) == slot


def test_a_malformed_expression_fails_when_the_job_is_declared():
    with pytest.raises(CronSimError):
        scheduler.periodic("61 * * * *")


def test_tick_enqueues_every_due_job_once_and_claims_its_slot(jobs):
    worker = Scheduler("worker-a")

    started = worker.tick(warsaw(2025, 6, 4, 12, 0, 30))

    assert started == [every_minute.module_path, hourly.module_path, nightly.module_path]
    assert (enqueued(every_minute), enqueued(hourly), enqueued(nightly)) == (1, 1, 1)
    claims = {(run.job, run.slot, run.worker) for run in ScheduledRun.objects.all()}
    assert claims == {
        (every_minute.module_path, warsaw(2025, 6, 4, 12, 0), "worker-a"),
        (hourly.module_path, warsaw(2025, 6, 4, 12, 0), "worker-a"),
        (nightly.module_path, warsaw(2025, 6, 4, 2, 30), "worker-a"),
    }


def test_ticking_again_in_the_same_slot_enqueues_nothing(jobs):
    worker = Scheduler("worker-a")
    worker.tick(warsaw(2025, 6, 4, 12, 0, 30))

    again = worker.tick(warsaw(2025, 6, 4, 12, 0, 59))
    restarted = Scheduler("worker-a").tick(warsaw(2025, 6, 4, 12, 0, 59))

    assert again == []
    assert restarted == []
    assert (enqueued(every_minute), enqueued(hourly), enqueued(nightly)) == (1, 1, 1)


def test_two_workers_ticking_the_same_slot_enqueue_each_job_once(jobs):
    first, second = Scheduler("worker-a"), Scheduler("worker-b")

    started_by_first = first.tick(warsaw(2025, 6, 4, 12, 0, 1))
    started_by_second = second.tick(warsaw(2025, 6, 4, 12, 0, 2))

    assert len(started_by_first) == 3
    assert started_by_second == []
    assert (enqueued(every_minute), enqueued(hourly), enqueued(nightly)) == (1, 1, 1)
    assert set(ScheduledRun.objects.values_list("worker", flat=True)) == {"worker-a"}


def test_the_next_slot_runs_again(jobs):
    first, second = Scheduler("worker-a"), Scheduler("worker-b")
    first.tick(warsaw(2025, 6, 4, 12, 0, 30))

    next_minute = second.tick(warsaw(2025, 6, 4, 12, 1, 5))
    next_hour = first.tick(warsaw(2025, 6, 4, 13, 0, 0))

    assert next_minute == [every_minute.module_path]
    assert next_hour == [every_minute.module_path, hourly.module_path]
    assert (enqueued(every_minute), enqueued(hourly), enqueued(nightly)) == (3, 2, 1)


def test_a_worker_back_after_hours_runs_each_job_once_for_the_latest_slot(jobs):
    worker = Scheduler("worker-a")
    worker.tick(warsaw(2025, 6, 4, 12, 0, 30))

    started = worker.tick(warsaw(2025, 6, 4, 17, 42, 10))

    assert started == [every_minute.module_path, hourly.module_path]
    assert (enqueued(every_minute), enqueued(hourly)) == (2, 2)
    assert ScheduledRun.objects.filter(job=hourly.module_path).latest("slot").slot == warsaw(2025, 6, 4, 17, 0)


def test_a_nightly_job_runs_once_when_clocks_go_back(jobs):
    # On 26 October 2025 the hour 02:00-03:00 happens twice in Warsaw.
    worker = Scheduler("worker-a")
    worker.tick(warsaw(2025, 10, 26, 2, 45, fold=0))

    second_pass = worker.tick(warsaw(2025, 10, 26, 2, 45, fold=1))

    assert second_pass == [every_minute.module_path, hourly.module_path]
    assert enqueued(nightly) == 1
    assert enqueued(hourly) == 2  # two real hours both started at "02:00"


def test_jobs_are_listed_by_name(jobs):
    names = [job.name for job in scheduler.jobs()]

    assert names == sorted(names)
    assert names == [every_minute.module_path, hourly.module_path, nightly.module_path]


def test_the_apps_periodic_jobs_are_registered():
    import accord.activities.tasks
    import accord.core.tasks  # noqa: F401

    crons = {job.name: job.cron for job in scheduler.jobs()}

    assert crons["accord.core.tasks.dispatch_events"] == "* * * * *"
    assert crons["accord.core.tasks.prune_bookkeeping"] == "17 3 * * *"
    assert crons["accord.activities.tasks.fire_due_reminders"] == "* * * * *"
