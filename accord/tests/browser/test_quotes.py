"""Quotes in a real browser: sent and accepted from the keyboard, and readable on a phone-sized screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from accord.identity.models import Role, Team, User
from accord.people import services as people
from accord.sales.models import Deal
from accord.sales.services import quotes as services
from accord.sales.tests.test_quotes import make_deal

pytestmark = pytest.mark.browser
PASSWORD = "a-long-test-password"


@pytest.fixture
def rep(transactional_db: Any) -> User:
    user = User.objects.create_user(
        username="kasia",
        password=PASSWORD,
        first_name="Kasia",
        email="kasia@example.com",
        role=Role.objects.get(code=Role.SALES_REP),
    )
    user.teams.add(Team.objects.create(name="North"))
    return User.objects.select_related("role").get(pk=user.pk)


def log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "kasia")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-day/$"))


def test_a_quote_is_sent_and_accepted_from_the_keyboard(browser_context: Any, live_server: Any, rep: User):
    contact = people.create_contact(
        actor=rep, data={"first_name": "Zofia", "last_name": "Gęślak", "emails": [{"email": "zofia@example.com"}]}
    )
    deal = make_deal(rep, contacts=[contact])
    page = browser_context(1280, 800)
    log_in(page, live_server.url)

    # Made here rather than from the deal's page, which is another screen's (its button is tested in
    # test_quote_views); from here on everything is done from the keyboard.
    quote = services.create_from_deal(actor=rep, deal=deal)
    page.goto(f"{live_server.url}/sales/quotes/{quote.pk}/")

    page.get_by_role("link", name="Send").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("To")).to_have_value("zofia@example.com")
    page.get_by_role("button", name="Send").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".record-meta .badge")).to_have_text("Sent")
    assert len(mail.outbox) == 1

    page.get_by_label("Note").focus()
    page.keyboard.type("Signed by the CFO")
    page.keyboard.press("Tab")  # to "Mark the deal won", ticked
    page.keyboard.press("Tab")  # to "Accepted"
    page.keyboard.press("Enter")
    expect(page.locator(".record-meta .badge")).to_have_text("Accepted")
    quote.refresh_from_db()
    assert (quote.status, quote.decision_note) == ("accepted", "Signed by the CFO")
    assert Deal.objects.get(pk=deal.pk).status == "won"


def test_the_quote_page_fits_a_phone(browser_context: Any, live_server: Any, rep: User):
    quote = services.create_from_deal(actor=rep, deal=make_deal(rep))
    page = browser_context(390, 844)
    log_in(page, live_server.url)

    for path in (f"/sales/quotes/{quote.pk}/", "/sales/quotes/", f"/sales/quotes/{quote.pk}/send/"):
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    page.goto(f"{live_server.url}/sales/quotes/{quote.pk}/")
    expect(page.get_by_text("2,320.88 PLN").first).to_be_visible()
