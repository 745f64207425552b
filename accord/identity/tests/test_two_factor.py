"""Two-factor sign-in: setting it up, logging in with a code or a recovery code, throttling, roles
that require it, turning it off and an administrator's reset."""

from __future__ import annotations

import datetime
import re
import time
from base64 import b32decode
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.core.models import AuditEntry, Event
from accord.identity import services
from accord.identity.models import RecoveryCode, RecoveryCodeDevice, Role
from accord.identity.services import twofactor
from accord.identity.views import PENDING_KEY

PASSWORD = "a-long-test-password"


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def turn_on(user: Any) -> list[str]:
    device = twofactor.pending_authenticator(user=user)
    codes = twofactor.confirm_authenticator(user=user, code=code_for(device))
    assert codes is not None
    return codes


def log_in_with_password(client: Any, username: str = "owner") -> Any:
    return client.post("/login/", {"username": username, "password": PASSWORD})


def log_in_with_code(client: Any, user: Any) -> Any:
    """Log in the way people do: the password, then the code the app shows (the next one, so the
    code that confirmed the app is not reused)."""
    device = twofactor.authenticator(user)
    assert device is not None
    log_in_with_password(client, user.username)
    assert client.post("/login/code/", {"code": code_for(device, steps_ahead=1)}).status_code == 302
    return client


# --- setting up -------------------------------------------------------------------------------------


def test_setup_page_shows_a_qr_code_and_the_secret_of_an_unconfirmed_device(login, owner):
    client = login(owner)

    page = client.get("/account/two-factor/")

    device = TOTPDevice.objects.get(user=owner)
    html = page.content.decode()
    assert page.status_code == 200
    assert device.confirmed is False
    assert "<svg" in html
    assert "<path" in html
    secret = twofactor.secret_of(device)
    assert secret in html
    assert b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)) == device.bin_key
    assert twofactor.has_two_factor(owner) is False


def test_reloading_the_setup_page_keeps_the_same_secret(login, owner):
    client = login(owner)
    client.get("/account/two-factor/")
    first = TOTPDevice.objects.get(user=owner).key

    client.get("/account/two-factor/")

    assert list(TOTPDevice.objects.filter(user=owner).values_list("key", flat=True)) == [first]


def test_a_wrong_code_does_not_turn_two_factor_on(login, owner):
    client = login(owner)
    client.get("/account/two-factor/")

    response = client.post("/account/two-factor/", {"code": "000000"})

    assert response.status_code == 422
    assert "This code is not right" in response.content.decode()
    assert twofactor.has_two_factor(owner) is False
    assert not RecoveryCodeDevice.objects.filter(user=owner).exists()


def test_a_valid_code_turns_it_on_shows_ten_recovery_codes_once_and_audits_it(login, owner):
    client = login(owner)
    client.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=owner)

    response = client.post("/account/two-factor/", {"code": code_for(device)}, follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [("/account/two-factor/recovery-codes/", 302)]
    assert "Two-factor sign-in is on" in html
    assert twofactor.has_two_factor(owner) is True
    shown = [line.split("<code>")[1].split("</code>")[0] for line in html.split("<li>") if "<code>" in line]
    assert len(shown) == 10
    assert len(set(shown)) == 10
    stored = set(RecoveryCode.objects.filter(device__user=owner).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not stored & set(shown)  # only hashes are kept
    entry = AuditEntry.objects.filter(entity="identity.user", object_id=owner.pk).latest("at")
    assert entry.actor_id == owner.pk
    assert entry.changes["two_factor"] == [False, True]
    assert entry.changes["recovery_codes_left"] == [0, 10]
    event = Event.objects.filter(name="identity.user.updated", object_id=owner.pk).latest("id")
    assert event.payload == {"fields": ["authenticator", "recovery_codes_left", "two_factor"]}
    # The session that set it up counts as signed in with two factors.
    assert client.get("/contacts/").status_code == 200


def test_a_new_phone_replaces_the_old_authenticator_and_keeps_the_recovery_codes(client, owner):
    codes = turn_on(owner)
    old = twofactor.authenticator(owner)
    log_in_with_code(client, owner)
    client.get("/account/two-factor/")
    new = TOTPDevice.objects.get(user=owner, confirmed=False)

    response = client.post("/account/two-factor/", {"proof": PASSWORD, "code": code_for(new)})

    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=owner).values_list("pk", flat=True)) == [new.pk]
    assert old is not None
    assert old.pk != new.pk
    assert twofactor.recovery_codes_left(owner) == len(codes) == 10


