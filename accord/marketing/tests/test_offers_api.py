"""The offers API: rules CRUD with versions (409) and 422 naming the field, for admins and marketers
only; a contact's next best offer as the caller may see it; a rule's uplift report."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_rules_crud_with_versions(shop: Any, api: Any) -> None:
    client = api(shop.marketer)
    created = client.post(
        "/offers/rules",
        {"name": "Grinder", "product_id": str(shop.products["grinder"].pk), "preferences": ["coffee"], "priority": 3},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["offer_name"], body["version"], body["priority"]) == ("Grinder", "Grinder", 1, 3)
    url = f"/offers/rules/{body['id']}"
    changed = client.patch(url, {"priority": 5, "version": 1})
    assert (changed.status_code, changed.json()["version"], changed.json()["priority"]) == (200, 2, 5)
    stale = client.patch(url, {"priority": 6, "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert [r["name"] for r in client.get("/offers/rules").json()] == ["Grinder"]
    assert client.delete(url, headers={"If-Match": '"2"'}).status_code == 204
    assert client.get(url).status_code == 404


def test_a_bad_rule_is_422_naming_the_field(shop: Any, api: Any) -> None:
    client = api(shop.marketer)
    bad = client.post(
        "/offers/rules",
        {
            "name": "Bad",
            "title": "Free text",
            "holdout_percent": 75,
            "conditions": {"match": "all", "rules": [{"type": "bought_product", "product": "nope", "days": 0}]},
        },
    )
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert errors["holdout_percent"] == ["Enter a number from 0 to 50."]
    assert errors["url"] == ["A free-text offer needs a link."]
    assert any(key.startswith("conditions.0.") for key in errors)
    unknown = client.post("/offers/rules", {"name": "X", "colour": "red"})
    assert unknown.status_code == 422
    assert "colour" in unknown.json()["errors"]


def test_only_admins_and_marketers_keep_rules(shop: Any, api: Any) -> None:
    assert api(shop.owner).get("/offers/rules").status_code == 403
    refused = api(shop.owner).post("/offers/rules", {"name": "X", "title": "X", "url": "https://x.example"})
    assert refused.status_code == 403
    assert api(shop.admin).get("/offers/rules").status_code == 200


def test_next_offer_of_a_contact_the_caller_may_see(shop: Any, api: Any) -> None:
    api(shop.marketer).post(
        "/offers/rules",
        {"name": "Organic", "title": "Organic box", "url": "https://x.example/box", "preferences": ["organic"]},
    )
    mine = api(shop.owner).get(f"/contacts/{shop.contacts['ola'].pk}/next-offer")
    assert mine.status_code == 200
    offer = mine.json()["offer"]
    assert (offer["name"], offer["url"], offer["reason"]) == (
        "Organic box",
        "https://x.example/box",
        "Prefers: Organic",
    )
    assert api(shop.owner).get(f"/contacts/{shop.contacts['bart'].pk}/next-offer").json() == {"offer": None}
    assert api(shop.owner).get(f"/contacts/{shop.contacts['ewa'].pk}/next-offer").status_code == 404
    assert api(shop.outsider).get(f"/contacts/{shop.contacts['ewa'].pk}/next-offer").json()["offer"]["name"] == (
        "Organic box"
    )


def test_uplift_report(shop: Any, api: Any) -> None:
    client = api(shop.marketer)
    rule = client.post(
        "/offers/rules", {"name": "Beans", "product_id": str(shop.products["beans"].pk), "holdout_percent": 10}
    ).json()
    report = client.get(f"/offers/rules/{rule['id']}/uplift")
    assert report.status_code == 200
    assert report.json() == {
        "rule_id": rule["id"],
        "conversion_days": 30,
        "holdout_percent": 10,
        "measured": True,
        "treated": {"contacts": 0, "converted": 0, "rate": None},
        "held_out": {"contacts": 0, "converted": 0, "rate": None},
        "difference": None,
        "z": None,
        "enough_data": False,
        "significant": False,
        "verdict": "not_enough_data",
    }
