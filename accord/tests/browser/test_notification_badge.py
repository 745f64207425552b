"""The unread count on the bell sits at the bell's shoulder and never covers the bell, on a desktop
and on a phone, from one notification to more than 99 ("99+")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import Role, User
from accord.messaging import services

pytestmark = pytest.mark.browser
PASSWORD = "a-long-test-password"


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-day/$"))


@pytest.mark.parametrize(("unread", "shown"), [(1, "1"), (9, "9"), (105, "99+")])
def test_the_badge_shows_the_count_beside_the_bell_without_covering_it(
    browser_context: Any, live_server: Any, transactional_db: Any, shot: Any, unread: int, shown: str
):
    rep = Role.objects.get(code=Role.SALES_REP)
    user = User.objects.create_user(username="ewa", password=PASSWORD, first_name="Ewa", last_name="Nowak", role=rep)
    for i in range(unread):
        services.notify(user=user, subject=f"Notification {i}", idempotency_key=f"badge-test-{i}")

    for width, height, name in ((1366, 900, "desktop"), (390, 844, "phone")):
        page = browser_context(width, height)
        log_in(page, live_server.url, "ewa")
        badge = page.locator("#bell-badge .badge-count")
        expect(badge).to_have_text(shown)
        bell = page.locator("summary.bell svg").bounding_box()
        box = badge.bounding_box()
        account = page.locator("summary .avatar").bounding_box()

        # At the bell's top right: the badge starts past the middle of the bell and ends above its
        # middle, so the bell's body and clapper stay in sight; it grows away from the bell, and
        # stops short of the account button beside it.
        assert box["x"] >= bell["x"] + bell["width"] * 0.75
        assert box["y"] + box["height"] <= bell["y"] + bell["height"] * 0.5
        assert box["x"] + box["width"] <= account["x"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"notification-badge-{unread}-{name}", full_page=False)