def test_a_new_phone_is_confirmed_with_the_old_phones_code_instead_of_the_password(client, owner):
    turn_on(owner)
    old = twofactor.authenticator(owner)
    assert old is not None
    log_in_with_code(client, owner)
    client.get("/account/two-factor/")
    new = TOTPDevice.objects.get(user=owner, confirmed=False)

    response = client.post("/account/two-factor/", {"proof": code_for(old, steps_ahead=2), "code": code_for(new)})

    assert response.status_code == 302
    assert twofactor.authenticator(owner) == new


def test_replacing_the_authenticator_needs_the_password_or_the_current_code(client, owner):
    turn_on(owner)
    old = twofactor.authenticator(owner)
    log_in_with_code(client, owner)
    page = client.get("/account/two-factor/")
    new = TOTPDevice.objects.get(user=owner, confirmed=False)

    missing = client.post("/account/two-factor/", {"code": code_for(new)})
    wrong = client.post("/account/two-factor/", {"proof": "not-my-password", "code": code_for(new)})

    assert 'name="proof"' in page.content.decode()
    assert missing.status_code == 422
    assert wrong.status_code == 422
    assert "This is neither your password nor the code your authenticator app shows." in wrong.content.decode()
    assert twofactor.authenticator(owner) == old


def test_a_session_that_gave_only_the_password_cannot_replace_the_authenticator(client, owner):
    """A session logged in but not through the code (one from before two-factor sign-in was set
    up, or one that skipped the code step) is sent to type the code; the set-up is not open."""
    turn_on(owner)
    old = twofactor.authenticator(owner)
    client.force_login(owner)

    page = client.get("/account/two-factor/")
    posted = client.post("/account/two-factor/", {"proof": PASSWORD, "code": "123456"})

    assert page.status_code == 302
    assert page["Location"] == "/login/code/?next=%2Faccount%2Ftwo-factor%2F"
    assert posted["Location"] == page["Location"]
    assert list(TOTPDevice.objects.filter(user=owner).values_list("pk", flat=True)) == [old.pk]  # type: ignore[union-attr]


def test_an_unverified_session_of_a_role_that_requires_it_cannot_reach_the_set_up(client, owner):
    turn_on(owner)
    old = twofactor.authenticator(owner)
    Role.objects.filter(code=Role.SALES_REP).update(requires_two_factor=True)
    client.force_login(owner)

    page = client.get("/account/two-factor/")
    posted = client.post("/account/two-factor/", {"proof": PASSWORD, "code": "123456"})

    assert page["Location"] == "/login/code/"
    assert posted["Location"] == "/login/code/"
    assert list(TOTPDevice.objects.filter(user=owner).values_list("pk", flat=True)) == [old.pk]  # type: ignore[union-attr]


def test_the_service_refuses_a_replacement_from_an_unverified_session(owner):
    turn_on(owner)
    old = twofactor.authenticator(owner)
    new = twofactor.pending_authenticator(user=owner)

    with pytest.raises(ValidationError) as caught:
        twofactor.confirm_authenticator(user=owner, code=code_for(new), session_verified=False, proof=PASSWORD)

    assert caught.value.message_dict == {
        "__all__": ["Sign in with your code first: log out, then log in with your password and a code."]
    }
    assert twofactor.authenticator(owner) == old


# --- logging in -------------------------------------------------------------------------------------


def test_after_the_password_a_user_with_two_factor_is_asked_for_a_code(client, owner):
    turn_on(owner)

    response = log_in_with_password(client)

    assert response.status_code == 302
    assert response["Location"] == "/login/code/"
    # Not logged in yet: the password alone opens nothing.
    assert client.get("/contacts/")["Location"].startswith("/login/")
    assert client.get("/api/v1/me").status_code == 401


def test_the_code_from_the_app_finishes_the_login(client, owner):
    turn_on(owner)
    device = twofactor.authenticator(owner)
    assert device is not None
    log_in_with_password(client)

    response = client.post("/login/code/", {"code": code_for(device, steps_ahead=1)})

    assert response.status_code == 302
    assert response["Location"] == "/my-day/"
    assert client.get("/contacts/").status_code == 200
    assert PENDING_KEY not in client.session


