"""The New menu's "Log a call": pick who, the channel decides which inputs show; a task's due date
from a shortcut."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.activities.models import Interaction, Task
from accord.identity.models import User
from accord.people import services as people
from accord.tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_log_a_call_shows_only_what_the_channel_records(page: Any, live_server: Any, rep: User, shot: Any):
    contact = people.create_contact(actor=rep, data={"first_name": "Halina", "last_name": "Wrzosek"})
    log_in(page, live_server.url)

    page.get_by_role("button", name="New").click()
    page.get_by_role("link", name="Log a call").click()
    expect(page.get_by_role("heading", name="Log a call")).to_be_visible()
    expect(page.get_by_label("Duration (minutes)")).to_be_visible()
    expect(page.get_by_label("Outcome")).to_be_visible()
    expect(page.get_by_label("Direction")).to_have_value("out")

    page.get_by_label("Channel").select_option("email")
    expect(page.get_by_label("Duration (minutes)")).to_be_hidden()
    expect(page.get_by_label("Outcome")).to_be_hidden()
    expect(page.get_by_label("Direction")).to_be_visible()
    page.get_by_label("Channel").select_option("note")
    expect(page.get_by_label("Direction")).to_be_hidden()
    page.get_by_label("Channel").select_option("phone")
    # What the note emptied is asked for again.
    expect(page.get_by_label("Direction")).to_have_value("")
    page.get_by_label("Direction").select_option("out")

    page.get_by_label("With").fill("wrzos")
    page.get_by_role("option", name="Halina Wrzosek").click()
    page.get_by_label("Duration (minutes)").fill("4")
    page.get_by_label("Outcome").select_option("connected")
    page.get_by_label("Subject").fill("Pricing questions")
    shot(page, "log-a-call")
    page.get_by_role("button", name="Log it").click()

    expect(page).to_have_url(re.compile(rf"/contacts/{contact.pk}/$"))
    call = Interaction.objects.get()
    assert (call.channel, call.direction, call.duration_seconds, call.outcome) == ("phone", "out", 240, "connected")


def test_a_due_date_shortcut_fills_the_task_form(page: Any, live_server: Any, rep: User):
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/tasks/new/")

    page.get_by_label("Title").fill("Send the contract")
    page.get_by_role("button", name="Tomorrow").click()
    value = page.get_by_label("Due", exact=True).input_value()
    page.get_by_role("button", name="Save").click()

    assert value.endswith("T09:00")
    expect(page.get_by_text("Send the contract")).to_be_visible()
    assert Task.objects.get().due_at is not None
