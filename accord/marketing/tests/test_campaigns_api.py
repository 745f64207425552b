"""The campaigns API: CRUD with versions and 409, 422 naming the field, preview, test send,
recipient count, launch, cancel and results (revenue only for those who may see it)."""

from __future__ import annotations

from typing import Any

import pytest

from accord.marketing.services import campaigns as services
from accord.marketing.tests.campaign_world import BLOCKS_EN, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(owner: Any, make_contact: Any) -> Any:
    return build(owner, make_contact)


def body(world: Any, **extra: Any) -> dict[str, Any]:
    return {
        "name": "December",
        "segment": str(world.segment.pk),
        "versions": {"en": {"subject": "Hi {{ first_name }}", "blocks": BLOCKS_EN}},
        **extra,
    }


def test_crud_with_versions_and_field_errors(world: Any, owner: Any, api: Any) -> None:
    client = api(owner)
    created = client.post("/campaigns", body(world))
    assert created.status_code == 201, created.content
    campaign = created.json()
    assert (campaign["status"], campaign["version"], campaign["channel"]) == ("draft", 1, "email")
    url = f"/campaigns/{campaign['id']}"
    changed = client.patch(url, {"name": "December news", "version": 1})
    assert (changed.status_code, changed.json()["version"]) == (200, 2)
    stale = client.patch(url, {"name": "Stale", "version": 1})
    assert stale.status_code == 409

    bad = client.patch(
        url, {"versions": {"en": {"subject": "x", "blocks": [{"type": "button", "text": "Go", "url": "ftp://x"}]}}}
    )
    assert bad.status_code == 422
    assert list(bad.json()["errors"]) == ["versions.en.blocks.0.url"]
    assert client.patch(url, {"ab_share": 80}).json()["errors"] == {"ab_share": ["Enter a number from 0 to 50."]}
    assert [c["name"] for c in client.get("/campaigns", {"status": "draft"}).json()["items"]] == ["December news"]
    assert client.get("/campaigns", {"status": "sent"}).json()["items"] == []


def test_preview_test_send_launch_results_cancel(marketer, world: Any, owner: Any, admin_user: Any, api: Any) -> None:
    client = api(owner)
    campaign = client.post("/campaigns", body(world, cost="50.00")).json()
    url = f"/campaigns/{campaign['id']}"

    shown = client.post(f"{url}/preview", {"contact_id": str(world.john.pk)}).json()
    assert shown["subject"] == "Hi John"
    assert "News from Leeds." in shown["text"]
    sent = client.post(f"{url}/test-send", {"to": "me@accord.example"})
    assert sent.status_code == 202
    refused = client.post(f"{url}/test-send", {"to": "piotr@blok.example"})
    assert (refused.status_code, list(refused.json()["errors"])) == (422, ["to"])

    assert client.get(f"{url}/recipient-count").json() == {"members": 5, "reachable": 2}
    launched = client.post(f"{url}/launch", {"version": 1})
    assert launched.status_code == 200, launched.content
    assert launched.json()["status"] == "sending"
    services.run(campaign["id"])
    again = client.post(f"{url}/launch", {})
    assert (again.status_code, list(again.json()["errors"])) == (422, ["status"])

    results = client.get(f"{url}/results").json()
    assert (results["total"]["queued"], results["total"]["skipped"]) == (2, 3)
    assert results["revenue"] == "0.00"  # a sales rep sees amounts
    assert api(admin_user).get(f"{url}/results").json()["cost"] == "50.00"
    assert api(marketer).get(f"{url}/results").json()["revenue"] is None  # a marketer does not

    cancelled = client.post(f"{url}/cancel", {})
    assert cancelled.json()["status"] == "cancelled"
    assert api(owner).delete(url).status_code == 422  # it went out: kept
