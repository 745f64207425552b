"""Sales settings and the catalogue in a real browser: stages reordered by dragging and from the
keyboard, the embed snippet copied with its button, and every screen fitting a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.core.models import Tag
from accord.identity.models import Role, User
from accord.sales.models import Pipeline
from accord.sales.services import admin_settings, products

pytestmark = pytest.mark.browser
PASSWORD = "a-long-test-password"


@pytest.fixture
def boss(transactional_db: Any) -> User:
    user = User.objects.create_user(
        username="boss", password=PASSWORD, first_name="Basia", role=Role.objects.get(code=Role.ADMIN)
    )
    return User.objects.select_related("role").get(pk=user.pk)


def log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-day/$"))


def stage_names(pipeline: Pipeline) -> list[str]:
    return list(pipeline.stages.order_by("position").values_list("name", flat=True))


def test_stages_are_reordered_by_dragging_and_from_the_keyboard(browser_context: Any, live_server: Any, boss: User):
    pipeline = Pipeline.objects.get(is_default=True)
    page = browser_context(1280, 800)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/sales/settings/pipelines/{pipeline.pk}/")

    handles = page.locator(".stage-item .handle")
    start, target = handles.nth(0).bounding_box(), handles.nth(1).bounding_box()
    with page.expect_navigation():  # the page reloads once the new order is saved
        page.mouse.move(start["x"] + 5, start["y"] + 5)
        page.mouse.down()
        page.mouse.move(target["x"] + 5, target["y"] + 10, steps=12)
        page.mouse.move(target["x"] + 5, target["y"] + 20, steps=5)
        page.mouse.up()
    expect(page.locator(".stage-name").first).to_have_text("Needs analysis")
    assert stage_names(pipeline)[:2] == ["Needs analysis", "Qualification"]

    page.get_by_role("button", name="Move Proposal up").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".stage-name").nth(1)).to_have_text("Proposal")
    assert stage_names(pipeline)[:3] == ["Needs analysis", "Proposal", "Qualification"]
    # The keyboard stays on the stage it moved, so pressing Enter again moves it further.
    expect(page.get_by_role("button", name="Move Proposal up")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".stage-name").first).to_have_text("Proposal")


def test_the_embed_snippet_is_copied_with_its_button(browser_context: Any, live_server: Any, boss: User):
    form = admin_settings.save_web_form(actor=boss, form=None, data={"name": "Demo", "fields": ["email"]})
    page = browser_context(1280, 800)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/sales/settings/web-forms/{form.pk}/")

    page.locator("[data-copy=snippet-html]").click()

    expect(page.locator("[data-copy-status]")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f'<form action="{live_server.url}/sales/f/{form.key}/" method="post"')


def test_catalogue_and_settings_screens_fit_a_phone(browser_context: Any, live_server: Any, boss: User):
    widget = products.create_product(
        actor=boss,
        data={"sku": "W-1", "name": "Widget", "vat_rate": "23", "prices": [{"currency": "PLN", "price": "100"}]},
    )
    price_list = products.save_price_list(
        actor=boss, price_list=None, data={"name": "Resellers", "currency": "PLN", "tag": Tag.objects.create(name="R")}
    )
    products.set_price_list_item(actor=boss, price_list=price_list, product=widget, price="80")
    form = admin_settings.save_web_form(actor=boss, form=None, data={"name": "Demo", "fields": ["email"]})
    pipeline = Pipeline.objects.get(is_default=True)
    page = browser_context(390, 844)
    log_in(page, live_server.url)

    for path in (
        "/sales/products/",
        f"/sales/products/{widget.pk}/",
        f"/sales/products/{widget.pk}/edit/",
        "/sales/price-lists/",
        f"/sales/price-lists/{price_list.pk}/",
        "/sales/settings/",
        "/sales/settings/pipelines/",
        f"/sales/settings/pipelines/{pipeline.pk}/",
        "/sales/settings/lost-reasons/",
        "/sales/settings/scoring/",
        "/sales/settings/web-forms/",
        f"/sales/settings/web-forms/{form.pk}/",
        "/sales/settings/automation/",
        "/sales/settings/automation/new/",
    ):
        page.goto(live_server.url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
