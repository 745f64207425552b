"""Chat channels' settings in a real Chromium against a real ASGI server: an admin sets a channel up
with an allowed website (a wrong address first, refused beside its field), copies the widget's
snippet; the widget on that website, with data-lang="pl", speaks Polish. Screenshots of the new
screens on a desktop and a phone."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from accord.identity.models import Role, User
from accord.service.models import ChatChannel, Queue
from accord.tests.browser.helpers import PASSWORD, log_in
from accord.tests.browser.test_live_chat import asgi_server

__all__ = ["asgi_server"]

SHOP = "http://localhost:8998"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def _watch(page: Any, who: str, problems: list[str]) -> None:
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: problems.append(f"{who}: {error}"))
    page.on(
        "console",
        lambda m: problems.append(f"{who}: {m.text}") if "Content Security Policy" in m.text else None,
    )


def test_an_admin_sets_up_a_channel_and_the_widget_speaks_polish(asgi_server: str, chromium: Any, shot: Any) -> None:
    User.objects.create_user(username="boss", password=PASSWORD, role=Role.objects.get(code=Role.ADMIN))
    Queue.objects.create(name="Web", is_default=True)
    problems: list[str] = []

    context = chromium.new_context(
        viewport=DESKTOP, locale="en-GB", permissions=["clipboard-read", "clipboard-write"], reduced_motion="reduce"
    )
    admin = context.new_page()
    _watch(admin, "admin", problems)
    log_in(admin, asgi_server, username="boss")
    admin.goto(f"{asgi_server}/service/settings/")
    expect(admin.get_by_role("heading", name="Chat channels")).to_be_visible()
    expect(admin.get_by_text("No chat channels yet")).to_be_visible()
    admin.get_by_role("link", name="New chat channel").click()

    admin.locator("#channel-name").fill("Shop")
    admin.locator("#channel-queue").select_option(label="Web")
    admin.get_by_label("Allowed websites", exact=True).fill("localhost:8998/shop")
    admin.get_by_label("Greeting", exact=True).fill("Ask us anything about your order.")
    admin.get_by_role("button", name="Save").click()
    error = admin.locator(".field.has-error", has=admin.get_by_label("Allowed websites", exact=True))
    expect(error).to_contain_text("Not a website address: localhost:8998/shop.")
    assert not ChatChannel.objects.exists()
    shot(admin, "chat-channel-error-desktop")

    admin.get_by_label("Allowed websites", exact=True).fill(SHOP)
    admin.get_by_role("button", name="Save").click()
    expect(admin).to_have_url(re.compile(r"/service/settings/chat/[0-9a-f-]+/$"))
    channel = ChatChannel.objects.get()
    assert channel.allowed_origins == [SHOP]
    snippet = admin.locator("#channel-snippet")
    expect(snippet).to_contain_text(f'data-key="{channel.key}"')
    expect(snippet).to_contain_text("/static/service/chat-widget.js")
    admin.get_by_role("button", name="Copy").click()
    expect(admin.locator("[data-copy-status]")).to_have_text("Copied")
    assert f'data-key="{channel.key}"' in admin.evaluate("navigator.clipboard.readText()")
    shot(admin, "chat-channel-desktop")
    admin.goto(f"{asgi_server}/service/settings/")
    expect(admin.locator(f'tr[data-channel="{channel.pk}"]')).to_contain_text(SHOP)
    shot(admin, "chat-settings-desktop")

    # The same screens on a phone.
    phone_context = chromium.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    phone = phone_context.new_page()
    _watch(phone, "phone", problems)
    log_in(phone, asgi_server, username="boss")
    phone.goto(f"{asgi_server}/service/settings/chat/{channel.pk}/")
    expect(phone.locator("#channel-snippet")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    shot(phone, "chat-channel-phone")
    phone.goto(f"{asgi_server}/service/settings/")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    shot(phone, "chat-settings-phone")
    phone.goto(f"{asgi_server}/service/settings/chat/new/")
    shot(phone, "chat-channel-new-phone")

    # The shop's website, at an origin of its own, embedding the widget in Polish. Chromium asks the
    # user before a page reaches a server on this machine from another origin (see test_live_chat).
    from accord.tests.browser.conftest import CHROMIUM, FLAGS

    local = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*FLAGS, "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests"],
    )
    visitor_context = local.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    visitor = visitor_context.new_page()
    _watch(visitor, "visitor", problems)
    shop_page = (
        '<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width">'
        "<title>Sklep</title></head><body><h1>Sklep</h1>"
        f'<script src="{asgi_server}/static/service/chat-widget.js" data-key="{channel.key}" data-lang="pl">'
        "</script></body></html>"
    )
    visitor.route(f"{SHOP}/", lambda route: route.fulfill(status=200, content_type="text/html", body=shop_page))
    with visitor.expect_response(re.compile(r"/service/chat/widget/.+lang=pl")) as config:
        visitor.goto(f"{SHOP}/")
    assert config.value.ok
    assert config.value.headers["access-control-allow-origin"] == SHOP
    visitor.locator(".accord-chat-toggle").click()
    panel = visitor.locator(".accord-chat-panel")
    expect(panel).to_contain_text("Twoje pytanie")
    expect(panel.locator(".accord-chat-consent")).to_contain_text("Zgadzam się")
    expect(panel.locator(".accord-chat-title")).to_have_text("Shop")
    expect(panel.locator(".accord-chat-greeting")).to_have_text("Ask us anything about your order.")
    expect(panel).not_to_contain_text("Your question")
    shot(visitor, "chat-widget-pl-phone", full_page=False)

    assert problems == []
    context.close()
    phone_context.close()
    visitor_context.close()
    local.close()
