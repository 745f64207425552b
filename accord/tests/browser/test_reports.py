"""The report builder in a browser: build a pivot of deals, drill into a cell, export it; and the
same page on a phone keeps to the screen's width."""

from __future__ import annotations

import datetime
import decimal
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from accord.identity.models import Role, Team, User
from accord.sales.models import Deal, Pipeline
from accord.tests.browser.helpers import PASSWORD, log_in

pytestmark = pytest.mark.browser
D = decimal.Decimal


@pytest.fixture
def analyst(transactional_db: Any) -> User:
    """Ania, an administrator (who may export), with two reps' deals to count."""
    user = User.objects.create_user(
        username="ania", password=PASSWORD, first_name="Ania", role=Role.objects.get(code=Role.ADMIN)
    )
    north = Team.objects.create(name="North")
    pipeline = Pipeline.objects.get(is_default=True)
    first, second = list(pipeline.stages.order_by("position"))[:2]
    reps = [
        User.objects.create_user(
            username=name, password=PASSWORD, first_name=name.title(), role=Role.objects.get(code=Role.SALES_REP)
        )
        for name in ("marek", "ola")
    ]
    plan = [
        ("Fleet tyres", reps[0], first, "1200"),
        ("Depot lighting", reps[0], first, "800"),
        ("Warehouse racks", reps[0], second, "5000"),
        ("Office chairs", reps[1], second, "300"),
    ]
    for name, owner, stage, amount in plan:
        Deal.objects.create(
            name=name,
            pipeline=pipeline,
            stage=stage,
            owner=owner,
            team=north,
            amount=D(amount),
            currency="PLN",
            expected_close=datetime.date(2026, 3, 1),
        )
    return user


def test_build_a_pivot_drill_into_a_cell_and_export_it(page: Any, live_server: Any, analyst: User, shot: Any) -> None:
    log_in(page, live_server.url, "ania")
    page.goto(f"{live_server.url}/analytics/reports/new/?entity=deals")

    page.select_option("#p-rows", "owner")
    page.select_option("#p-columns", "stage")
    page.check("input[name=measure][value='sum:amount']")
    page.click("#pivot-run")

    table = page.locator("#pivot-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first.locator("th")).to_have_text("Marek")
    expect(table.locator("tr.total-row")).to_contain_text("7,300.00")
    expect(page.locator("#pivot-chart")).to_be_visible()
    shot(page, "report-builder-desktop")

    qualification = Pipeline.objects.get(is_default=True).stages.order_by("position").first()
    assert qualification is not None
    page.locator("#pivot-table tbody tr").first.locator(f"td a[href*='col={qualification.pk}']").first.click()
    drill = page.locator("#drill-table")
    expect(drill).to_be_visible()
    expect(drill).to_contain_text("Fleet tyres")
    expect(drill).to_contain_text("Depot lighting")
    expect(drill).not_to_contain_text("Warehouse racks")
    shot(page, "report-drill-desktop")

    page.click("text=Back to the report")
    page.click("#report-export summary")
    with page.expect_download() as download:
        page.click("#report-export a[href*='format=xlsx']")
    sheet = load_workbook(io.BytesIO(open(download.value.path(), "rb").read())).active  # noqa: SIM115
    assert sheet is not None
    assert sheet.cell(row=1, column=1).value == "Owner"
    assert sheet.cell(row=sheet.max_row, column=1).value == "Total"
    if not page.locator("#report-export a[href*='format=pdf']").is_visible():
        page.click("#report-export summary")
    with page.expect_download() as as_pdf:
        page.click("#report-export a[href*='format=pdf']")
    with open(as_pdf.value.path(), "rb") as handle:
        assert handle.read(4) == b"%PDF"

    page.fill("#r-name", "Pipeline by owner and stage")
    page.click("#report-save")
    expect(page.locator("h1")).to_have_text("Pipeline by owner and stage")
    page.goto(f"{live_server.url}/analytics/reports/")
    expect(page.locator("table")).to_contain_text("Pipeline by owner and stage")
    shot(page, "report-list-desktop")


def test_the_builder_on_a_phone_keeps_to_the_screen(
    phone_page: Any, live_server: Any, analyst: User, shot: Any
) -> None:
    log_in(phone_page, live_server.url, "ania")

    phone_page.goto(
        f"{live_server.url}/analytics/reports/new/?entity=deals&rows=owner&columns=stage&measure=count&measure=sum:amount"
    )

    expect(phone_page.locator("#pivot-table")).to_be_visible()
    shot(phone_page, "report-builder-phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    phone_page.locator("#pivot-table tr.total-row td a").last.click()
    expect(phone_page.locator("#drill-table")).to_contain_text("Office chairs")
    shot(phone_page, "report-drill-phone")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
