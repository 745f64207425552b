"""The dashboards in a real browser: a manager opens Analytics → Dashboards, lands on the management
dashboard, clicks a tile and arrives at the filtered list showing exactly that many records; every
dashboard is captured on a desktop and on a phone."""

from __future__ import annotations

import decimal
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import Role, Team, User
from accord.people import services as people
from accord.sales.models import Stage
from accord.sales.services import deals
from accord.tests.browser.helpers import PASSWORD, log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def marta(transactional_db: Any) -> User:
    """A manager of team North, with open deals of her own and a won one."""
    user = User.objects.create_user(
        username="marta", password=PASSWORD, first_name="Marta", role=Role.objects.get(code=Role.MANAGER)
    )
    user.teams.add(Team.objects.create(name="North"))
    user = User.objects.select_related("role").get(pk=user.pk)
    company = people.create_company(actor=user, data=people.company_data({"name": "Żółta Łódź"}))
    for name, amount, stage in [
        ("Cranes", "12000", "Proposal"),
        ("Scaffolding", "4500", "Qualification"),
        ("Steel", "30000", "Negotiation"),
        ("Bolts", "800", "Won"),
    ]:
        deals.create_deal(
            actor=user,
            data={"name": name, "amount": decimal.Decimal(amount), "currency": "PLN", "company": company},
            stage=Stage.objects.get(pipeline__is_default=True, name=stage),
        )
    return user


def test_a_tile_opens_the_list_of_the_records_it_counts(
    page: Any,
    phone_page: Any,
    live_server: Any,
    marta: User,
    shot: Any,
) -> None:
    log_in(page, live_server.url, "marta")
    page.get_by_role("link", name="Dashboards").first.click()
    expect(page).to_have_url(re.compile(r"/analytics/dashboards/management/$"))
    tile = page.locator('[data-tile="open_deals"]')
    expect(tile.locator("[data-tile-value]")).to_have_text("3")
    shot(page, "dashboards-management-desktop")

    tile.click()

    expect(page).to_have_url(re.compile(r"/deals/\?status=open"))
    expect(page.locator("#list-total")).to_contain_text("3 records")
    for name in ("Cranes", "Scaffolding", "Steel"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Bolts", exact=True)).to_have_count(0)

    log_in(phone_page, live_server.url, "marta")
    for role in ("sales", "collections", "service", "marketing", "management"):
        page.goto(f"{live_server.url}/analytics/dashboards/{role}/")
        expect(page.locator(".kpi-grid .kpi-tile").first).to_be_visible()
        shot(page, f"dashboards-{role}-desktop")
        phone_page.goto(f"{live_server.url}/analytics/dashboards/{role}/")
        expect(phone_page.locator(".kpi-grid .kpi-tile").first).to_be_visible()
        shot(phone_page, f"dashboards-{role}-phone")
