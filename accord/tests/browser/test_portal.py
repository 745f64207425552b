"""The portal in a real browser: a customer signs in with an e-mailed link, asks a question (the
knowledge base suggests an article while they type), reads the answer and accepts a quote; the page
fits a phone's screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import Role, User
from accord.messaging.models import Message
from accord.people import services as people
from accord.portal.services import invitations
from accord.sales.models import Quote
from accord.sales.services import deals, quotes
from accord.service.models import Ticket
from accord.service.services import knowledge, tickets

pytestmark = pytest.mark.browser
LINES = [{"description": "Printer", "quantity": "2", "unit_price": "500", "vat_rate": "23", "unit": "pcs"}]


@pytest.fixture
def rep(transactional_db: Any) -> User:
    return User.objects.create_user(
        username="kasia",
        password="a-long-test-password",
        first_name="Kasia",
        email="kasia@example.com",
        role=Role.objects.get(code=Role.ADMIN),
    )


def test_a_customer_signs_in_by_link_opens_a_ticket_and_accepts_a_quote(
    browser_context: Any, live_server: Any, rep: User, settings: Any
):
    settings.ACCORD_BASE_URL = live_server.url
    company = people.create_company(actor=rep, data=people.company_data({"name": "Alfa Sp. z o.o."}))
    contact = people.create_contact(
        actor=rep,
        data=people.contact_data(
            {
                "first_name": "Ewa",
                "last_name": "Nowak",
                "emails": [{"email": "ewa@alfa.example"}],
                "companies": [{"company": company}],
            }
        ),
    )
    article = knowledge.create_article(
        actor=rep,
        data={"title": "Printer blinks red", "body": "Turn it off and on.", "language": "en", "visibility": "public"},
    )
    knowledge.publish_article(actor=rep, article=article)
    deal = deals.create_deal(
        actor=rep, data={"name": "Printers", "company": company, "contacts": [contact], "lines": LINES}
    )
    quote = quotes.send(actor=rep, quote=quotes.create_from_deal(actor=rep, deal=deal), to="ewa@alfa.example")
    invitations.invite(actor=rep, contact=contact)
    page = browser_context(390, 844)  # a phone

    # The sign-in link, asked for on the portal's sign-in page and read from the outbox.
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("E-mail").last.fill("ewa@alfa.example")
    page.get_by_role("button", name="E-mail me a link").click()
    expect(page.get_by_text("If this address belongs to a portal account")).to_be_visible()
    body = Message.objects.filter(kind="portal.sign-in").get().body
    link = re.search(r"http://\S+/portal/login/link/\S+/", body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Ewa")).to_be_visible()

    # A question: the knowledge base suggests an article while it is typed.
    page.get_by_role("link", name="Ask a question").click()
    page.get_by_label("Subject").fill("Printer blinks red")
    page.get_by_label("Your question").press_sequentially("Our printer blinks red since the update")
    expect(page.get_by_role("link", name="Printer blinks red")).to_be_visible()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Your ticket #")).to_be_visible()
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.company_id) == ("portal", company.pk)

    # The agent answers (and notes something the customer never sees).
    tickets.reply(actor=rep, ticket=ticket, body="Please restart it.")
    tickets.reply(actor=rep, ticket=ticket, body="Internal: check firmware.", internal=True)
    page.reload()
    expect(page.get_by_text("Please restart it.")).to_be_visible()
    expect(page.get_by_text("Internal: check firmware.")).to_have_count(0)

    # The quote, accepted online.
    page.goto(f"{live_server.url}/portal/quotes/")
    page.get_by_role("link", name=quote.label).click()
    page.get_by_role("button", name="Accept this quote").click()
    expect(page.get_by_text(f"quote {quote.label} is accepted")).to_be_visible()
    assert Quote.objects.get(pk=quote.pk).status == "accepted"
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # A staff screen is not there for them.
    response = page.goto(f"{live_server.url}/contacts/")
    assert response.status == 404