def test_the_login_goes_on_to_the_page_asked_for(client, owner):
    turn_on(owner)
    device = twofactor.authenticator(owner)
    assert device is not None
    client.post("/login/?next=/companies/", {"username": "owner", "password": PASSWORD, "next": "/companies/"})

    response = client.post("/login/code/", {"code": code_for(device, steps_ahead=1)})

    assert response["Location"] == "/companies/"


def test_a_recovery_code_signs_in_once(client, owner):
    codes = turn_on(owner)
    log_in_with_password(client)

    first = client.post("/login/code/", {"code": codes[3].upper()})

    assert first.status_code == 302
    assert twofactor.recovery_codes_left(owner) == 9
    entry = AuditEntry.objects.filter(entity="identity.user", object_id=owner.pk).latest("at")
    assert entry.changes == {"recovery_codes_left": [10, 9]}
    client.post("/logout/")
    log_in_with_password(client)
    again = client.post("/login/code/", {"code": codes[3]})
    assert again.status_code == 200
    assert "This recovery code is not right, or it was used already." in again.content.decode()


def test_a_wrong_code_says_so_and_the_next_try_must_wait(client, owner):
    turn_on(owner)
    log_in_with_password(client)

    wrong = client.post("/login/code/", {"code": "123456"})
    too_soon = client.post("/login/code/", {"code": "654321"})

    assert wrong.status_code == 200
    assert "This code is not right." in wrong.content.decode()
    assert "Too many wrong codes: wait 1 second and try again." in too_soon.content.decode()
    assert client.get("/contacts/").status_code == 302
    assert TOTPDevice.objects.get(user=owner).throttling_failure_count == 1


def test_a_correct_code_is_refused_while_the_wait_lasts(client, owner):
    turn_on(owner)
    device = twofactor.authenticator(owner)
    assert device is not None
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=4, throttling_failure_timestamp=timezone.now()
    )
    log_in_with_password(client)

    response = client.post("/login/code/", {"code": code_for(device, steps_ahead=1)})

    assert "Too many wrong codes: wait 8 seconds and try again." in response.content.decode()
    assert client.get("/contacts/").status_code == 302


def test_five_wrong_codes_send_the_user_back_to_the_password(client, owner):
    turn_on(owner)
    log_in_with_password(client)
    TOTPDevice.objects.filter(user=owner).update(throttling_failure_count=0)

    for _ in range(5):
        # django-otp would make each try wait; the count after one password is what is tested here.
        TOTPDevice.objects.filter(user=owner).update(throttling_failure_timestamp=None)
        response = client.post("/login/code/", {"code": "111111"})

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert PENDING_KEY not in client.session
    assert client.get("/login/code/")["Location"] == "/login/"


def test_a_pending_login_expires_after_five_minutes(client, owner):
    turn_on(owner)
    device = twofactor.authenticator(owner)
    assert device is not None
    log_in_with_password(client)
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "until": time.time() - 1}
    session.save()

    response = client.post("/login/code/", {"code": code_for(device, steps_ahead=1)})

    assert response["Location"] == "/login/"
    assert client.get("/contacts/").status_code == 302


def test_a_user_without_two_factor_logs_in_with_the_password_alone(client, owner):
    response = log_in_with_password(client)

    assert response["Location"] == "/my-day/"


# --- roles that require it --------------------------------------------------------------------------


@pytest.fixture
def reps_require_two_factor(db: Any) -> Role:
    role = Role.objects.get(code=Role.SALES_REP)
    role.requires_two_factor = True
    role.save()
    return role


def test_a_role_that_requires_it_sends_the_user_to_set_up_before_anything_else(client, owner, reps_require_two_factor):
    log_in_with_password(client)

    page = client.get("/contacts/")
    htmx = client.get("/contacts/", headers={"HX-Request": "true"})
    api = client.get("/api/v1/me")
    setup = client.get("/account/two-factor/")

    assert page.status_code == 302
    assert page["Location"] == "/account/two-factor/"
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"] == "/account/two-factor/"
    assert api.status_code == 403
    assert setup.status_code == 200
    assert "Your role requires two-factor sign-in: set it up to continue." in setup.content.decode()
    assert client.get("/account/").status_code == 302


