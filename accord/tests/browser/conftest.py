"""Headless Chromium (Debian's, not a downloaded one) driven by Playwright against a live server."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's synchronous API runs an event loop in this thread; Django's ORM calls in the test
# body are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Taken by each request of the live server; a test that writes while a page polls (playing the
# worker) takes it too (the ``server_turn`` fixture).
_TURN = threading.Lock()


@pytest.fixture
def server_turn() -> threading.Lock:
    return _TURN


@pytest.fixture(autouse=True, scope="session")
def _one_request_at_a_time() -> Iterator[None]:
    """The live server answers each request in a thread of its own, and on the in-memory SQLite
    database every thread shares one connection: a page and the notification badge's polling
    request arriving together used it at once ("bad parameter or other API misuse"). Requests
    take turns here; each still runs the whole middleware stack and view."""
    from django.core.handlers.wsgi import WSGIHandler

    handle = WSGIHandler.__call__

    def in_turn(self: WSGIHandler, environ: Any, start_response: Any) -> Any:
        with _TURN:
            return handle(self, environ, start_response)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WSGIHandler, "__call__", in_turn)
        yield


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install chromium`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1366, "height": 900}, locale="en-GB", reduced_motion="reduce")
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def phone_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True, has_touch=True
    )
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture
def browser_context(chromium: Any) -> Iterator[Any]:
    """A page factory, ``open_page(width, height)``, for tests that need several screen sizes or
    the clipboard."""
    contexts: list[Any] = []

    def open_page(width: int, height: int) -> Any:
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            locale="en-GB",
            permissions=["clipboard-read", "clipboard-write"],
        )
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        return tab

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot() -> Any:
    """Save a full-page screenshot under test-artifacts/screenshots/ and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str, *, full_page: bool = True) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture
def rep(transactional_db: Any) -> Any:
    """Kasia, a sales rep in team North, who signs in with ``helpers.log_in``."""
    from accord.identity.models import Role, Team, User
    from accord.tests.browser.helpers import PASSWORD

    user = User.objects.create_user(
        username="kasia", password=PASSWORD, first_name="Kasia", role=Role.objects.get(code=Role.SALES_REP)
    )
    user.teams.add(Team.objects.create(name="North"))
    return User.objects.select_related("role").get(pk=user.pk)
