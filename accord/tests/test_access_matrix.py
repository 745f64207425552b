"""Every persona against every screen and endpoint: nothing leaks, a denied write changes nothing.

Records belong to `owner` (team North). `teammate` shares the team; `outsider` is in team South;
`viewer` is read-only in team North; anonymous is not logged in.

Expected outcomes: "ok" (allowed), "hidden" (404: out of sight), "denied" (403: visible but not
allowed), "login" (anonymous: redirect to the login page, or 401 from the API).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from accord.activities import services as activities
from accord.activities.models import Interaction, Task
from accord.core.models import AuditEntry, Event
from accord.identity import services as identity
from accord.people.models import Company, Contact

PERSONAS = ["owner", "teammate", "outsider", "viewer", "anonymous"]


@dataclass
class World:
    contact: Contact
    company: Company
    interaction: Interaction
    task: Task
    users: dict[str, Any]


@pytest.fixture
def world(owner, teammate, outsider, viewer, make_contact, make_company) -> World:
    company = make_company(owner, name="Nordic Steel")
    contact = make_contact(
        owner,
        first_name="Greta",
        last_name="Secretsson",
        emails=[{"email": "greta@nordic.example"}],
        companies=[{"company": company}],
    )
    interaction = activities.log_interaction(
        actor=owner, data={"channel": "phone", "contact": contact, "subject": "Call"}
    )
    task = activities.create_task(actor=owner, data={"title": "Send offer", "contact": contact})
    return World(
        contact,
        company,
        interaction,
        task,
        {"owner": owner, "teammate": teammate, "outsider": outsider, "viewer": viewer, "anonymous": None},
    )


def state() -> tuple[Any, ...]:
    """Everything a write could touch."""
    return (
        sorted(Contact.objects.values_list("pk", "version", "first_name", "last_name")),
        sorted(Company.objects.values_list("pk", "version", "name")),
        sorted(Interaction.objects.values_list("pk", "version", "subject")),
        sorted(Task.objects.values_list("pk", "version", "title", "status")),
        AuditEntry.objects.count(),
        Event.objects.count(),
    )


def browser(world: World, persona: str) -> Client:
    client = Client()
    if world.users[persona] is not None:
        client.force_login(world.users[persona])
    return client


def outcome(response: Any) -> str:
    if response.status_code in (302, 401) and (
        "/login/" in response.get("Location", "") or response.status_code == 401
    ):
        return "login"
    return {200: "ok", 201: "ok", 204: "ok", 302: "ok", 403: "denied", 404: "hidden"}.get(
        response.status_code, str(response.status_code)
    )


# --- reading through the web UI ----------------------------------------------------------------

READ_VIEWS = {
    "contact detail": lambda w: f"/contacts/{w.contact.pk}/",
    "contact history": lambda w: f"/contacts/{w.contact.pk}/history/",
    "company detail": lambda w: f"/companies/{w.company.pk}/",
    "company history": lambda w: f"/companies/{w.company.pk}/history/",
    "timeline": lambda w: f"/timeline/?contact={w.contact.pk}",
    "task": lambda w: f"/tasks/{w.task.pk}/",
    "interaction": lambda w: f"/interactions/{w.interaction.pk}/",
}
READ_EXPECTED = {
    "owner": dict.fromkeys(READ_VIEWS, "ok"),
    "teammate": dict.fromkeys(READ_VIEWS, "ok"),
    "outsider": dict.fromkeys(READ_VIEWS, "hidden"),
    "viewer": {**dict.fromkeys(READ_VIEWS, "ok"), "task": "denied", "interaction": "denied"},
    "anonymous": dict.fromkeys(READ_VIEWS, "login"),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("view", list(READ_VIEWS))
def test_reading_pages(world, persona, view):
    response = browser(world, persona).get(READ_VIEWS[view](world))

    assert outcome(response) == READ_EXPECTED[persona][view]


LISTS = {
    "/contacts/": "Secretsson",
    "/companies/": "Nordic Steel",
    "/interactions/": "Secretsson",
    "/tasks/?all=1&status=open": "Send offer",
    "/search/?q=Secretsson": "Greta",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", list(LISTS))
def test_lists_search_and_counts_show_only_what_is_in_sight(world, persona, path):
    response = browser(world, persona).get(path)

    if persona == "anonymous":
        assert outcome(response) == "login"
        return
    page = response.content.decode()
    sees = persona in {"owner", "teammate", "viewer"}
    assert response.status_code == 200
    assert (LISTS[path] in page) == sees
    if path in ("/contacts/", "/companies/"):
        assert ("1 record" in page) == sees
        assert ("0 records" in page) == (not sees)


@pytest.mark.parametrize("persona", ["owner", "teammate", "outsider", "viewer"])
def test_my_day_shows_only_my_own_tasks(world, persona):
    page = browser(world, persona).get("/my-day/").content.decode()

    assert ("Send offer" in page) == (persona == "owner")


@pytest.mark.parametrize("persona", PERSONAS)
def test_search_dropdown_never_leaks(world, persona):
    response = browser(world, persona).get("/search/?q=greta", headers={"HX-Request": "true"})

    if persona == "anonymous":
        assert outcome(response) == "login"
    else:
        assert ("Secretsson" in response.content.decode()) == (persona in {"owner", "teammate", "viewer"})


# --- writing through the web UI ------------------------------------------------------------------

WRITES = {
    "edit contact": (
        lambda w: f"/contacts/{w.contact.pk}/edit/",
        lambda w: {"first_name": "Changed", "last_name": "X", "version": w.contact.version, "source": "manual"},
    ),
    "delete contact": (lambda w: f"/contacts/{w.contact.pk}/delete/", lambda w: {}),
    "edit company": (
        lambda w: f"/companies/{w.company.pk}/edit/",
        lambda w: {"name": "Changed", "version": w.company.version},
    ),
    "delete company": (lambda w: f"/companies/{w.company.pk}/delete/", lambda w: {}),
    "merge contact": (lambda w: f"/contacts/{w.contact.pk}/merge/", lambda w: {"duplicate": []}),
    "log interaction": (
        lambda w: "/interactions/log/",
        lambda w: {"contact": w.contact.pk, "channel": "note", "subject": "Hello"},
    ),
    "edit interaction": (
        lambda w: f"/interactions/{w.interaction.pk}/",
        lambda w: {"channel": "phone", "subject": "Changed", "version": 1},
    ),
    "delete interaction": (lambda w: f"/interactions/{w.interaction.pk}/", lambda w: {"delete": "1"}),
    "add task": (lambda w: "/tasks/new/", lambda w: {"contact": w.contact.pk, "title": "New", "priority": "normal"}),
    "edit task": (lambda w: f"/tasks/{w.task.pk}/", lambda w: {"title": "Changed", "priority": "normal", "version": 1}),
    "complete task": (lambda w: f"/tasks/{w.task.pk}/toggle/", lambda w: {}),
}
WRITE_EXPECTED = {
    "owner": dict.fromkeys(WRITES, "ok"),
    "teammate": {
        **dict.fromkeys(WRITES, "ok"),
        "delete contact": "denied",
        "delete company": "denied",
        "delete interaction": "denied",
        "edit interaction": "ok",
        "edit task": "ok",
        "complete task": "ok",
    },
    "outsider": {**dict.fromkeys(WRITES, "hidden"), "add task": "hidden", "log interaction": "hidden"},
    "viewer": {**dict.fromkeys(WRITES, "denied")},
    "anonymous": dict.fromkeys(WRITES, "login"),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(WRITES))
def test_writing_pages(world, persona, action):
    path, data = WRITES[action]
    before = state()

    response = browser(world, persona).post(path(world), data(world))

    result = outcome(response)
    assert result == WRITE_EXPECTED[persona][action]
    if result != "ok":
        assert state() == before, "a denied write changed the database"


def test_teammate_can_edit_and_it_is_audited_under_their_name(world):
    browser(world, "teammate").post(
        f"/contacts/{world.contact.pk}/edit/",
        {"first_name": "Changed", "last_name": "X", "version": 1, "source": "manual"},
    )

    world.contact.refresh_from_db()
    assert world.contact.first_name == "Changed"
    assert AuditEntry.objects.filter(object_id=world.contact.pk, action="update").get().actor == world.users["teammate"]


# --- export ---------------------------------------------------------------------------------------


def test_export_needs_the_permission_and_contains_only_visible_rows(world, make_user, team_south):
    from accord.identity.models import Role

    south_manager = make_user(Role.MANAGER, [team_south])
    north_rep = world.users["teammate"]

    denied = browser(world, "teammate").get("/contacts/export/?format=csv")
    client = Client()
    client.force_login(south_manager)
    south = b"".join(client.get("/contacts/export/?format=csv").streaming_content).decode()
    client.force_login(make_user(Role.ADMIN))
    everything = b"".join(client.get("/contacts/export/?format=csv").streaming_content).decode()

    assert north_rep.role.can_export is False
    assert denied.status_code == 403
    assert "Secretsson" not in south
    assert "Secretsson" in everything


# --- the API ----------------------------------------------------------------------------------------


def api_client(world: World, persona: str) -> Client:
    client = Client()
    user = world.users[persona]
    if user is not None:
        _, raw = identity.create_token(user=user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


API_READS = {
    "get contact": lambda w: f"/api/v1/contacts/{w.contact.pk}",
    "contact history": lambda w: f"/api/v1/contacts/{w.contact.pk}/history",
    "contact duplicates": lambda w: f"/api/v1/contacts/{w.contact.pk}/duplicates",
    "get company": lambda w: f"/api/v1/companies/{w.company.pk}",
    "company history": lambda w: f"/api/v1/companies/{w.company.pk}/history",
    "get interaction": lambda w: f"/api/v1/interactions/{w.interaction.pk}",
    "get task": lambda w: f"/api/v1/tasks/{w.task.pk}",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", list(API_READS))
def test_api_reads(world, persona, endpoint):
    expected = {"owner": "ok", "teammate": "ok", "viewer": "ok", "outsider": "hidden", "anonymous": "login"}[persona]

    response = api_client(world, persona).get(API_READS[endpoint](world))

    assert outcome(response) == expected


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/contacts?total=true",
        "/api/v1/companies?total=true",
        "/api/v1/interactions?total=true",
        "/api/v1/tasks?total=true",
        "/api/v1/search?q=greta",
    ],
)
def test_api_lists_counts_and_search(world, persona, path):
    response = api_client(world, persona).get(path)

    if persona == "anonymous":
        assert response.status_code == 401
        return
    body = response.json()
    sees = persona in {"owner", "teammate", "viewer"}
    if isinstance(body, list):
        assert bool(body) == sees
    else:
        assert body["total"] == (1 if sees else 0)
        assert len(body["items"]) == body["total"]


API_WRITES = {
    "patch contact": ("patch", lambda w: f"/api/v1/contacts/{w.contact.pk}", {"first_name": "Changed"}),
    "delete contact": ("delete", lambda w: f"/api/v1/contacts/{w.contact.pk}", None),
    "merge contact": ("post", lambda w: f"/api/v1/contacts/{w.contact.pk}/merge", {"duplicate_ids": []}),
    "patch company": ("patch", lambda w: f"/api/v1/companies/{w.company.pk}", {"name": "Changed"}),
    "delete company": ("delete", lambda w: f"/api/v1/companies/{w.company.pk}", None),
    "patch interaction": ("patch", lambda w: f"/api/v1/interactions/{w.interaction.pk}", {"subject": "Changed"}),
    "delete interaction": ("delete", lambda w: f"/api/v1/interactions/{w.interaction.pk}", None),
    "patch task": ("patch", lambda w: f"/api/v1/tasks/{w.task.pk}", {"title": "Changed"}),
    "delete task": ("delete", lambda w: f"/api/v1/tasks/{w.task.pk}", None),
    "log interaction": (
        "post",
        lambda w: "/api/v1/interactions",
        lambda w: {"channel": "note", "contact_id": str(w.contact.pk)},
    ),
    "create task": ("post", lambda w: "/api/v1/tasks", lambda w: {"title": "T", "contact_id": str(w.contact.pk)}),
}
API_WRITE_EXPECTED = {
    "owner": {**dict.fromkeys(API_WRITES, "ok"), "merge contact": "422"},
    "teammate": {
        **dict.fromkeys(API_WRITES, "ok"),
        "merge contact": "422",
        "delete contact": "denied",
        "delete company": "denied",
        "delete interaction": "denied",
        "delete task": "denied",
    },
    "outsider": {**dict.fromkeys(API_WRITES, "hidden"), "log interaction": "422", "create task": "422"},
    "viewer": dict.fromkeys(API_WRITES, "denied"),
    "anonymous": dict.fromkeys(API_WRITES, "login"),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(API_WRITES))
def test_api_writes(world, persona, action):
    method, path, body = API_WRITES[action]
    payload = body(world) if callable(body) else body
    client = api_client(world, persona)  # creating its token is audited: done before "before"
    before = state()

    if method == "delete":
        response = client.delete(path(world))
    else:
        response = getattr(client, method)(path(world), data=json.dumps(payload), content_type="application/json")

    result = outcome(response)
    assert result == API_WRITE_EXPECTED[persona][action], response.content
    if result != "ok":
        assert state() == before, "a denied write changed the database"
