"""The service desk in the browser: an agent opens a ticket for a caller picked by name, answers
with a canned response (sent by e-mail), the customer writes back, the agent resolves it and the
ticket shows on the customer's page; on a phone the desk and the ticket read as well."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import Role, User
from accord.messaging.models import Message
from accord.people import services as people
from accord.service.models import CannedResponse, SlaPolicy, Ticket
from accord.service.services import tickets
from accord.tests.browser.helpers import PASSWORD, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def agent(transactional_db: Any) -> User:
    user = User.objects.create_user(
        username="sebastian",
        password=PASSWORD,
        first_name="Sebastian",
        role=Role.objects.get(code=Role.SUPPORT_AGENT),
    )
    return User.objects.select_related("role").get(pk=user.pk)


def test_open_answer_and_resolve_a_ticket(
    page: Any, phone_page: Any, live_server: Any, agent: User, server_turn: Any, shot: Any
) -> None:
    anna = people.create_contact(
        actor=agent,
        data=people.contact_data(
            {"first_name": "Anna", "last_name": "Żółkiewska", "emails": [{"email": "anna@example.com"}]}
        ),
    )
    SlaPolicy.objects.create(name="Standard", first_response_minutes=240, resolution_minutes=2880)
    CannedResponse.objects.create(name="Restart", body="Hello {{ contact.first_name }}, please restart the printer.")
    log_in(page, live_server.url, username="sebastian")

    page.goto(f"{live_server.url}/service/tickets/")
    page.get_by_role("link", name="New ticket").first.click()
    page.locator("#ticket-contact").fill("Żółkiew")
    page.get_by_role("option", name="Anna Żółkiewska").click()
    page.get_by_role("button", name="Open the ticket").click()  # no subject: refused, saying which field
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    page.get_by_label("Subject").fill("Printer blinks red")
    page.get_by_label("What the customer asks").fill("Since this morning the printer blinks red.")
    page.get_by_role("button", name="Open the ticket").click()
    expect(page.get_by_role("heading", name="Printer blinks red")).to_be_visible()
    ticket = Ticket.objects.get()
    expect(page.locator('[data-target="first_response"]')).to_have_attribute("data-state", "running")

    page.get_by_label("Canned response").select_option(label="Restart")
    expect(page.locator("#reply-body")).to_have_value("Hello Anna, please restart the printer.")
    page.get_by_label("Then").select_option(label="Waiting for the customer")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("The reply is on its way to anna@example.com.")).to_be_visible()
    expect(page.locator(".msg-reply")).to_contain_text("please restart the printer")
    expect(page.locator('[data-target="first_response"]')).to_have_attribute("data-state", "met")
    assert Message.objects.filter(kind="ticket_reply", to_address="anna@example.com").count() == 1

    with server_turn:
        tickets.add_customer_message(ticket=ticket, body="It works again, thanks!", channel="email")
    page.reload()
    expect(page.locator(".msg-customer").last).to_contain_text("It works again")
    page.get_by_label("Status").select_option(label="Resolved")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The ticket was saved.")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status == "resolved"
    shot(page, "ticket-detail")

    page.goto(f"{live_server.url}/contacts/{anna.pk}/")
    expect(page.locator("#tickets-panel")).to_contain_text(f"#{ticket.number} Printer blinks red")

    log_in(phone_page, live_server.url, username="sebastian")
    phone_page.goto(f"{live_server.url}/service/tickets/?open=false")
    expect(phone_page.get_by_role("link", name=f"#{ticket.number} Printer blinks red")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
    phone_page.goto(f"{live_server.url}/service/tickets/{ticket.pk}/")
    expect(phone_page.locator(".msg").first).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shot(phone_page, "ticket-detail-phone")
