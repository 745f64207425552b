"""The segments API: CRUD with versions, counts and members as the caller sees them, a count of
unsaved rules, static list members, and the builder's validation errors as 422."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

ACME = {"match": "all", "rules": [{"type": "email_domain", "domain": "acme.pl"}]}


def test_crud_with_versions(world: Any, api: Any) -> None:
    client = api(world.owner)
    created = client.post("/segments", {"name": "Acme", "rules": ACME})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["kind"], body["version"], body["rules"]) == (
        "Acme",
        "dynamic",
        1,
        {"match": "all", "rules": [{"type": "email_domain", "domain": "acme.pl"}]},
    )
    url = f"/segments/{body['id']}"
    assert client.get(url).json()["name"] == "Acme"
    changed = client.patch(url, {"name": "Acme people", "version": 1})
    assert (changed.status_code, changed.json()["version"]) == (200, 2)
    stale = client.patch(url, {"name": "Stale", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    listed = client.get("/segments").json()
    assert [s["name"] for s in listed["items"]] == ["Acme people"]
    assert client.delete(url, headers={"If-Match": '"2"'}).status_code == 204
    assert client.get(url).status_code == 404


def test_count_and_members_are_the_callers(world: Any, api: Any) -> None:
    segment = api(world.admin).post("/segments", {"name": "Acme", "rules": ACME}).json()
    assert api(world.admin).get(f"/segments/{segment['id']}/count").json() == {"count": 3}
    # The admin's segment is the admin's: a rep does not see it at all
    assert api(world.owner).get(f"/segments/{segment['id']}/count").status_code == 404
    mine = api(world.owner).post("/segments", {"name": "Acme", "rules": ACME}).json()
    assert api(world.owner).get(f"/segments/{mine['id']}/count").json() == {"count": 2}
    page = api(world.owner).get(f"/segments/{mine['id']}/members", {"limit": 1}).json()
    assert [m["email"] for m in page["items"]] == ["anna@acme.pl"]  # by name: Nowak, then Zielińska
    assert page["next_cursor"]
    page2 = api(world.owner).get(f"/segments/{mine['id']}/members", {"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [m["email"] for m in page2["items"]] == ["ewa@acme.pl"]


def test_preview_count_of_unsaved_rules(world: Any, api: Any) -> None:
    rules = {"match": "any", "rules": [{"type": "language", "value": "ru"}, {"type": "source", "value": "web_form"}]}
    assert api(world.admin).post("/segments/preview-count", {"rules": rules}).json() == {"count": 4}
    assert api(world.owner).post("/segments/preview-count", {"rules": rules}).json() == {"count": 2}


def test_bad_rules_are_422_naming_the_rule(world: Any, api: Any) -> None:
    rules = {
        "match": "all",
        "rules": [
            {"type": "language", "value": "pl"},
            {"match": "both", "rules": [{"type": "spent_over", "amount": "lots", "days": 30}]},
        ],
    }
    for response in (
        api(world.owner).post("/segments/preview-count", {"rules": rules}),
        api(world.owner).post("/segments", {"name": "Bad", "rules": rules}),
    ):
        assert response.status_code == 422
        assert response.json()["errors"] == {
            "rules.1.match": ["Rule 2: match must be “all” or “any”."],
            "rules.1.0.amount": [
                "Rule 1 of group 2 (Spent more than): amount (base currency): enter an amount of 0 or more."
            ],
        }


def test_static_list_members_added_and_removed(world: Any, api: Any) -> None:
    client = api(world.owner)
    lst = client.post("/segments", {"name": "Fair", "kind": "static"}).json()
    c = world.contacts
    ids = [str(c["anna"].pk), str(c["jan"].pk), str(c["piotr"].pk)]  # Piotr is out of sight
    added = client.post(f"/segments/{lst['id']}/members", {"contact_ids": ids})
    assert added.json() == {"changed": 2, "count": 2}
    removed = client.post(f"/segments/{lst['id']}/members/remove", {"contact_ids": [str(c["jan"].pk)]})
    assert removed.json() == {"changed": 1, "count": 1}
    dynamic = client.post("/segments", {"name": "Acme", "rules": ACME}).json()
    refused = client.post(f"/segments/{dynamic['id']}/members", {"contact_ids": ids})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"segment": ["Members are added to static lists only."]}


def test_a_rule_about_money_is_refused_to_a_role_that_does_not_see_amounts(world: Any, api: Any, marketer: Any) -> None:
    spent = {
        "match": "all",
        "rules": [{"match": "any", "rules": [{"type": "spent_over", "amount": "100", "days": 30}]}],
    }
    # A marketer cannot learn what customers spent by counting them against amounts of their choice.
    for response in (
        api(marketer).post("/segments/preview-count", {"rules": spent}),
        api(marketer).post("/segments", {"name": "Big spenders", "rules": spent}),
    ):
        assert response.status_code == 422
        assert response.json()["errors"] == {
            "rules.0.0.type": ["Rule 1 of group 1 (Spent more than): your role does not see amounts."]
        }
    # A sales rep (and an administrator) may.
    assert api(world.owner).post("/segments/preview-count", {"rules": spent}).status_code == 200
    assert api(world.admin).post("/segments", {"name": "Big spenders", "rules": spent}).status_code == 201
