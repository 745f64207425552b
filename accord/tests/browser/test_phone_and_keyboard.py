"""On a phone-sized screen, and from the keyboard alone."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accord.activities import services as activities
from accord.core.events import dispatch_pending
from accord.identity.models import Role, Team, User
from accord.people import services as people

PASSWORD = "a-long-test-password"


@pytest.fixture
def rep(transactional_db: Any) -> User:
    team = Team.objects.create(name="North")
    user = User.objects.create_user(
        username="kasia", password=PASSWORD, first_name="Kasia", role=Role.objects.get(code=Role.SALES_REP)
    )
    user.teams.add(team)
    return User.objects.select_related("role").get(pk=user.pk)


def log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "kasia")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-day/$"))


def test_phone_layout_menu_list_and_record(phone_page: Any, live_server: Any, rep: User, shot: Any) -> None:
    contact = people.create_contact(
        actor=rep, data={"first_name": "Jonas", "last_name": "Kazlauskas", "phones": [{"number": "+370 612 34567"}]}
    )
    page = phone_page
    log_in(page, live_server.url)

    sidebar = page.locator(".sidebar")
    assert sidebar.bounding_box()["x"] < 0  # the menu starts off screen
    page.get_by_role("button", name="Menu").click()
    expect(sidebar).to_be_in_viewport()
    shot(page, "phone-01-menu", full_page=False)  # a full-page capture resizes the viewport
    sidebar.get_by_role("link", name="Contacts").click()

    row = page.locator("table.stackable tbody tr").first
    expect(row).to_contain_text("Jonas Kazlauskas")
    expect(row).to_contain_text("+370 612 34567")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    shot(page, "phone-02-contacts")

    page.get_by_role("link", name="Jonas Kazlauskas").click()
    expect(page).to_have_url(f"{live_server.url}/contacts/{contact.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "phone-03-contact")


def test_reminder_arrives_as_a_notification(page: Any, live_server: Any, rep: User, shot: Any) -> None:
    activities.create_task(
        actor=rep,
        data={"title": "Call Jonas back", "remind_at": timezone.now() - datetime.timedelta(minutes=1)},
    )
    activities.fire_due_reminders()
    dispatch_pending()
    log_in(page, live_server.url)

    expect(page.locator("#bell-badge")).to_have_text("1")
    page.locator("summary.bell").click()
    expect(page.locator("#notification-menu")).to_contain_text("Reminder: Call Jonas back")
    shot(page, "notification")


def test_a_task_can_be_added_and_ticked_off_from_the_keyboard(page: Any, live_server: Any, rep: User) -> None:
    contact = people.create_contact(actor=rep, data={"first_name": "Ana", "last_name": "Ionescu"})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/contacts/{contact.pk}/")

    page.locator("#tasks-panel summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.type("Send the catalogue")
    page.keyboard.press("Enter")
    task = page.locator("#tasks-panel .task-row", has_text="Send the catalogue")
    expect(task).to_be_visible()
    # htmx wires up swapped-in content once it settles; until then the button is a plain form post.
    expect(page.locator("#tasks-panel .htmx-added, #tasks-panel .htmx-settling")).to_have_count(0)
    page.wait_for_function(
        "form => Boolean(form['htmx-internal-data'] && form['htmx-internal-data'].initHash)",
        arg=task.locator("form").element_handle(),
    )

    task.locator("button.task-check").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#tasks-panel .task-row.done")).to_contain_text("Send the catalogue")
