"""Double opt-in in a real browser: the person opens the confirmation link from the e-mail and
presses "Confirm". The page keeps its token from other sites without making the browser send the
form with ``Origin: null`` (which "no-referrer" does, and the CSRF check refuses)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import Role, User
from accord.marketing.models import Consent
from accord.marketing.services import Proof, request_confirmation
from accord.marketing.services.confirmation import confirmation_token
from accord.people import services as people
from accord.tests.browser.helpers import PASSWORD

pytestmark = pytest.mark.browser


def test_a_subscriber_confirms_from_the_link_on_a_phone(
    phone_page: Any, live_server: Any, transactional_db: Any
) -> None:
    marketer = User.objects.create_user(
        username="marta", password=PASSWORD, role=Role.objects.get(code=Role.MARKETER), language="en"
    )
    contact = people.create_contact(
        actor=marketer,
        data=people.contact_data(
            {"first_name": "Zofia", "last_name": "Żółta", "emails": [{"email": "zofia@example.com"}]}
        ),
    )
    consent = request_confirmation(
        actor=marketer,
        contact=contact,
        purpose="newsletter",
        proof=Proof(method="form", text="I want the newsletter.", source="site"),
    )

    response = phone_page.goto(f"{live_server.url}/marketing/c/{confirmation_token(consent)}/")
    assert response.headers["referrer-policy"] == "same-origin"
    phone_page.get_by_role("button").click()

    expect(phone_page.locator("h1")).not_to_have_text("Forbidden")
    assert Consent.objects.get(pk=consent.pk).state == "granted"
