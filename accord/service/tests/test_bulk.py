"""Many tickets changed at once from the desk: each through ``update_ticket``, so the SLA clock,
the collections pause and the audit follow as they would one by one; what the service refuses for
one ticket (a merged ticket's status) leaves the others changed; nothing out of sight is touched."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from accord.core import bulk_actions, lists
from accord.core.models import Event
from accord.identity.models import Role
from accord.service.models import Queue, Ticket, TicketStatus
from accord.service.services import tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(make_contact: Any, owner: Any) -> Any:
    return make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.com"}])


def _open(actor: Any, contact: Any, subject: str) -> Ticket:
    return tickets.create_ticket(actor=actor, contact=contact, subject=subject, body="Please help.")


def _bulk(client: Any, field: str, value: str, ids: list[Any]) -> Any:
    return client.post(
        "/lists/ticket/bulk/",
        {"action": "field", "field": field, "value": value, "confirm": "1", "id": [str(pk) for pk in ids]},
    )


def test_an_agent_resolves_and_hands_on_several_tickets_at_once(
    login: Any, support: Any, customer: Any, make_user: Any
) -> None:
    colleague = make_user(Role.SUPPORT_AGENT, [], username="colleague")
    first, second, third = (_open(support, customer, f"Question {n}") for n in range(3))
    client = login(support)

    resolved = _bulk(client, "status", "resolved", [first.pk, second.pk])
    handed = _bulk(client, "assignee", str(colleague.pk), [first.pk, third.pk])

    assert resolved.status_code == 302
    assert handed.status_code == 302
    first, second, third = (Ticket.objects.get(pk=t.pk) for t in (first, second, third))
    assert (first.status, second.status, third.status) == ("resolved", "resolved", "new")
    assert first.resolved_at is not None
    assert first.sla_next_check is None
    assert (first.assignee_id, second.assignee_id, third.assignee_id) == (colleague.pk, None, colleague.pk)
    # Each resolved ticket lifts its own collections pause, as on its page.
    lifted = Event.objects.filter(name="collections.pause_lifted").values_list("payload__source", flat=True)
    assert {f"service.ticket:{first.pk}", f"service.ticket:{second.pk}"} <= set(lifted)


def test_a_bad_value_names_the_field_and_changes_nothing(login: Any, support: Any, customer: Any) -> None:
    ticket = _open(support, customer, "Invoice question")
    client = login(support)

    response = _bulk(client, "priority", "whenever", [ticket.pk])

    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).priority == ticket.priority


def test_a_small_change_the_service_refuses_for_one_ticket_changes_none(support: Any, customer: Any) -> None:
    kept, merged, other = (_open(support, customer, f"Question {n}") for n in range(3))
    tickets.merge_tickets(actor=support, ticket=merged, into=kept)
    queue = Queue.objects.create(name="Returns")
    screen = lists.get("ticket")
    both = bulk_actions.select(actor=support, screen=screen, params={"id": [str(t.pk) for t in (merged, other)]})

    with transaction.atomic(), pytest.raises(ValidationError) as refused:
        bulk_actions.set_field(actor=support, selection=both, field="status", value="open")
    moved = bulk_actions.set_field(
        actor=support,
        selection=bulk_actions.select(actor=support, screen=screen, params={"id": [str(other.pk)]}),
        field="queue",
        value=str(queue.pk),
    )

    assert refused.value.message_dict == {"status": ["A merged ticket stays closed."]}
    assert Ticket.objects.get(pk=merged.pk).status == TicketStatus.CLOSED
    assert Ticket.objects.get(pk=other.pk).status == TicketStatus.NEW, "all or nothing below the background size"
    assert moved == 1
    assert Ticket.objects.get(pk=other.pk).queue_id == queue.pk


def test_tickets_out_of_sight_are_not_changed(login: Any, support: Any, customer: Any, outsider: Any) -> None:
    ticket = _open(support, customer, "Broken parcel")
    client = login(outsider)

    _bulk(client, "status", "closed", [ticket.pk])

    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.NEW


def test_the_desk_offers_the_bulk_changes(login: Any, support: Any, customer: Any) -> None:
    _open(support, customer, "Where is my order")

    page = login(support).get("/service/tickets/").content.decode()

    assert 'data-bulk-table="bulk-ticket"' in page
    assert 'value="assignee"' in page
    assert 'value="queue"' in page
