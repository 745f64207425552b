"""Chromium enforces Accord's Content-Security-Policy on the main screens and their interactions
and reports no violation: nothing inline, nothing evaluated, no style injected by a library that
the policy blocks."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from accord.core.demos import DEMO_PASSWORD

pytestmark = pytest.mark.browser

# Every violation, wherever it happens (a page, a swapped fragment, a library), is written to the
# console, where the test collects it with Chromium's own "Refused to ..." reports.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
    " at " + e.sourceFile + ":" + e.lineNumber + " sample " + e.sample);
});
"""


@pytest.fixture
def demo(transactional_db: Any, settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    call_command("demo", "--size", "0.02", "--seed", "7", stdout=io.StringIO())


@pytest.fixture
def watched(page: Any) -> tuple[Any, list[str]]:
    """The page, and the list of violations reported on it."""
    violations: list[str] = []
    # The demo data makes the first pages slower than the other browser tests' pages.
    page.set_default_timeout(30_000)
    page.add_init_script(REPORT_VIOLATIONS)

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or "CSP violation" in text or "Refused to" in text:
            violations.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: violations.append(f"{page.url}: script error {error}"))
    return page, violations


def log_in_as_admin(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-day/$"))


def settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")


def test_the_main_screens_and_their_interactions_break_no_rule_of_the_policy(
    watched: tuple[Any, list[str]], live_server: Any, demo: None
) -> None:
    from accord.people.models import Company, Contact
    from accord.sales.models import Deal, Pipeline

    page, violations = watched
    base = live_server.url
    deal = Deal.objects.filter(lines__isnull=False).order_by("created_at").first()
    contact = Contact.objects.order_by("created_at").first()
    company = Company.objects.order_by("created_at").first()
    pipeline = Pipeline.objects.get(is_default=True)
    log_in_as_admin(page, base)

    response = page.goto(f"{base}/contacts/")
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy

    screens = [
        "/my-day/",
        "/contacts/",
        "/companies/",
        "/sales/leads/",
        "/sales/deals/",
        "/sales/quotes/",
        "/sales/products/",
        "/sales/price-lists/",
        "/interactions/",
        "/tasks/",
        "/calendar/",
        f"/contacts/{contact.pk}/",
        f"/companies/{company.pk}/",
        f"/sales/deals/{deal.pk}/",
        f"/sales/board/{pipeline.pk}/",
        "/sales/dashboard/",
        "/sales/forecast/",
        "/sales/settings/",
        f"/sales/settings/pipelines/{pipeline.pk}/",
        "/sales/settings/web-forms/",
        "/settings/custom-fields/",
        "/settings/users/",
        "/settings/system/",
        "/imports/contacts/new/",
        "/account/",
        "/notifications/",
        "/api/v1/docs",
        f"/{settings.ADMIN_URL}",
        f"/{settings.ADMIN_URL}identity/team/",
    ]
    for path in screens:
        page.goto(f"{base}{path}")
        settle(page)

    # The screens draw what their libraries draw.
    page.goto(f"{base}/sales/dashboard/")
    expect(page.locator("canvas").first).to_be_visible()
    page.goto(f"{base}/calendar/")
    expect(page.locator(".fc").first).to_be_visible()
    assert page.locator(".fc-toolbar").evaluate("el => getComputedStyle(el).display") == "flex"

    # A filter's select sends its form.
    page.goto(f"{base}/tasks/")
    page.select_option("#f-status", "done")
    expect(page).to_have_url(re.compile(r"status=done"))

    # The board's pipeline switch goes to the other pipeline.
    other = Pipeline.objects.exclude(pk=pipeline.pk).first()
    page.goto(f"{base}/sales/board/{pipeline.pk}/")
    page.select_option("#f-pipeline", f"/sales/board/{other.pk}/")
    expect(page).to_have_url(re.compile(rf"/sales/board/{other.pk}/$"))

    # The search box shows hits as one types, and again when focused.
    page.goto(f"{base}/contacts/")
    page.fill("#global-search", contact.last_name[:4])
    expect(page.locator("#search-results .search-hit").first).to_be_visible()
    page.mouse.click(1300, 880)  # a click elsewhere closes the hits, the text stays
    expect(page.locator("#search-results .search-hit")).to_have_count(0)
    page.locator("#global-search").focus()
    expect(page.locator("#search-results .search-hit").first).to_be_visible()

    # The notifications open from the bell.
    page.locator("summary.bell").click()
    settle(page)

    # A new deal's company picker offers companies as one types.
    page.goto(f"{base}/sales/deals/new/")
    page.locator("input[name$='company_name']").fill(company.name[:5])
    expect(page.locator(".lookup-options [data-pick], .lookup-options [data-pick-company]").first).to_be_visible()

    # Log a call: the contact picker.
    page.goto(f"{base}/interactions/new/?channel=phone")
    page.get_by_label("With").fill(contact.last_name[:5])
    expect(page.locator(".lookup-options [data-pick]").first).to_be_visible()
    # Cancel goes back where we came from.
    page.goto(f"{base}/tasks/")
    page.goto(f"{base}/interactions/new/?channel=phone")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/tasks/"))

    # A deal's line: choosing a product fills its price.
    page.goto(f"{base}/sales/deals/{deal.pk}/lines/new/")
    product = page.locator("select[name='product'] option:not([value=''])").first.get_attribute("value")
    page.select_option("select[name='product']", product)
    expect(page.locator("input[name='unit_price']")).not_to_have_value("")

    # SortableJS drags a stage (it styles the dragged element through the CSSOM).
    page.goto(f"{base}/sales/settings/pipelines/{pipeline.pk}/")
    handles = page.locator(".stage-item .handle")
    start, target = handles.nth(0).bounding_box(), handles.nth(1).bounding_box()
    with page.expect_navigation():  # the page reloads once the new order is saved
        page.mouse.move(start["x"] + 5, start["y"] + 5)
        page.mouse.down()
        page.mouse.move(target["x"] + 5, target["y"] + 10, steps=12)
        page.mouse.move(target["x"] + 5, target["y"] + 20, steps=5)
        page.mouse.up()
    settle(page)

    # The deal page's timeline and history load through htmx.
    page.goto(f"{base}/sales/deals/{deal.pk}/")
    settle(page)

    assert violations == [], "\n".join(violations)


def test_a_violation_would_be_reported(watched: tuple[Any, list[str]], live_server: Any, demo: None) -> None:
    """The listener itself works: an inline style set through the markup is caught."""
    page, violations = watched
    log_in_as_admin(page, live_server.url)

    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    page.wait_for_timeout(200)

    assert any("style-src" in v for v in violations), violations
