"""The Customer value panel with the lifetime value and churn risk, on a desktop and a phone."""

from __future__ import annotations

import decimal
from typing import Any

from django.urls import reverse
from playwright.sync_api import expect

from accord.analytics.services.classification import classify
from accord.analytics.tests.factories import AS_OF, build_population
from accord.identity.models import User
from accord.people import services as people
from accord.sales.models import Product
from accord.tests.browser.conftest import ARTIFACTS
from accord.tests.browser.helpers import log_in


def test_the_panel_shows_clv_p_alive_and_churn_risk(
    page: Any, phone_page: Any, live_server: Any, rep: User, shot: Any
) -> None:
    rep.role.sees_amounts = True
    rep.role.save()
    widget = Product.objects.create(sku="W-1", name="Widget", unit_cost=decimal.Decimal("10.00"))
    made = build_population(
        lambda name: people.create_contact(
            actor=rep, data=people.contact_data({"first_name": name, "last_name": "Nowak"})
        ),
        lambda name: people.create_company(actor=rep, data=people.company_data({"name": name})),
        widget,
    )
    classify(as_of=AS_OF)  # RFM and ABC, then the lifetime values

    log_in(page, live_server.url)
    page.goto(live_server.url + reverse("people:company-detail", args=[made["regular"].pk]))
    panel = page.locator("#classification-panel")
    expect(panel.locator("#lifetime-value")).to_have_attribute("data-churn-risk", "low")
    expect(panel).to_contain_text("churn risk low")
    expect(panel).to_contain_text("× margin 66%")
    panel.scroll_into_view_if_needed()
    shot(page, "lifetime-panel-company", full_page=False)
    panel.screenshot(path=str(ARTIFACTS / "lifetime-panel-company-card.png"))

    page.goto(live_server.url + reverse("people:contact-detail", args=[made["stopped"].pk]))
    expect(page.locator("#lifetime-value")).to_have_attribute("data-churn-risk", "high")
    page.locator("#classification-panel").screenshot(path=str(ARTIFACTS / "lifetime-panel-contact-card.png"))

    log_in(phone_page, live_server.url)
    phone_page.goto(live_server.url + reverse("people:contact-detail", args=[made["stopped"].pk]))
    card = phone_page.locator("#classification-panel")
    expect(card).to_contain_text("churn risk high")
    card.scroll_into_view_if_needed()
    shot(phone_page, "lifetime-panel-phone", full_page=False)
