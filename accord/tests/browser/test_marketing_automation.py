"""A journey in the browser: built step by step on its pages, started, run for a contact whose
deal was won, and its steps' figures read on its page; on a phone too."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import User
from accord.marketing.models import Journey
from accord.marketing.services import journeys
from accord.people import services as people
from accord.tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_build_start_and_watch_a_journey(
    page: Any, phone_page: Any, live_server: Any, rep: User, server_turn: Any, shot: Any
) -> None:
    zofia = people.create_contact(actor=rep, data=people.contact_data({"first_name": "Zofia", "last_name": "Gęślak"}))
    log_in(page, live_server.url)

    page.goto(f"{live_server.url}/marketing/journeys/")
    page.get_by_role("link", name="New journey").click()
    page.get_by_label("Name").fill("Thank you")
    page.get_by_label("Starts when").select_option(label="A deal of theirs was won")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The journey was created: add its steps.")).to_be_visible()

    # Starting without steps is not offered: the page says what is missing.
    expect(page.get_by_text("Add at least one step.")).to_be_visible()
    page.get_by_role("link", name="Add a tag").click()
    page.get_by_role("button", name="Add the step").click()  # empty: refused, saying which field
    expect(page.get_by_text("This field is required.")).to_be_visible()
    page.get_by_label("Tag").fill("Customer")
    page.get_by_role("button", name="Add the step").click()
    page.get_by_role("link", name="Wait").click()
    page.get_by_label("Days").fill("2")
    page.get_by_role("button", name="Add the step").click()
    page.get_by_role("button", name="Move step 2 up").click()
    expect(page.locator(".journey-step").first).to_contain_text("Wait 2 d")

    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("The journey is running.")).to_be_visible()
    journey = Journey.objects.get()
    with server_turn:
        journeys.enroll(trigger="deal_won", contact_ids=[zofia.pk], key="deal:1")
        journeys.advance()

    page.reload()
    first, second = page.locator(".journey-step").all()
    expect(first.locator('[data-stat="reached"]')).to_have_text("1")
    expect(second.locator('[data-stat="waiting"]')).to_have_text("1")
    expect(page.get_by_role("link", name="Zofia Gęślak")).to_be_visible()
    shot(page, "journey-detail")

    log_in(phone_page, live_server.url)
    phone_page.goto(f"{live_server.url}/marketing/journeys/{journey.pk}/")
    expect(phone_page.get_by_role("heading", name="Thank you")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width
    shot(phone_page, "journey-detail-phone")
