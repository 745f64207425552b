"""A typed deal amount survives the first product line, and the lines' total is offered, not forced."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import User
from accord.sales.models import Deal
from accord.tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_the_typed_amount_stays_when_the_first_line_comes_and_the_lines_total_is_offered(
    page: Any, live_server: Any, rep: User, shot: Any
):
    log_in(page, live_server.url)

    # Given a deal whose amount was typed: 48,000 PLN.
    page.goto(f"{live_server.url}/sales/deals/new/")
    page.get_by_label("Name").fill("Fleet tyres")
    page.get_by_label("Amount").fill("48000")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("[data-deal-amount]")).to_have_text("48,000.00 PLN")

    # When its first product line is added (4 x 1,260 = 5,040 PLN net).
    page.get_by_role("link", name="Add a line").click()
    page.get_by_label("Description").fill("Winter tyres")
    page.get_by_label("Quantity").fill("4")
    page.get_by_label("Unit price").fill("1260")
    page.get_by_label("VAT (%)").fill("23")
    page.get_by_role("button", name="Save").click()

    # Then the amount is kept, the user is told, and the lines' total is offered.
    expect(page.locator("[data-deal-amount]")).to_have_text("48,000.00 PLN")
    expect(page.get_by_text("The deal's amount stays 48,000.00 PLN as typed")).to_be_visible()
    offer = page.get_by_role("button", name="Use the lines' total (5,040.00 PLN)")
    expect(offer).to_be_visible()
    shot(page, "deal-amount-offer")

    # When the user accepts it, the amount becomes the lines' total and the offer goes.
    offer.click()
    expect(page.locator("[data-deal-amount]")).to_have_text("5,040.00 PLN")
    expect(page.locator("[data-amount-offer]")).to_have_count(0)
    deal = Deal.objects.get(name="Fleet tyres")
    assert (str(deal.amount), deal.amount_source) == ("5040.00", "lines")
