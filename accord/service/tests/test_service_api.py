"""The service API: a ticket opened, listed by its filters, read with its SLA state, changed,
answered, noted, merged and split; queues, calendars, SLA policies and canned responses; 422
naming the field for unknown or unseen records, 409 on a stale version, one ticket per
Idempotency-Key, 404 for tickets out of sight and malformed ids, 403 for read-only users and for
settings that are the administrators'."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from accord.service.models import MessageKind, SlaPolicy, Ticket, TicketMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(make_contact: Any, owner: Any) -> Any:
    return make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.com"}])


def _open(client: Any, contact: Any, **extra: Any) -> dict[str, Any]:
    body = {"contact_id": str(contact.pk), "subject": "Printer broken", "body": "It blinks red.", **extra}
    created = client.post("/tickets", body)
    assert created.status_code == 201, created.content
    return created.json()


def test_a_ticket_opened_read_changed_answered_and_listed(support: Any, customer: Any, api: Any) -> None:
    SlaPolicy.objects.create(name="Standard", first_response_minutes=180, resolution_minutes=480)
    client = api(support)
    ticket = _open(client, customer, priority="high", channel="phone", is_complaint=True)
    assert (ticket["status"], ticket["priority"], ticket["channel"], ticket["is_complaint"]) == (
        "new",
        "high",
        "phone",
        True,
    )
    assert ticket["sla"]["policy_name"] == "Standard"
    assert [row["target"] for row in ticket["sla"]["rows"]] == ["first_response", "resolution"]
    assert {row["state"] for row in ticket["sla"]["rows"]} == {"running"}

    url = f"/tickets/{ticket['id']}"
    read = client.get(url)
    assert read.status_code == 200
    assert read["ETag"] == '"1"'
    assert client.get(f"/tickets/by-number/{ticket['number']}").json()["id"] == ticket["id"]
    assert client.get("/tickets/by-number/999999").status_code == 404

    changed = client.patch(url, {"subject": "Printer on fire", "priority": "urgent", "version": 1})
    assert changed.status_code == 200, changed.content
    assert changed.json()["subject"] == "Printer on fire"
    assert changed["ETag"] == f'"{changed.json()["version"]}"'

    reply = client.post(f"{url}/replies", {"body": "Please unplug it.", "status": "waiting"})
    assert reply.status_code == 201, reply.content
    assert reply.json()["kind"] == "reply"
    assert reply.json()["delivery"] == "queued"
    note = client.post(f"{url}/replies", {"body": "Third time this month.", "internal": True})
    assert note.json()["kind"] == "note"
    call = client.post(f"{url}/customer-messages", {"body": "Unplugged, still smoking.", "channel": "phone"})
    assert call.status_code == 201, call.content
    messages = client.get(f"{url}/messages").json()
    assert [m["kind"] for m in messages] == ["customer", "reply", "note", "customer"]
    now = client.get(url).json()
    assert now["status"] == "open"  # the customer's answer reopened it
    assert now["assignee_id"] == str(support.pk)
    assert now["first_responded_at"] is not None

    other = _open(client, customer, subject="Invoice question")
    mine = client.get("/tickets", {"assignee": "me"}).json()["items"]
    assert [t["id"] for t in mine] == [ticket["id"]]
    nobody = client.get("/tickets", {"assignee": "none", "open": "true"}).json()["items"]
    assert [t["id"] for t in nobody] == [other["id"]]
    assert [t["id"] for t in client.get("/tickets", {"q": "fire"}).json()["items"]] == [ticket["id"]]
    by_number = client.get("/tickets", {"q": f"#{other['number']}"}).json()["items"]
    assert [t["id"] for t in by_number] == [other["id"]]
    assert len(client.get("/tickets", {"complaint": "true", "priority": "urgent"}).json()["items"]) == 1
    ordered = client.get("/tickets", {"sort": "number"}).json()["items"]
    assert [t["number"] for t in ordered] == sorted(t["number"] for t in ordered)
    first = client.get("/tickets", {"limit": 1, "sort": "-number"}).json()
    assert first["items"][0]["id"] == other["id"]
    second = client.get("/tickets", {"limit": 1, "sort": "-number", "cursor": first["next_cursor"]}).json()
    assert second["items"][0]["id"] == ticket["id"]
    assert client.get("/tickets", {"dance": "yes"}).status_code == 400
    assert client.get("/tickets", {"status": "sleeping"}).status_code == 400
    assert client.get("/tickets", {"sort": "mood"}).status_code == 400


def test_merge_and_split(support: Any, customer: Any, api: Any) -> None:
    client = api(support)
    one = _open(client, customer, subject="A")
    two = _open(client, customer, subject="B")
    merged = client.post(f"/tickets/{two['id']}/merge", {"into_id": one["id"]})
    assert merged.status_code == 200, merged.content
    assert merged.json()["id"] == one["id"]
    assert client.get(f"/tickets/{two['id']}").json()["merged_into_id"] == one["id"]
    customer_messages = [m for m in client.get(f"/tickets/{one['id']}/messages").json() if m["kind"] == "customer"]
    assert len(customer_messages) == 2
    itself = client.post(f"/tickets/{one['id']}/merge", {"into_id": one["id"]})
    assert itself.status_code == 422
    assert "into_id" in itself.json()["errors"]
    unknown = client.post(f"/tickets/{one['id']}/merge", {"into_id": str(uuid.uuid4())})
    assert list(unknown.json()["errors"]) == ["into_id"]

    split = client.post(
        f"/tickets/{one['id']}/split", {"message_ids": [customer_messages[1]["id"]], "subject": "B again"}
    )
    assert split.status_code == 201, split.content
    assert split.json()["subject"] == "B again"
    assert TicketMessage.objects.filter(ticket_id=split.json()["id"], kind=MessageKind.CUSTOMER).count() == 1
    nothing = client.post(f"/tickets/{one['id']}/split", {"message_ids": [], "subject": "C"})
    assert nothing.status_code == 422
    assert list(nothing.json()["errors"]) == ["message_ids"]


def test_bad_input_names_the_field_and_stores_nothing(
    support: Any, owner: Any, customer: Any, outsider: Any, make_contact: Any, api: Any
) -> None:
    client = api(support)
    missing = client.post("/tickets", {"contact_id": str(customer.pk), "subject": " ", "body": ""})
    assert missing.status_code == 422
    assert set(missing.json()["errors"]) == {"subject", "body"}
    unknown = client.post(
        "/tickets",
        {
            "contact_id": str(uuid.uuid4()),
            "subject": "S",
            "body": "B",
            "queue_id": str(uuid.uuid4()),
            "company_id": str(uuid.uuid4()),
            "deal_id": str(uuid.uuid4()),
            "order_id": str(uuid.uuid4()),
            "invoice_id": str(uuid.uuid4()),
            "assignee_id": str(uuid.uuid4()),
        },
    )
    assert unknown.status_code == 422
    assert set(unknown.json()["errors"]) == {
        "contact_id",
        "queue_id",
        "company_id",
        "deal_id",
        "order_id",
        "invoice_id",
        "assignee_id",
    }
    assert client.post("/tickets", {"contact_id": "not-a-uuid", "subject": "S", "body": "B"}).status_code == 422
    assert client.post("/tickets", {"contact_id": str(customer.pk), "subject": "S", "body": "B", "x": 1}).json()[
        "errors"
    ] == {"x": ["Unknown field."]}
    bad_choice = client.post(
        "/tickets", {"contact_id": str(customer.pk), "subject": "S", "body": "B", "priority": "huge"}
    )
    assert list(bad_choice.json()["errors"]) == ["priority"]
    # A sales rep may not open a ticket for a customer out of their sight.
    theirs = make_contact(outsider, first_name="Olga")
    unseen = api(owner).post("/tickets", {"contact_id": str(theirs.pk), "subject": "S", "body": "B"})
    assert unseen.status_code == 422
    assert list(unseen.json()["errors"]) == ["contact_id"]
    assert not Ticket.objects.exists()

    ticket = _open(client, customer)
    url = f"/tickets/{ticket['id']}"
    assert client.patch(url, {"queue_id": str(uuid.uuid4())}).json()["errors"] == {
        "queue_id": ["No such record, or you may not see it."]
    }
    assert list(client.patch(url, {"subject": None}).json()["errors"]) == ["subject"]
    assert list(client.patch(url, {"status": "sleeping"}).json()["errors"]) == ["status"]
    assert client.post(f"{url}/replies", {"body": ""}).status_code == 422
    assert list(client.post(f"{url}/customer-messages", {"body": "x", "channel": "pigeon"}).json()["errors"]) == [
        "channel"
    ]


def test_a_stale_version_is_a_conflict_and_changes_nothing(support: Any, customer: Any, api: Any) -> None:
    client = api(support)
    ticket = _open(client, customer)
    url = f"/tickets/{ticket['id']}"
    assert client.patch(url, {"subject": "First", "version": 1}).status_code == 200
    stale = client.patch(url, {"subject": "Second", "version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert client.patch(url, {"subject": "Second"}, headers={"If-Match": '"1"'}).status_code == 409
    assert client.post(f"{url}/replies", {"body": "Hello", "version": 1}).status_code == 409
    assert client.get(url).json()["subject"] == "First"
    assert TicketMessage.objects.filter(ticket_id=ticket["id"]).count() == 1
    assert client.patch(url, {"subject": "Second"}, headers={"If-Match": "nonsense"}).status_code == 400
    assert client.patch(url, {"subject": "Second"}, headers={"If-Match": '"2"'}).status_code == 200


def test_an_idempotent_post_opens_one_ticket_and_replies_once(support: Any, customer: Any, api: Any) -> None:
    client = api(support)
    body = {"contact_id": str(customer.pk), "subject": "Once", "body": "Only once."}
    first = client.post("/tickets", body, headers={"Idempotency-Key": "k-1"})
    again = client.post("/tickets", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert Ticket.objects.count() == 1
    other = client.post("/tickets", {**body, "subject": "Other"}, headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    url = f"/tickets/{first.json()['id']}/replies"
    for _ in range(2):
        assert client.post(url, {"body": "Hi"}, headers={"Idempotency-Key": "r-1"}).status_code == 201
    assert TicketMessage.objects.filter(kind=MessageKind.REPLY).count() == 1


def test_the_access_policy(
    support: Any, owner: Any, teammate: Any, outsider: Any, viewer: Any, customer: Any, api: Any
) -> None:
    ticket = _open(api(support), customer)
    url = f"/tickets/{ticket['id']}"
    # A rep of team South and a ticket of team North's customer: as if it did not exist.
    stranger = api(outsider)
    assert stranger.get(url).status_code == 404
    assert stranger.get(f"{url}/messages").status_code == 404
    assert stranger.patch(url, {"subject": "Mine"}).status_code == 404
    assert stranger.post(f"{url}/replies", {"body": "Hi"}).status_code == 404
    assert stranger.post(f"{url}/customer-messages", {"body": "Hi", "channel": "phone"}).status_code == 404
    assert stranger.get(f"/tickets/by-number/{ticket['number']}").status_code == 404
    assert stranger.get("/tickets").json()["items"] == []
    # The customer's team sees it and works on it.
    colleague = api(teammate)
    assert colleague.get(url).status_code == 200
    assert [t["id"] for t in colleague.get("/tickets").json()["items"]] == [ticket["id"]]
    assert colleague.post(f"{url}/replies", {"body": "On it.", "internal": True}).status_code == 201
    # A read-only user reads, and writes nothing.
    reader = api(viewer)
    assert reader.get(url).status_code == 200
    assert reader.patch(url, {"subject": "Mine"}).status_code == 403
    assert reader.post(f"{url}/replies", {"body": "Hi"}).status_code == 403
    refused = reader.post("/tickets", {"contact_id": str(customer.pk), "subject": "S", "body": "B"})
    assert refused.status_code == 403
    assert Ticket.objects.count() == 1
    assert client_json(api(None).get(url)) == 401
    # Malformed ids are the API's JSON 404.
    for path in ("/tickets/not-a-uuid", "/tickets/123/messages", "/service/queues/zzz"):
        answer = api(support).get(path)
        assert answer.status_code == 404
        assert answer.json()["message"]


def client_json(response: Any) -> int:
    assert response["Content-Type"].startswith("application/json")
    return int(response.status_code)


def test_settings_are_the_admins_and_canned_responses_fill_in(
    admin_user: Any, support: Any, customer: Any, api: Any
) -> None:
    admin, agent = api(admin_user), api(support)
    queue = admin.post("/service/queues", {"name": "Hardware", "assignment": "round_robin"})
    assert queue.status_code == 201, queue.content
    assert agent.post("/service/queues", {"name": "Mine"}).status_code == 403
    assert [q["name"] for q in agent.get("/service/queues").json()] == ["Hardware"]
    queue_url = f"/service/queues/{queue.json()['id']}"
    assert admin.patch(queue_url, {"agent_ids": [str(support.pk)], "version": 1}).json()["agent_ids"] == [
        str(support.pk)
    ]
    assert agent.patch(queue_url, {"name": "Soft"}).status_code == 403
    assert admin.patch(queue_url, {"name": "Hardware desk", "version": 1}).json()["version"] == 2
    assert admin.patch(queue_url, {"name": "Soft", "version": 1}).status_code == 409
    taken = admin.post("/service/queues", {"name": "Hardware desk"})
    assert taken.json()["errors"] == {"name": ["This name is taken."]}
    assert list(admin.patch(queue_url, {"team_id": str(uuid.uuid4())}).json()["errors"]) == ["team_id"]

    calendar = admin.post(
        "/service/calendars",
        {"name": "Office", "time_zone": "Europe/Warsaw", "country": "PL", "closed_days": ["2026-12-24"]},
    )
    assert calendar.status_code == 201, calendar.content
    assert agent.get("/service/calendars").status_code == 403
    assert list(admin.post("/service/calendars", {"name": "Bad", "time_zone": "Mars/Olympus"}).json()["errors"]) == [
        "time_zone"
    ]
    bad_hours = admin.post("/service/calendars", {"name": "Bad", "hours": [[["17:00", "09:00"]]] * 7})
    assert list(bad_hours.json()["errors"]) == ["hours"]

    policy = admin.post(
        "/service/sla-policies",
        {
            "name": "Urgent",
            "priority": "urgent",
            "calendar_id": calendar.json()["id"],
            "first_response_minutes": 30,
            "resolution_minutes": 240,
        },
    )
    assert policy.status_code == 201, policy.content
    assert policy.json()["calendar_id"] == calendar.json()["id"]
    assert agent.get("/service/sla-policies").status_code == 403
    assert agent.post("/service/sla-policies", {"name": "x"}).status_code == 403
    backwards = admin.post(
        "/service/sla-policies", {"name": "Odd", "first_response_minutes": 60, "resolution_minutes": 30}
    )
    assert list(backwards.json()["errors"]) == ["resolution_minutes"]
    no_calendar = admin.post(
        "/service/sla-policies",
        {"name": "x", "calendar_id": str(uuid.uuid4()), "first_response_minutes": 1, "resolution_minutes": 2},
    )
    assert list(no_calendar.json()["errors"]) == ["calendar_id"]
    in_use = admin.delete(f"/service/calendars/{calendar.json()['id']}")
    assert in_use.status_code == 422
    assert list(in_use.json()["errors"]) == ["calendar_id"]
    assert admin.delete(f"/service/sla-policies/{policy.json()['id']}").status_code == 204
    assert admin.delete(f"/service/calendars/{calendar.json()['id']}").status_code == 204

    canned = agent.post(
        "/service/canned-responses",
        {"name": "Hello", "body": "Dear {{ contact.first_name }}, about #{{ ticket.number }}: {{ agent.name }}"},
    )
    assert canned.status_code == 201, canned.content
    assert list(agent.post("/service/canned-responses", {"name": "Broken", "body": "{% if %}"}).json()["errors"]) == [
        "body"
    ]
    ticket = _open(agent, customer)
    rendered = agent.post(f"/service/canned-responses/{canned.json()['id']}/render?ticket_id={ticket['id']}")
    assert rendered.status_code == 200, rendered.content
    assert rendered.json()["text"] == f"Dear Anna, about #{ticket['number']}: {support.get_full_name() or 'support'}"
    canned_url = f"/service/canned-responses/{canned.json()['id']}"
    assert agent.patch(canned_url, {"name": "Hi", "version": 1}).json()["name"] == "Hi"
    assert agent.delete(canned_url, headers={"If-Match": '"1"'}).status_code == 409
    assert agent.delete(canned_url).status_code == 204
    assert agent.get(canned_url).status_code == 404
    # The ticket went to the only open queue: a queue with tickets is closed, not deleted.
    assert ticket["queue_id"] == queue.json()["id"]
    with_tickets = admin.delete(queue_url)
    assert with_tickets.status_code == 422
    assert list(with_tickets.json()["errors"]) == ["queue_id"]
    empty = admin.post("/service/queues", {"name": "Empty"}).json()
    assert agent.delete(f"/service/queues/{empty['id']}").status_code == 403
    assert admin.delete(f"/service/queues/{empty['id']}").status_code == 204
