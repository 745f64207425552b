"""Workers' heartbeats, and what admins see of them: the System page and the warning on every page
when no worker has reported for two minutes."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from accord.core import workers
from accord.core.models import WorkerHeartbeat
from accord.core.workers import Heartbeat, Silence

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
WARNING = "tasks, reminders and automation are not running."


@pytest.fixture(autouse=True)
def database_task_queue():
    """Workers are needed when tasks wait in the database for them (the production shape)."""
    with override_settings(TASKS=DATABASE_TASKS):
        yield


def beat(worker_id: str, ago: datetime.timedelta, *, stopped: bool = False, **extra) -> WorkerHeartbeat:
    at = timezone.now() - ago
    return WorkerHeartbeat.objects.create(
        id=worker_id,
        host="app-1",
        pid=4242,
        started_at=at - datetime.timedelta(hours=1),
        beat_at=at,
        stopped_at=at if stopped else None,
        **extra,
    )


@pytest.mark.django_db
def test_a_worker_heard_from_a_minute_ago_gives_no_warning():
    beat("w1", datetime.timedelta(minutes=1))

    assert workers.silence() is None


@pytest.mark.django_db
def test_no_worker_ever_is_a_warning_without_a_last_beat():
    assert workers.silence() == Silence(last_beat=None)


@pytest.mark.django_db
def test_a_worker_silent_for_over_two_minutes_is_a_warning_since_its_last_beat():
    row = beat("w1", datetime.timedelta(minutes=2, seconds=5))

    assert workers.silence() == Silence(last_beat=row.beat_at)


@pytest.mark.django_db
def test_one_running_worker_is_enough_whatever_the_others_do():
    beat("killed", datetime.timedelta(hours=3))
    beat("stopped", datetime.timedelta(minutes=30), stopped=True)
    beat("alive", datetime.timedelta(seconds=10))

    assert workers.silence() is None


@pytest.mark.django_db
def test_a_worker_stopped_on_purpose_still_leaves_nobody_to_run_the_tasks():
    row = beat("w1", datetime.timedelta(seconds=5), stopped=True)

    assert workers.silence() == Silence(last_beat=row.beat_at)


@pytest.mark.django_db
def test_with_tasks_run_on_the_spot_no_worker_is_needed():
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}):
        assert workers.silence() is None


@pytest.mark.django_db
def test_a_heartbeat_keeps_one_row_per_worker_with_its_last_error():
    heartbeat = Heartbeat("worker-a")
    first = timezone.now()
    heartbeat.beat(first)

    heartbeat.failed(RuntimeError("database is locked"))
    heartbeat.beat(first + datetime.timedelta(seconds=10))

    row = WorkerHeartbeat.objects.get()
    assert row.pk == "worker-a"
    assert row.pid == heartbeat.pid
    assert row.host == heartbeat.host
    assert row.beat_at == first + datetime.timedelta(seconds=10)
    assert row.last_error == "RuntimeError: database is locked"
    assert row.last_error_at == heartbeat.error_at
    assert row.stopped_at is None


@pytest.mark.django_db
def test_a_stopped_heartbeat_marks_its_row_stopped():
    heartbeat = Heartbeat("worker-a")
    heartbeat.beat()

    heartbeat.stop()

    assert WorkerHeartbeat.objects.get().stopped_at is not None


@pytest.mark.django_db
def test_workers_silent_for_a_day_are_forgotten():
    beat("yesterday", datetime.timedelta(hours=24, minutes=1))
    beat("this-morning", datetime.timedelta(hours=23))

    assert workers.prune() == 1

    assert list(WorkerHeartbeat.objects.values_list("pk", flat=True)) == ["this-morning"]


@pytest.mark.django_db
def test_an_admin_sees_the_warning_on_every_page(login, admin_user):
    beat("w1", datetime.timedelta(minutes=7, seconds=10))
    client = login(admin_user)

    for path in ("/my-day/", "/contacts/", "/tasks/"):
        page = client.get(path).content.decode()
        assert "No background worker is running (last heartbeat 7\xa0minutes ago): " + WARNING in page
        assert 'href="/settings/system/">System status</a>' in page


@pytest.mark.django_db
def test_an_admin_told_no_worker_ever_reported(login, admin_user):
    page = login(admin_user).get("/my-day/").content.decode()

    assert "No background worker has reported yet: " + WARNING in page


@pytest.mark.django_db
def test_no_warning_while_a_worker_reports(login, admin_user):
    beat("w1", datetime.timedelta(seconds=20))

    page = login(admin_user).get("/my-day/").content.decode()

    assert WARNING not in page


@pytest.mark.django_db
def test_other_users_never_see_the_warning(login, owner, manager):
    for user in (owner, manager):
        page = login(user).get("/my-day/").content.decode()
        assert WARNING not in page
        assert "/settings/system/" not in page


@pytest.mark.django_db
def test_the_system_page_lists_each_worker_with_its_state_and_last_error(login, admin_user):
    beat("running", datetime.timedelta(seconds=90))
    beat("gone", datetime.timedelta(minutes=5), last_error="OperationalError: database is locked")
    beat("done", datetime.timedelta(hours=2), stopped=True)

    response = login(admin_user).get("/settings/system/")

    assert response.status_code == 200
    assert [(row.worker.pk, row.state) for row in response.context["workers"]] == [
        ("running", "running"),
        ("gone", "silent"),
        ("done", "stopped"),
    ]
    page = response.content.decode()
    assert "Running. Last heartbeat: a minute ago." in page
    assert "OperationalError: database is locked" in page
    assert WARNING not in page


@pytest.mark.django_db
def test_only_admins_open_the_system_page(login, manager):
    assert login(manager).get("/settings/system/").status_code == 403


@pytest.mark.django_db
def test_the_nightly_clean_up_forgets_workers_gone_for_a_day():
    from accord.core.tasks import prune_bookkeeping

    beat("gone", datetime.timedelta(days=2))
    beat("alive", datetime.timedelta(seconds=5))

    assert prune_bookkeeping.call()["workers"] == 1

    assert list(WorkerHeartbeat.objects.values_list("pk", flat=True)) == ["alive"]
