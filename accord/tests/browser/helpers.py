"""What the browser tests share: the test password and signing in through the login page."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

PASSWORD = "a-long-test-password"


def log_in(page: Any, base: str, username: str = "kasia", password: str = PASSWORD) -> None:
    """Sign in through the login page and land on My day."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-day/$"))
