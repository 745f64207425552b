"""The satisfaction survey in the browser, on a phone: the customer opens the link from the
e-mail sent when their ticket was resolved, sends without a score and is told to choose one,
picks 4 by its label, writes a comment and is thanked; the agent sees the answer on the ticket."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import Role, User
from accord.messaging.models import Message
from accord.people import services as people
from accord.service.models import SatisfactionSurvey
from accord.service.services import tickets
from accord.tests.browser.helpers import PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_a_customer_answers_the_survey_on_a_phone(
    page: Any, phone_page: Any, live_server: Any, transactional_db: Any, shot: Any
) -> None:
    agent = User.objects.create_user(
        username="sebastian", password=PASSWORD, first_name="Sebastian", role=Role.objects.get(code=Role.SUPPORT_AGENT)
    )
    anna = people.create_contact(
        actor=agent,
        data=people.contact_data(
            {"first_name": "Anna", "last_name": "Nowak", "emails": [{"email": "anna@example.com"}]}
        ),
    )
    ticket = tickets.create_ticket(actor=agent, contact=anna, subject="Printer jams", body="Paper stuck.")
    tickets.reply(actor=agent, ticket=ticket, body="Fixed.", status="resolved")
    body = Message.objects.get(kind="ticket_survey").body
    path = re.search(r"/service/survey/[A-Za-z0-9_-]+/", body).group(0)  # type: ignore[union-attr]

    phone_page.goto(f"{live_server.url}{path}")
    expect(phone_page.get_by_role("heading", name="How did we do?")).to_be_visible()
    phone_page.get_by_role("button", name="Send").click()
    expect(phone_page.get_by_text("Choose a score from 1 to 5.")).to_be_visible()
    phone_page.get_by_role("radio", name="4 Satisfied", exact=True).check()
    phone_page.get_by_label("Comment (optional)").fill("Quick help, thanks.")
    phone_page.get_by_role("button", name="Send").click()
    expect(phone_page.get_by_role("heading", name="Thank you!")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone_page, "satisfaction-survey-phone")
    survey = SatisfactionSurvey.objects.get()
    assert (survey.score, survey.comment) == (4, "Quick help, thanks.")

    log_in(page, live_server.url, username="sebastian")
    page.goto(f"{live_server.url}/service/tickets/{ticket.pk}/")
    expect(page.locator("[data-survey-score='4']")).to_be_visible()
    expect(page.get_by_text("Quick help, thanks.")).to_be_visible()
