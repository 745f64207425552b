"""The insight screens in a browser, on a desktop and on a phone: product profitability, the revenue
forecast and the return on the CRM draw their charts, keep to the phone's width and show their
tables."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal as D
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accord.analytics.tests import insight_data as data
from accord.identity.models import User
from accord.people import services as people
from accord.sales.models import Product
from accord.tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def _month(first: datetime.date, i: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + i
    return datetime.date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def sold(rep: User, settings: Any) -> None:
    """Thirty months of sales of three products to the rep's customer, and a few deals."""
    settings.DEFAULT_CURRENCY = "PLN"
    company = people.create_company(actor=rep, data=people.company_data({"name": "Hurtownia Północ"}))
    catalogue = [
        Product.objects.create(sku="CHR-1", name="Office chair", category="Furniture", unit_cost=D("180")),
        Product.objects.create(sku="DSK-2", name="Standing desk", category="Furniture", unit_cost=D("900")),
        Product.objects.create(sku="INS-3", name="Installation", category="Services", unit_cost=D("120")),
    ]
    first = _month(timezone.localdate().replace(day=1), -30)
    for i in range(30):
        season = 1 + 0.3 * math.sin(2 * math.pi * i / 12)
        chairs = int(20 * season + i / 3)
        data.invoice(
            company=company,
            day=_month(first, i).replace(day=12),
            lines=[
                (catalogue[0], str(chairs), str(chairs * 260), "180"),
                (catalogue[1], "2", "1700", "900"),  # sold below cost: a loss
                (catalogue[2], "3", str(int(450 * season)), "120"),
            ],
        )
    stages = data.pipeline()
    today = timezone.localdate()
    for k in range(6):
        data.deal(
            stages,
            owner=rep,
            status="won" if k % 3 else "lost",
            amount=str(5000 + 1000 * k),
            created=today - datetime.timedelta(days=200 - 30 * k),
            closed=today - datetime.timedelta(days=150 - 30 * k),
        )
        data.deal(
            stages,
            owner=rep,
            status="open",
            amount=str(8000 + 500 * k),
            created=today - datetime.timedelta(days=20),
            expected_close=_month(today.replace(day=1), k % 6).replace(day=20),
        )


SCREENS = [
    ("products", "/analytics/products/?period=quarter", "#chart-categories"),
    ("forecast", "/analytics/forecast/", "#chart-forecast"),
    ("roi", "/analytics/roi/?date={adopted}", "table"),
]


@pytest.mark.parametrize(("name", "path", "drawn"), SCREENS)
def test_each_screen_on_a_desktop_and_a_phone(
    page: Any, phone_page: Any, live_server: Any, rep: User, sold: None, shot: Any, name: str, path: str, drawn: str
) -> None:
    adopted = (timezone.localdate() - datetime.timedelta(days=120)).isoformat()
    url = live_server.url + path.format(adopted=adopted)
    for tab, size in ((page, "desktop"), (phone_page, "phone")):
        log_in(tab, live_server.url)
        tab.goto(url)
        expect(tab.locator(drawn).first).to_be_visible()
        if drawn.startswith("#chart"):
            # Chart.js sized the canvas: the chart was drawn, not left blank.
            tab.wait_for_function(f"document.querySelector('{drawn}').width > 0")
        shot(tab, f"insights-{name}-{size}")
        width = 1366 if size == "desktop" else 390
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
    assert page.locator("nav.nav a[aria-current='page']").count() == 1


def test_the_forecast_without_history_says_so_and_shows_the_pipeline(
    page: Any, live_server: Any, rep: User, shot: Any
) -> None:
    stages = data.pipeline()
    today = timezone.localdate()
    for k in range(3):
        data.deal(
            stages,
            owner=rep,
            status="open",
            amount=str(4000 + 1000 * k),
            created=today - datetime.timedelta(days=10),
            expected_close=_month(today.replace(day=1), k + 1).replace(day=15),
        )
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/analytics/forecast/?horizon=6")
    expect(page.get_by_text("A forecast needs at least 12 months of revenue")).to_be_visible()
    expect(page.locator("details.chart-table[open] tbody tr")).to_have_count(6)
    page.wait_for_function("document.querySelector('#chart-forecast').width > 0")
    shot(page, "insights-forecast-no-history-desktop")
