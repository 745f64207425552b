"""The journeys API: a journey built step by step, started, run and read back as statistics;
versions and 409, 422 naming the field (a step's settings as ``config.<name>``), pause and start,
and another team's journey not found."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from accord.marketing.models import StepRun
from accord.marketing.services import journeys
from accord.marketing.tests.campaign_world import consent

pytestmark = pytest.mark.django_db

EMAIL = {
    "subject": "Welcome {{ first_name }}",
    "body": "Good to have you with us.",
    "button_text": "Start here",
    "button_url": "https://shop.example.com/start",
}


def _journey(client: Any, **extra: Any) -> dict[str, Any]:
    created = client.post("/journeys", {"name": "After the deal", "trigger": "deal_won", **extra})
    assert created.status_code == 201, created.content
    return created.json()


def _add(client: Any, journey: dict[str, Any], kind: str, config: dict[str, Any]) -> dict[str, Any]:
    added = client.post(f"/journeys/{journey['id']}/steps", {"kind": kind, "config": config})
    assert added.status_code == 201, added.content
    return added.json()


def test_a_journey_built_started_run_and_counted(owner: Any, make_contact: Any, api: Any) -> None:
    client = api(owner)
    journey = _journey(client)
    assert (journey["status"], journey["version"], journey["steps"]) == ("draft", 1, [])
    url = f"/journeys/{journey['id']}"

    journey = _add(client, journey, "email", EMAIL)
    email_id = journey["steps"][0]["id"]
    journey = _add(client, journey, "wait", {"days": 3})
    journey = _add(client, journey, "branch", {"condition": "clicked", "step": email_id})
    journey = _add(client, journey, "tag", {"tag": "Engaged"})
    journey = _add(client, journey, "task", {"title": "Call {{ full_name }}", "due_days": "2"})
    assert [s["kind"] for s in journey["steps"]] == ["email", "wait", "branch", "tag", "task"]
    assert journey["steps"][4]["config"] == {"title": "Call {{ full_name }}", "due_days": 2}
    task_id, tag_id = journey["steps"][4]["id"], journey["steps"][3]["id"]

    # The task before the tag; the branch's "no" jumps to the tag.
    moved = client.post(f"{url}/steps/{task_id}/move", {"direction": "up", "version": journey["version"]})
    assert moved.status_code == 200, moved.content
    assert [s["kind"] for s in moved.json()["steps"]] == ["email", "wait", "branch", "task", "tag"]
    branch_id = journey["steps"][2]["id"]
    changed = client.patch(
        f"{url}/steps/{branch_id}", {"config": {"condition": "clicked", "step": email_id, "otherwise": tag_id}}
    )
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] == f'"{changed.json()["version"]}"'

    started = client.post(f"{url}/activate", {"version": changed.json()["version"]})
    assert started.status_code == 200, started.content
    assert started.json()["status"] == "active"
    assert started.json()["activated_at"] is not None

    clicker = make_contact(owner, first_name="Zofia", emails=[{"email": "zofia@example.com"}])
    silent = make_contact(owner, first_name="Jan", emails=[{"email": "jan@example.com"}])
    for person in (clicker, silent):
        consent(owner, person, purpose="offers")
    assert journeys.enroll(trigger="deal_won", contact_ids=[clicker.pk, silent.pk], key="deal:1") == 2
    assert journeys.advance() == 2
    run = StepRun.objects.get(step_id=email_id, enrollment__contact=clicker)
    assert journeys.record_click(journeys.click_token(run.pk, 0)) == "https://shop.example.com/start"

    waiting = client.get(f"{url}/statistics").json()
    assert waiting["totals"] == {"enrolled": 2, "active": 2, "done": 0, "skipped": 0}
    by_id = {row["step_id"]: row for row in waiting["steps"]}
    assert (by_id[email_id]["sent"], by_id[email_id]["opened"], by_id[email_id]["clicked"]) == (2, 1, 1)
    assert by_id[branch_id]["waiting"] == 2

    journeys.advance(now=timezone.now() + datetime.timedelta(days=3, minutes=1))
    stats = client.get(f"{url}/statistics").json()
    assert stats["totals"] == {"enrolled": 2, "active": 0, "done": 2, "skipped": 0}
    by_id = {row["step_id"]: row for row in stats["steps"]}
    assert by_id[branch_id]["outcomes"] == {"yes": 1, "no": 1}
    assert (by_id[task_id]["reached"], by_id[tag_id]["reached"]) == (1, 2)
    assert [row["position"] for row in stats["steps"]] == [1, 2, 3, 4, 5]

    listed = client.get("/journeys", {"status": "active"}).json()["items"]
    assert [j["name"] for j in listed] == ["After the deal"]
    assert client.get("/journeys", {"status": "paused"}).json()["items"] == []


def test_fields_are_named_when_refused(owner: Any, api: Any) -> None:
    client = api(owner)
    missing = client.post("/journeys", {"name": "", "trigger": "segment_joined"})
    assert missing.status_code == 422
    assert set(missing.json()["errors"]) == {"name", "segment"}
    unknown = client.post("/journeys", {"name": "X", "trigger": "moon_phase"})
    assert (unknown.status_code, list(unknown.json()["errors"])) == (422, ["trigger"])
    hidden = client.post("/journeys", {"name": "X", "trigger": "segment_joined", "segment": str(owner.pk)})
    assert (hidden.status_code, list(hidden.json()["errors"])) == (422, ["segment"])
    assert list(client.post("/journeys", {"name": "X", "trigger": "birthday", "colour": 1}).json()["errors"]) == [
        "colour"
    ]

    journey = _journey(client)
    url = f"/journeys/{journey['id']}"
    cases = [
        ("wait", {"days": "x"}, "config.days"),
        ("wait", {}, "config.days"),
        ("wait", {"hours": 30}, "config.hours"),
        ("email", {"subject": "", "body": "x"}, "config.subject"),
        ("email", {"subject": "x", "body": "y", "button_text": "Go", "button_url": "javascript:alert(1)"}, None),
        ("sms", {"text": "{% load x %}"}, "config.text"),
        ("branch", {"step": 12345}, "config.step"),
        ("task", {"title": "Call", "due_days": 1000}, "config.due_days"),
        ("tag", {"tag": ""}, "config.tag"),
        ("dance", {}, "kind"),
    ]
    for kind, config, field in cases:
        refused = client.post(f"{url}/steps", {"kind": kind, "config": config})
        assert refused.status_code == 422, (kind, config, refused.content)
        errors = refused.json()["errors"]
        if field is None:
            assert all(key.startswith("config.") for key in errors), errors
        else:
            assert list(errors) == [field], (kind, config, errors)
    bad_config = client.post(f"{url}/steps", {"kind": "wait", "config": ["days"]})
    assert (bad_config.status_code, list(bad_config.json()["errors"])) == (422, ["config"])
    assert client.get(url).json()["steps"] == []

    assert client.post(f"{url}/steps/1/move", {"direction": "sideways"}).status_code in (404, 422)
    assert client.patch(f"{url}/steps/999999", {"config": {}}).status_code == 404
    empty = client.post(f"{url}/activate", {})
    assert (empty.status_code, list(empty.json()["errors"])) == (422, ["steps"])
    assert client.get("/journeys", {"status": "lost"}).status_code == 400


def test_a_stale_version_is_a_conflict(owner: Any, api: Any) -> None:
    client = api(owner)
    journey = _journey(client)
    url = f"/journeys/{journey['id']}"
    renamed = client.patch(url, {"name": "After the won deal", "version": 1})
    assert (renamed.status_code, renamed.json()["version"], renamed["ETag"]) == (200, 2, '"2"')
    assert client.patch(url, {"name": "Stale", "version": 1}).status_code == 409

    added = client.post(f"{url}/steps", {"kind": "tag", "config": {"tag": "Won"}, "version": 2})
    assert (added.status_code, added.json()["version"]) == (201, 3)
    step_id = added.json()["steps"][0]["id"]
    stale = client.post(f"{url}/steps", {"kind": "tag", "config": {"tag": "Again"}, "version": 2})
    assert (stale.status_code, stale.json()["current_version"]) == (409, 3)
    assert (
        client.patch(f"{url}/steps/{step_id}", {"config": {"tag": "X"}}, headers={"If-Match": '"2"'}).status_code == 409
    )
    assert client.delete(f"{url}/steps/{step_id}", headers={"If-Match": '"2"'}).status_code == 409
    assert client.post(f"{url}/activate", {"version": 2}).status_code == 409
    assert client.delete(url, headers={"If-Match": "x"}).status_code == 400
    assert client.delete(url, headers={"If-Match": '"1"'}).status_code == 409

    removed = client.delete(f"{url}/steps/{step_id}", headers={"If-Match": '"3"'})
    assert (removed.status_code, removed.json()["steps"], removed.json()["version"]) == (200, [], 4)
    assert client.delete(url, headers={"If-Match": '"4"'}).status_code == 204
    assert client.get(url).status_code == 404


def test_pause_and_start_again(owner: Any, api: Any) -> None:
    client = api(owner)
    journey = _journey(client)
    url = f"/journeys/{journey['id']}"
    step_id = _add(client, journey, "tag", {"tag": "Won"})["steps"][0]["id"]
    assert client.post(f"{url}/activate", {}).json()["status"] == "active"

    # Running: what starts it and its steps stay as they are; it is not deleted.
    changing = client.patch(url, {"trigger": "invoice_paid"})
    assert (changing.status_code, list(changing.json()["errors"])) == (422, ["trigger"])
    adding = client.post(f"{url}/steps", {"kind": "wait", "config": {"hours": 1}})
    assert (adding.status_code, list(adding.json()["errors"])) == (422, ["status"])
    assert list(client.delete(f"{url}/steps/{step_id}").json()["errors"]) == ["status"]
    assert list(client.delete(url).json()["errors"]) == ["status"]
    assert client.patch(url, {"name": "Renamed while running"}).status_code == 200

    paused = client.post(f"{url}/pause", {})
    assert paused.json()["status"] == "paused"
    assert client.post(f"{url}/pause", {}).json()["status"] == "paused"  # twice: nothing more
    assert client.patch(url, {"trigger": "invoice_paid"}).json()["trigger"] == "invoice_paid"
    assert client.post(f"{url}/activate", {}).json()["status"] == "active"


def test_a_marketer_uses_it_and_another_teams_journey_is_not_found(
    owner: Any, outsider: Any, marketer: Any, api: Any
) -> None:
    mine = _journey(api(owner))
    url = f"/journeys/{mine['id']}"
    theirs = api(outsider)
    assert theirs.get(url).status_code == 404
    assert theirs.patch(url, {"name": "Mine now"}).status_code == 404
    assert theirs.post(f"{url}/steps", {"kind": "tag", "config": {"tag": "X"}}).status_code == 404
    assert theirs.post(f"{url}/activate", {}).status_code == 404
    assert theirs.get(f"{url}/statistics").status_code == 404
    assert theirs.delete(url).status_code == 404
    assert theirs.get("/journeys").json()["items"] == []

    campaigner = api(marketer)
    own = _journey(campaigner, name="Birthday wishes", trigger="birthday")
    _add(campaigner, own, "sms", {"text": "Happy birthday, {{ first_name }}!"})
    assert campaigner.post(f"/journeys/{own['id']}/activate", {}).json()["status"] == "active"
    assert "Birthday wishes" in [j["name"] for j in campaigner.get("/journeys").json()["items"]]
    assert "Birthday wishes" not in [j["name"] for j in theirs.get("/journeys").json()["items"]]
