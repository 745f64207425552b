"""The bulk confirmation recounts as the tag is typed: only records that would really change are
counted and offered, those already tagged are "already as asked"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import Role, User
from accord.people import services as people

pytestmark = pytest.mark.browser
PASSWORD = "a-long-test-password"


def test_the_confirmation_recounts_when_the_tag_is_entered(page: Any, live_server: Any, transactional_db: Any) -> None:
    admin = User.objects.create_user(username="ola", password=PASSWORD, role=Role.objects.get(code=Role.ADMIN))
    for i in range(3):
        people.create_contact(
            actor=admin,
            data={"first_name": "Jan", "last_name": f"Nowak{i}", "source": "event", "tags": ["VIP"] if i else []},
        )
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "ola")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-day/$"))

    page.goto(f"{base}/lists/contact/bulk/?action=tag_add&source=event")
    expect(page.locator("[data-bulk-summary]")).to_contain_text("3 you may change.")
    page.fill("#bulk-tag", "vip")
    page.locator("#bulk-tag").blur()

    expect(page.locator("[data-bulk-summary]")).to_contain_text("1 will change.")
    expect(page.locator("[data-bulk-summary]")).to_contain_text("2 already as asked")
    expect(page.locator("#bulk-submit")).to_have_text(re.compile("Change 1 record$"))
    expect(page.locator("[data-bulk-sample]")).to_have_text("Jan Nowak0")
