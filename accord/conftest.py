"""Test personas and factories shared by every app's tests.

Personas (all in the same company, two sales teams):
  owner     sales rep in team North, owns the records under test
  teammate  sales rep in team North
  outsider  sales rep in team South
  manager   manages team North
  viewer    read-only user in team North
  admin     administrator
  support   support agent (sees everything, deletes nothing)
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from accord.identity import services as identity
from accord.identity.models import Role, Team, Territory, User
from accord.identity.roles import ensure_default_roles

_counter = itertools.count()


@pytest.fixture(autouse=True)
def _default_roles(request: pytest.FixtureRequest) -> None:
    """Tests that flush the database (transactional ones, the live server) lose the roles the
    migrations created; put them back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    if transactional or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        request.getfixturevalue("transactional_db")
        ensure_default_roles()
        from accord.billing.collection_defaults import ensure_collection_defaults, ensure_collection_templates
        from accord.sales.defaults import ensure_defaults

        ensure_defaults()
        ensure_collection_defaults()
        ensure_collection_templates()


@pytest.fixture(autouse=True)
def _language_reset() -> Any:
    """A request in another language switches this thread's language; the next test starts in
    the site's own language whatever the last one did."""
    yield
    translation.deactivate()


@pytest.fixture
def team_north(db: Any) -> Team:
    return Team.objects.create(name="North")


@pytest.fixture
def team_south(db: Any) -> Team:
    return Team.objects.create(name="South")


@pytest.fixture
def territory_mazovia(db: Any) -> Territory:
    return Territory.objects.create(name="Mazowieckie")


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(
        role: str = Role.SALES_REP,
        teams: list[Team] | None = None,
        territories: list[Territory] | None = None,
        username: str | None = None,
        **extra: Any,
    ) -> User:
        username = username or f"{role}-{next(_counter)}"
        user = User.objects.create_user(
            username=username,
            password="a-long-test-password",
            email=f"{username}@example.com",
            first_name=username.title(),
            role=Role.objects.get(code=role),
            **extra,
        )
        user.teams.set(teams or [])
        user.territories.set(territories or [])
        return User.objects.select_related("role").get(pk=user.pk)

    return make


@pytest.fixture
def owner(make_user: Callable[..., User], team_north: Team) -> User:
    return make_user(Role.SALES_REP, [team_north], username="owner")


@pytest.fixture
def teammate(make_user: Callable[..., User], team_north: Team) -> User:
    return make_user(Role.SALES_REP, [team_north], username="teammate")


@pytest.fixture
def outsider(make_user: Callable[..., User], team_south: Team) -> User:
    return make_user(Role.SALES_REP, [team_south], username="outsider")


@pytest.fixture
def manager(make_user: Callable[..., User], team_north: Team) -> User:
    user = make_user(Role.MANAGER, [], username="manager")
    team_north.managers.add(user)
    return User.objects.select_related("role").get(pk=user.pk)


@pytest.fixture
def viewer(make_user: Callable[..., User], team_north: Team) -> User:
    return make_user(Role.READ_ONLY, [team_north], username="viewer")


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN, [], username="admin")


@pytest.fixture
def support(make_user: Callable[..., User]) -> User:
    return make_user(Role.SUPPORT_AGENT, [], username="support")


@pytest.fixture
def make_company(db: Any) -> Callable[..., Any]:
    from accord.people import services

    def make(owner: User, **data: Any) -> Any:
        data.setdefault("name", f"Company {next(_counter)}")
        return services.create_company(actor=owner, data=services.company_data(data))

    return make


@pytest.fixture
def make_contact(db: Any) -> Callable[..., Any]:
    from accord.people import services

    def make(owner: User, **data: Any) -> Any:
        data.setdefault("first_name", "Jan")
        data.setdefault("last_name", f"Kowalski{next(_counter)}")
        return services.create_contact(actor=owner, data=services.contact_data(data))

    return make


@pytest.fixture
def login(client: Client) -> Callable[[User], Client]:
    def as_user(user: User) -> Client:
        client.force_login(user)
        return client

    return as_user


class ApiClient:
    """A test client speaking JSON to /api/v1 with a bearer token."""

    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _, raw = identity.create_token(user=user, name="tests")
            self.headers["Authorization"] = f"Bearer {raw}"

    def _call(self, method: str, path: str, data: Any = None, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        all_headers = {**self.headers, **(headers or {})}
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        fn = getattr(self.client, method)
        if method in ("post", "patch", "put"):
            import json

            return fn(
                url,
                data=json.dumps(data) if not isinstance(data, str) else data,
                content_type="application/json",
                headers=all_headers,
                **kw,
            )
        return fn(url, data=data, headers=all_headers, **kw)

    def get(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("get", path, data, **kw)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("post", path, data, **kw)

    def put(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("put", path, data, **kw)

    def patch(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._call("patch", path, data, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self._call("delete", path, **kw)


@pytest.fixture
def api(db: Any) -> Callable[[User | None], ApiClient]:
    return ApiClient


@pytest.fixture
def private_files(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files go to a temporary private storage; returns its folder."""
    location = tmp_path / "files"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location
