"""A sales rep on their profile, in a real browser: changes their password, sets up two-factor
sign-in from the secret the page shows, then logs in again with the password and a code from the
app, and once more with a recovery code."""

from __future__ import annotations

import re
import time
from base64 import b32decode
from typing import Any

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from accord.identity.models import Role, Team, User

pytestmark = pytest.mark.browser
OLD_PASSWORD = "a-long-test-password"
NEW_PASSWORD = "my-new-passphrase-2026"


@pytest.fixture
def rep(transactional_db: Any) -> User:
    user = User.objects.create_user(
        username="rep",
        password=OLD_PASSWORD,
        first_name="Renata",
        last_name="Rep",
        email="rep@example.com",
        role=Role.objects.get(code=Role.SALES_REP),
    )
    user.teams.add(Team.objects.create(name="North"))
    return user


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the secret typed into it (RFC 6238, 30 s, 6 digits)."""
    key = secret.replace(" ", "")
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)), step=30, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def log_in(page: Any, base: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "rep")
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def log_out(page: Any) -> None:
    page.locator("summary[aria-label='Your account']").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Log out").click()


def test_rep_changes_password_sets_up_two_factor_and_logs_in_with_a_code_and_a_recovery_code(
    page: Any, live_server: Any, rep: User, shot: Any
):
    base = live_server.url
    log_in(page, base, OLD_PASSWORD)
    expect(page).to_have_url(re.compile(r"/my-day/$"))

    # The profile is one click away in the account menu.
    page.locator("summary[aria-label='Your account']").click()
    page.get_by_role("link", name="Your profile").click()
    expect(page.get_by_role("heading", name="Renata Rep")).to_be_visible()

    # Change the password: the current one is asked for, the new one twice.
    page.get_by_label("Current password").fill(OLD_PASSWORD)
    page.locator("#id_new_password").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()
    # Still logged in here.
    expect(page.get_by_role("heading", name="Renata Rep")).to_be_visible()

    # Set up two-factor sign-in from the key shown for manual entry.
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("[data-secret]").inner_text()
    shot(page, "two-factor-setup")
    page.get_by_role("textbox", name="Code").fill(app_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "two-factor-recovery-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.locator("#two-factor .badge-success")).to_have_text("On")

    # Log out; the old password no longer works, the new one asks for a code.
    log_out(page)
    log_in(page, base, OLD_PASSWORD)
    expect(page.get_by_text("Please enter a correct username and password.")).to_be_visible()
    log_in(page, base, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/login/code/$"))
    page.get_by_role("textbox", name="Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("This code is not right.")).to_be_visible()
    time.sleep(1.1)  # the wait after one wrong code
    # The code used to confirm the app cannot be used twice: the app's next code is typed.
    page.get_by_role("textbox", name="Code").fill(app_code(secret, steps_ahead=1))
    with page.expect_navigation():
        page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/my-day/$"))

    # And once more with a recovery code instead of the phone.
    log_out(page)
    log_in(page, base, NEW_PASSWORD)
    page.get_by_role("textbox", name="Code").fill(codes[0])
    with page.expect_navigation():
        page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/my-day/$"))
    expect(page.get_by_text("You signed in with a recovery code; 9 are left.")).to_be_visible()

    # A recovery code works once.
    log_out(page)
    log_in(page, base, NEW_PASSWORD)
    page.get_by_role("textbox", name="Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("This recovery code is not right, or it was used already.")).to_be_visible()


def test_profile_and_two_factor_setup_fit_a_phone(phone_page: Any, live_server: Any, rep: User):
    log_in(phone_page, live_server.url, OLD_PASSWORD)

    for path in ("/account/", "/account/two-factor/"):
        phone_page.goto(f"{live_server.url}{path}")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390, path


def test_the_set_up_page_a_role_requires_stays_put_while_the_bell_polls(page: Any, live_server: Any, rep: User):
    """The bell's badge asks for the unread count as the page loads; the answer to a session that
    has not set up two-factor sign-in yet must not send the page to itself again and again."""
    Role.objects.filter(code=Role.SALES_REP).update(requires_two_factor=True)
    log_in(page, live_server.url, OLD_PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/two-factor/$"))
    loads: list[str] = []
    page.on("load", lambda _page: loads.append(page.url))
    with page.expect_response(lambda response: "/notifications/badge/" in response.url) as polled:
        page.reload()
    assert polled.value.status == 204

    page.wait_for_timeout(2000)

    assert loads == [f"{live_server.url}/account/two-factor/"]  # the reload only
    page.get_by_role("textbox", name="Code").fill("123")
    page.wait_for_timeout(500)
    expect(page.get_by_role("textbox", name="Code")).to_have_value("123")