def test_once_set_up_the_user_reaches_every_page(client, owner, reps_require_two_factor):
    log_in_with_password(client)
    client.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=owner)

    client.post("/account/two-factor/", {"code": code_for(device)})

    assert client.get("/contacts/").status_code == 200
    assert client.get("/account/").status_code == 200


def test_a_session_older_than_the_requirement_is_asked_for_its_code(client, owner):
    turn_on(owner)
    client.force_login(owner)
    assert client.get("/contacts/").status_code == 200
    Role.objects.filter(code=Role.SALES_REP).update(requires_two_factor=True)

    response = client.get("/contacts/")

    assert response["Location"] == "/login/code/"
    device = twofactor.authenticator(owner)
    assert device is not None
    assert client.post("/login/code/", {"code": code_for(device, steps_ahead=1)})["Location"] == "/my-day/"
    assert client.get("/contacts/").status_code == 200


def test_bearer_tokens_are_not_held_back_by_the_requirement(api, owner, reps_require_two_factor):
    response = api(owner).get("/me")

    assert response.status_code == 200
    assert response.json()["username"] == "owner"


def test_a_junk_bearer_token_does_not_lift_the_requirement_from_the_session(client, owner, reps_require_two_factor):
    log_in_with_password(client)  # logged in, two-factor sign-in not set up yet

    api = client.get("/api/v1/me", headers={"Authorization": "Bearer junk"})
    page = client.get("/contacts/", headers={"Authorization": "Bearer junk"})

    assert api.status_code == 403
    assert api.json()["message"] == "Your role requires two-factor sign-in: set it up in the browser first."
    assert page["Location"] == "/account/two-factor/"


def test_a_valid_bearer_token_passes_beside_an_unverified_session(client, owner, teammate, reps_require_two_factor):
    _token, raw = services.create_token(user=teammate, name="sync")
    log_in_with_password(client)

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 200
    assert response.json()["username"] == "teammate"


def test_an_invalid_bearer_token_is_a_401_even_beside_a_good_session(login, owner):
    client = login(owner)

    junk = client.get("/api/v1/me", headers={"Authorization": "Bearer junk"})
    session_only = client.get("/api/v1/me")

    assert junk.status_code == 401
    assert junk["Content-Type"].startswith("application/json")
    assert session_only.status_code == 200


def test_the_bell_polled_from_the_set_up_page_gets_an_empty_answer_not_a_reload(client, owner, reps_require_two_factor):
    log_in_with_password(client)
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://testserver/account/two-factor/"}

    badge = client.get("/notifications/badge/", headers=htmx)
    elsewhere = client.get(
        "/notifications/badge/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/contacts/"}
    )

    assert badge.status_code == 204
    assert "HX-Redirect" not in badge
    assert badge.content == b""
    # From any other page the browser is still sent to set up.
    assert elsewhere.status_code == 204
    assert elsewhere["HX-Redirect"] == "/account/two-factor/"


def test_the_bell_polled_from_the_code_page_gets_an_empty_answer(client, owner):
    turn_on(owner)
    client.force_login(owner)
    Role.objects.filter(code=Role.SALES_REP).update(requires_two_factor=True)

    badge = client.get(
        "/notifications/badge/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/login/code/"},
    )

    assert badge.status_code == 204
    assert "HX-Redirect" not in badge


def test_logging_out_stays_open_while_setup_is_required(client, owner, reps_require_two_factor):
    log_in_with_password(client)

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


# --- recovery codes, turning off, resetting ---------------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(client, owner):
    old = turn_on(owner)
    log_in_with_code(client, owner)

    response = client.post("/account/two-factor/recovery-codes/", {"proof": PASSWORD}, follow=True)

    assert response.status_code == 200
    assert response.content.decode().count("<code>") == 10
    with pytest.raises(ValidationError) as caught:
        twofactor.verify(user=owner, code=old[0])
    assert caught.value.message_dict == {"code": ["This recovery code is not right, or it was used already."]}
    assert twofactor.recovery_codes_left(owner) == 10


