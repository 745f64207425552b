"""The background worker's heartbeat in a real browser: an admin sees it on the System page and a
clear warning on every page once it is missing or stale; nobody else sees either."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from accord.core.models import WorkerHeartbeat
from accord.identity.models import Role, User

pytestmark = pytest.mark.browser
PASSWORD = "a-long-test-password"
WARNING = "tasks, reminders and automation are not running."


@pytest.fixture(autouse=True)
def database_task_queue() -> Iterator[None]:
    """Tasks wait in the database for a worker, as in every real deployment."""
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        yield


def make_user(username: str, role: str) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), role=Role.objects.get(code=role)
    )


@pytest.fixture
def boss(transactional_db: Any) -> User:
    return make_user("boss", Role.ADMIN)


@pytest.fixture
def rep(transactional_db: Any) -> User:
    return make_user("rep", Role.SALES_REP)


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-day/$"))


def heartbeat(ago: datetime.timedelta) -> WorkerHeartbeat:
    at = timezone.now() - ago
    return WorkerHeartbeat.objects.create(
        id="worker-1", host="app-1", pid=4242, started_at=at - datetime.timedelta(hours=2), beat_at=at
    )


def test_an_admin_sees_the_running_worker_on_the_system_page_and_no_warning(page: Any, live_server: Any, boss, shot):
    heartbeat(datetime.timedelta(seconds=70))
    log_in(page, live_server.url, "boss")
    expect(page.locator(".worker-warning")).to_have_count(0)

    page.get_by_role("link", name="System", exact=True).click()

    expect(page).to_have_url(re.compile(r"/settings/system/$"))
    expect(page.locator(".worker-status")).to_have_text("Running. Last heartbeat: a minute ago.")
    row = page.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text("app-1 · 4242")
    expect(row.locator("td").nth(1)).to_have_text("Running")
    expect(page.locator(".worker-warning")).to_have_count(0)
    shot(page, "system-running-desktop")


def test_an_admin_is_warned_on_every_page_when_the_worker_is_stale(
    page: Any, phone_page: Any, live_server: Any, boss, shot
):
    heartbeat(datetime.timedelta(minutes=10, seconds=5))
    expected = f"No background worker is running (last heartbeat 10\xa0minutes ago): {WARNING} System status"

    log_in(page, live_server.url, "boss")
    for path in ("/my-day/", "/contacts/", "/tasks/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("alert")).to_have_text(expected)
    shot(page, "worker-warning-desktop")

    page.get_by_role("link", name="System status").click()
    expect(page).to_have_url(re.compile(r"/settings/system/$"))
    expect(page.locator("tbody tr td").nth(1)).to_have_text("Silent")

    log_in(phone_page, live_server.url, "boss")
    expect(phone_page.get_by_role("alert")).to_have_text(expected)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone_page, "worker-warning-phone", full_page=False)


def test_an_admin_is_warned_when_no_worker_ever_reported(page: Any, live_server: Any, boss):
    log_in(page, live_server.url, "boss")

    expect(page.get_by_role("alert")).to_have_text(f"No background worker has reported yet: {WARNING} System status")


def test_other_users_see_no_warning_and_no_system_page(page: Any, live_server: Any, rep):
    heartbeat(datetime.timedelta(hours=1))

    log_in(page, live_server.url, "rep")

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text(WARNING)).to_have_count(0)
    expect(page.get_by_role("link", name="System", exact=True)).to_have_count(0)
    response = page.goto(f"{live_server.url}/settings/system/")
    assert response.status == 403
