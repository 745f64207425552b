"""Layouts of the sales and activities screens: the deal page on a phone keeps to the screen's
width, My day's stat cards line up, and Log a call's contact search covers no input."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import User
from accord.people import services as people
from accord.sales.models import LostReason, Stage
from accord.sales.services import deals
from accord.tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def box(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).first.bounding_box()


def test_a_lost_deal_on_a_phone_wraps_its_reason_and_scrolls_its_stages_inside_the_card(
    phone_page: Any, live_server: Any, rep: User, shot: Any
):
    deal = deals.create_deal(actor=rep, data={"name": "Fleet tyres for the northern depots", "currency": "PLN"})
    deal = deals.move_deal(actor=rep, deal=deal, stage=Stage.objects.get(pipeline=deal.pipeline, name="Negotiation"))
    deals.lose_deal(
        actor=rep,
        deal=deal,
        reason=LostReason.objects.get(name="Went with a competitor"),
        note="The customer chose a competitor whose offer was fifteen percent cheaper for three years",
    )
    log_in(phone_page, live_server.url)

    phone_page.goto(f"{live_server.url}/sales/deals/{deal.pk}/")

    card = box(phone_page, ".deal-stage")
    reason = box(phone_page, ".deal-lost-reason")
    bar = box(phone_page, ".deal-stage .stage-bar")
    shot(phone_page, "deal-lost-phone", full_page=False)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert card["x"] >= 0
    assert card["x"] + card["width"] <= 390
    assert reason["x"] + reason["width"] <= card["x"] + card["width"]
    assert reason["height"] > 30  # the long reason wrapped onto more lines
    assert bar["x"] + bar["width"] <= card["x"] + card["width"]
    # The stages keep their full names and scroll sideways inside the bar.
    assert phone_page.locator(".deal-stage .stage-bar").evaluate("el => el.scrollWidth > el.clientWidth")
    assert phone_page.locator(".deal-stage .stage-step, .deal-stage .stage-bar button").first.evaluate(
        "el => el.scrollWidth <= el.clientWidth"
    )


def test_my_days_stat_cards_line_up(page: Any, live_server: Any, rep: User):
    log_in(page, live_server.url)

    tops = page.locator(".stat-row > .card").evaluate_all("cards => cards.map(c => c.getBoundingClientRect().top)")

    assert len(tops) == 3
    assert max(tops) - min(tops) < 1


def test_log_a_call_starts_now_and_its_contact_search_covers_no_input(page: Any, live_server: Any, rep: User):
    for first in ("Halina", "Jan", "Zofia", "Piotr", "Ewa"):
        people.create_contact(actor=rep, data={"first_name": first, "last_name": "Wrzosek"})
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/interactions/new/?channel=phone")

    expect(page.get_by_label("When")).not_to_have_value("")
    page.get_by_label("With").fill("wrzos")
    expect(page.get_by_role("option", name="Zofia Wrzosek")).to_be_visible()

    name = box(page, "#party-name")
    options = box(page, ".lookup-options")
    channel = page.get_by_label("Channel").bounding_box()
    assert options["y"] >= name["y"] + name["height"] - 1
    assert channel["y"] >= options["y"] + options["height"]
    page.get_by_label("With").press("Escape")
    expect(page.get_by_role("option", name="Zofia Wrzosek")).to_be_hidden()
