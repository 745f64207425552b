"""A live chat between a visitor on a customer's website (a page of its own origin embedding the
widget) and an agent in the console, both real Chromium pages against a real ASGI server (uvicorn
serving accord/asgi.py, WebSockets and all)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import Role, User
from accord.service.models import ChatSession, ChatStatus, Queue
from accord.service.services import chat
from accord.tests.browser.helpers import PASSWORD, log_in

# Another origin on this machine (Chromium keeps public pages from loopback servers).
SHOP = "http://localhost:8999"


@pytest.fixture
def asgi_server(transactional_db: Any) -> Iterator[str]:
    """uvicorn serving the ASGI application in a thread of this process (its database is the
    test's); the URL it answers on."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config("accord.asgi:application", host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the ASGI server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_visitor_and_an_agent_chat_in_real_time(asgi_server: str, chromium: Any) -> None:
    User.objects.create_user(username="boss", password=PASSWORD, role=Role.objects.get(code=Role.ADMIN))
    User.objects.create_user(
        username="sebastian", first_name="Sebastian", password=PASSWORD, role=Role.objects.get(code=Role.SUPPORT_AGENT)
    )
    channel = chat.create_channel(
        actor=None, name="Shop", queue=Queue.objects.create(name="Web", is_default=True), allowed_origins=[SHOP]
    )
    problems: list[str] = []

    agent_context = chromium.new_context(locale="en-GB")
    agent = agent_context.new_page()
    agent.set_default_timeout(15_000)
    agent.on("pageerror", lambda error: problems.append(f"agent: {error}"))
    agent.on("console", lambda m: problems.append(f"agent: {m.text}") if "Content Security Policy" in m.text else None)
    log_in(agent, asgi_server, username="sebastian")
    agent.goto(f"{asgi_server}/service/chat/")
    expect(agent.locator("#chat-status")).to_have_text("Online: new chats reach you.")

    # Chromium asks the user before a page reaches a server on this machine from another origin
    # (local network access); a customer's website and Accord are on different hosts in real life.
    from accord.tests.browser.conftest import CHROMIUM, FLAGS

    local = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=[*FLAGS, "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests"],
    )
    visitor_context = local.new_context(locale="en-GB")
    visitor = visitor_context.new_page()
    visitor.set_default_timeout(15_000)
    visitor.on("pageerror", lambda error: problems.append(f"visitor: {error}"))
    # The customer's website, at an origin of its own, embedding the widget from Accord.
    shop_page = (
        '<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>Shop</h1>'
        f'<script src="{asgi_server}/static/service/chat-widget.js" data-key="{channel.key}"></script></body></html>'
    )
    visitor.route(f"{SHOP}/", lambda route: route.fulfill(status=200, content_type="text/html", body=shop_page))
    visitor.goto(f"{SHOP}/")

    visitor.get_by_role("button", name="Chat with us").click()
    visitor.get_by_label("Your name").fill("Anna Nowak")
    visitor.get_by_role("textbox", name="E-mail").fill("anna@example.com")
    visitor.get_by_label("Your question").fill("Where is my order?")
    visitor.get_by_role("checkbox").check()
    visitor.get_by_role("button", name="Start chat").click()
    expect(visitor.locator(".accord-chat-log")).to_contain_text("Where is my order?")

    waiting = agent.locator(".chat-waiting-item", has_text="Anna Nowak")
    expect(waiting).to_contain_text("Where is my order?")
    waiting.get_by_role("button", name="Accept").click()
    session = agent.locator(".chat-session")
    expect(session.locator(".chat-contact")).to_have_text("Anna Nowak")
    expect(visitor.locator(".accord-chat-log")).to_contain_text("Sebastian joined the chat.")

    visitor.get_by_role("textbox", name="Message", exact=True).press("a")
    expect(session.locator(".chat-typing")).to_be_visible()
    visitor.get_by_role("textbox", name="Message", exact=True).fill("Is it shipped?")
    visitor.get_by_role("textbox", name="Message", exact=True).press("Enter")
    expect(session.locator(".chat-log")).to_contain_text("Is it shipped?")

    session.locator("textarea").fill("<b>It ships today</b>")
    session.get_by_role("button", name="Send").click()
    expect(visitor.locator(".accord-chat-from-agent .accord-chat-body").last).to_have_text("<b>It ships today</b>")
    assert visitor.locator(".accord-chat b").count() == 0  # shown as text, never as markup

    session.get_by_role("button", name="End: resolved").click()
    expect(visitor.locator(".accord-chat-note")).to_have_text("The chat has ended.")
    found = ChatSession.objects.get()
    assert (found.status, found.end_reason, found.contact.primary_email) == (
        ChatStatus.ENDED,
        "resolved",
        "anna@example.com",
    )
    assert found.interaction is not None
    assert problems == []
    agent_context.close()
    visitor_context.close()
    local.close()
