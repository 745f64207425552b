"""The Django admin has no login of its own: it goes through Accord's, with the code step of
two-factor sign-in, and a session that gave the password only reaches no admin page."""

from __future__ import annotations

from typing import Any

import pytest

from accord.identity.models import Role, User
from accord.identity.services import twofactor
from accord.identity.tests.test_two_factor import PASSWORD, code_for, turn_on


@pytest.fixture
def root(make_user: Any) -> User:
    """A superuser with two-factor sign-in."""
    user = make_user(Role.ADMIN, username="root", is_superuser=True, is_staff=True)
    turn_on(user)
    return user


def test_the_admin_login_page_sends_to_accords_login(client, root):
    response = client.get("/admin/login/?next=/admin/identity/role/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/identity/role/"


def test_the_admins_password_form_does_not_log_in_a_user_with_two_factor(client, root):
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/admin/"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/identity/user/")["Location"].startswith("/admin/login/")


def test_the_admin_is_reached_after_the_password_and_the_code(client, root):
    device = twofactor.authenticator(root)
    assert device is not None
    to_login = client.get("/admin/")
    to_accord = client.get(to_login["Location"])
    client.post(to_accord["Location"], {"username": "root", "password": PASSWORD, "next": "/admin/"})

    response = client.post("/login/code/", {"code": code_for(device, steps_ahead=1)})

    assert to_login["Location"] == "/admin/login/?next=/admin/"
    assert to_accord["Location"] == "/login/?next=/admin/"
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/identity/user/").status_code == 200


def test_a_session_without_the_code_reaches_no_admin_page_and_is_asked_for_it(client, root):
    device = twofactor.authenticator(root)
    assert device is not None
    client.force_login(root)  # logged in, the code not given

    page = client.get("/admin/identity/user/")
    login = client.get(page["Location"])
    code = client.post(login["Location"], {"code": code_for(device, steps_ahead=1)})

    assert page["Location"] == "/admin/login/?next=/admin/identity/user/"
    assert login["Location"] == "/login/code/?next=%2Fadmin%2Fidentity%2Fuser%2F"
    assert code["Location"] == "/admin/identity/user/"
    assert client.get("/admin/identity/user/").status_code == 200


def test_someone_who_does_not_administer_is_refused_not_sent_round_in_circles(login, owner):
    client = login(owner)

    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert client.get("/admin/login/?next=/admin/").status_code == 403
