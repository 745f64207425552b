"""Only administrators reach the user administration screens; the sidebar leads there, not to
Django's admin (which stays available)."""

from __future__ import annotations

from typing import Any

import pytest

from accord.identity import services
from accord.identity.models import Role, Team, Territory, User

NON_ADMINS = ["owner", "manager", "viewer", "support"]


@pytest.fixture
def targets(owner: User, team_north: Team, territory_mazovia: Territory) -> dict[str, Any]:
    token, _raw = services.create_token(user=owner, name="t")
    return {
        "user": owner.pk,
        "team": team_north.pk,
        "territory": territory_mazovia.pk,
        "role": Role.objects.get(code=Role.SALES_REP).pk,
        "token": token.pk,
    }


PAGES = [
    "/settings/users/",
    "/settings/users/new/",
    "/settings/users/{user}/",
    "/settings/teams/",
    "/settings/teams/{team}/",
    "/settings/territories/",
    "/settings/territories/{territory}/",
    "/settings/roles/",
    "/settings/roles/new/",
    "/settings/roles/{role}/",
]
WRITES = [
    ("/settings/users/new/", {"username": "x", "role": "admin"}),
    ("/settings/users/{user}/", {"role": "admin"}),
    ("/settings/users/{user}/active/", {"active": "0"}),
    ("/settings/users/{user}/password/", {"new_password": "p-a-s-s-w-o-r-d", "new_password_again": "p-a-s-s-w-o-r-d"}),
    ("/settings/users/{user}/reset-link/", {}),
    ("/settings/users/{user}/two-factor/", {}),
    ("/settings/teams/", {"name": "Mine"}),
    ("/settings/teams/{team}/", {"name": "Renamed"}),
    ("/settings/teams/{team}/delete/", {}),
    ("/settings/territories/", {"name": "Mine"}),
    ("/settings/territories/{territory}/delete/", {}),
    ("/settings/roles/new/", {"code": "boss", "name": "Boss", "is_admin": "on"}),
    ("/settings/roles/{role}/", {"name": "Sales rep", "is_admin": "on"}),
    ("/settings/roles/{role}/delete/", {}),
]


@pytest.mark.parametrize("persona", NON_ADMINS)
def test_non_admins_get_403_on_every_screen_and_change_nothing(request, client, targets, persona):
    client.force_login(request.getfixturevalue(persona))

    pages = {path: client.get(path.format(**targets)).status_code for path in PAGES}
    writes = {path: client.post(path.format(**targets), data).status_code for path, data in WRITES}

    assert set(pages.values()) == {403}, pages
    assert set(writes.values()) == {403}, writes
    owner = User.objects.select_related("role").get(pk=targets["user"])
    assert (owner.role.code, owner.is_active) == ("sales_rep", True)
    assert not Role.objects.filter(is_admin=True).exclude(code="admin").exists()
    assert Team.objects.filter(pk=targets["team"], name="North").exists()
    assert not Team.objects.filter(name="Mine").exists()


def test_admins_reach_every_screen(login, admin_user, targets):
    client = login(admin_user)

    pages = {path: client.get(path.format(**targets)).status_code for path in PAGES}

    assert set(pages.values()) == {200}, pages


def test_anonymous_visitors_are_sent_to_log_in(client, targets):
    response = client.get("/settings/users/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/settings/users/"


def test_the_sidebar_leads_admins_to_the_users_screen(login, admin_user, owner):
    admin_page = login(admin_user).get("/contacts/").content.decode()

    assert 'href="/settings/users/"' in admin_page
    assert "/admin/identity/user/" not in admin_page


def test_the_sidebar_shows_no_user_administration_to_others(login, owner):
    page = login(owner).get("/contacts/").content.decode()

    assert 'href="/settings/users/"' not in page


def test_djangos_admin_stays_available(client, make_user):
    root = make_user(Role.ADMIN, username="root", is_superuser=True, is_staff=True)
    client.force_login(root)

    assert client.get("/admin/identity/user/").status_code == 200