def test_reloading_the_new_recovery_codes_neither_replaces_them_nor_shows_them_again(client, owner):
    turn_on(owner)
    log_in_with_code(client, owner)
    made = client.post("/account/two-factor/recovery-codes/", {"proof": PASSWORD})
    shown = client.get(made["Location"]).content.decode()
    codes = re.findall(r"<code>([\w-]+)</code>", shown)

    reloaded = client.get(made["Location"])

    assert made.status_code == 302
    assert len(codes) == 10
    assert reloaded["Location"] == "/account/#two-factor"
    assert twofactor.recovery_codes_left(owner) == 10
    assert isinstance(twofactor.verify(user=owner, code=codes[0]), RecoveryCodeDevice)


def test_new_recovery_codes_need_the_password_and_a_verified_session(client, login, owner):
    old = turn_on(owner)
    log_in_with_code(client, owner)

    without = client.post("/account/two-factor/recovery-codes/", {"proof": ""})
    wrong = client.post("/account/two-factor/recovery-codes/", {"proof": "not-my-password"})
    client.post("/logout/")
    unverified = login(owner).post("/account/two-factor/recovery-codes/", {"proof": PASSWORD})

    assert without.status_code == wrong.status_code == unverified.status_code == 422
    assert "This is neither your password nor the code your authenticator app shows." in wrong.content.decode()
    assert "Sign in with your code first" in unverified.content.decode()
    assert isinstance(twofactor.verify(user=owner, code=old[0]), RecoveryCodeDevice)


def test_turning_it_off_needs_the_password(client, owner):
    turn_on(owner)
    log_in_with_code(client, owner)

    refused = client.post("/account/two-factor/disable/", {"proof": "not-my-password"})
    accepted = client.post("/account/two-factor/disable/", {"proof": PASSWORD})

    assert refused.status_code == 422
    assert "This is neither your password nor the code your authenticator app shows." in refused.content.decode()
    assert accepted.status_code == 302
    assert twofactor.has_two_factor(owner) is False
    assert not RecoveryCodeDevice.objects.filter(user=owner).exists()


def test_a_session_that_gave_only_the_password_cannot_turn_it_off(login, owner):
    turn_on(owner)

    response = login(owner).post("/account/two-factor/disable/", {"proof": PASSWORD})

    assert response.status_code == 422
    assert "Sign in with your code first" in response.content.decode()
    assert twofactor.has_two_factor(owner) is True


def test_it_cannot_be_turned_off_when_the_role_requires_it(owner, reps_require_two_factor):
    turn_on(owner)
    owner.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        twofactor.disable(user=owner, proof=PASSWORD, session_verified=True)

    assert "Your role requires two-factor sign-in" in caught.value.message_dict["__all__"][0]
    assert twofactor.has_two_factor(owner) is True


def test_an_admin_resets_a_lost_phone_and_the_user_logs_in_with_the_password(client, login, owner, admin_user):
    turn_on(owner)
    admin = login(admin_user)

    response = admin.post(f"/settings/users/{owner.pk}/two-factor/")

    assert response.status_code == 302
    assert twofactor.has_two_factor(owner) is False
    entry = AuditEntry.objects.filter(entity="identity.user", object_id=owner.pk).latest("at")
    assert entry.actor_id == admin_user.pk
    assert entry.changes["two_factor"] == [True, False]
    admin.post("/logout/")
    assert log_in_with_password(client)["Location"] == "/my-day/"


def test_only_admins_reset_two_factor(login, owner, teammate):
    turn_on(owner)

    response = login(teammate).post(f"/settings/users/{owner.pk}/two-factor/")

    assert response.status_code == 403
    assert twofactor.has_two_factor(owner) is True


def test_codes_are_typed_any_way_people_type_them(owner):
    codes = turn_on(owner)

    device = twofactor.verify(user=owner, code=f"  {codes[0].replace('-', ' ').upper()} ")

    assert isinstance(device, RecoveryCodeDevice)
    assert RecoveryCode.objects.filter(device__user=owner, used_at__isnull=False).count() == 1
    assert RecoveryCode.objects.get(device__user=owner, used_at__isnull=False).used_at <= timezone.now()
    assert timezone.now() - RecoveryCode.objects.get(device__user=owner, used_at__isnull=False).used_at < (
        datetime.timedelta(minutes=1)
    )
