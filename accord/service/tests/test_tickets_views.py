"""The ticket screens: the desk's list with its queues, a new ticket for a caller, a ticket's page
with its reply box, properties, SLA, merge and split; the 360° panel; and what a user who may not
see the customer gets (404, nothing changed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.messaging.models import Message
from accord.service.models import CannedResponse, Queue, SlaPolicy, Ticket, TicketStatus
from accord.service.services import tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(make_contact: Any, owner: Any) -> Any:
    return make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.com"}])


@pytest.fixture
def ticket(support: Any, customer: Any) -> Ticket:
    SlaPolicy.objects.create(name="Standard", first_response_minutes=240, resolution_minutes=2880)
    return tickets.create_ticket(actor=support, contact=customer, subject="Printer jams", body="Paper stuck again.")


def test_the_desk_lists_open_tickets_with_queue_counts(login: Any, support: Any, ticket: Ticket) -> None:
    client = login(support)
    page = client.get(reverse("service:ticket-list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"#{ticket.number} Printer jams" in html
    assert 'data-queue="Support"' in html
    mine = client.get(reverse("service:ticket-list") + "?open=true&assignee=me")
    assert "Printer jams" not in mine.content.decode()
    late = client.get(reverse("service:ticket-list") + "?assignee=not-an-id")
    assert late.status_code == 200
    bad = client.get(reverse("service:ticket-list") + "?status=nonsense")
    assert bad.status_code == 200


def test_a_new_ticket_for_a_caller(login: Any, support: Any, customer: Any) -> None:
    client = login(support)
    form = client.get(reverse("service:ticket-create") + f"?contact={customer.pk}")
    assert form.status_code == 200
    assert "Anna Nowak" in form.content.decode()
    missing = client.post(reverse("service:ticket-create"), {"contact": str(customer.pk), "subject": "", "body": ""})
    assert missing.status_code == 422
    assert not Ticket.objects.exists()
    done = client.post(
        reverse("service:ticket-create"),
        {"contact": str(customer.pk), "subject": "Cannot log in", "body": "Password refused.", "channel": "phone"},
    )
    made = Ticket.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("service:ticket-detail", args=[made.pk])
    assert made.channel == "phone"
    options = client.get(reverse("service:ticket-contact-lookup") + "?q=nowak")
    assert str(customer.pk) in options.content.decode()


def test_reply_note_status_and_canned_response(login: Any, support: Any, ticket: Ticket) -> None:
    client = login(support)
    page = client.get(reverse("service:ticket-detail", args=[ticket.pk]))
    assert page.status_code == 200
    assert 'data-target="first_response"' in page.content.decode()
    empty = client.post(reverse("service:ticket-reply", args=[ticket.pk]), {"body": " ", "kind": "reply"})
    assert empty.status_code == 422
    sent = client.post(
        reverse("service:ticket-reply", args=[ticket.pk]),
        {"body": "Try the rear tray.", "kind": "reply", "status": "waiting", "version": ticket.version},
    )
    assert sent.status_code == 302
    assert Message.objects.filter(kind="ticket_reply", to_address="anna@example.com").count() == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    stale = client.post(
        reverse("service:ticket-reply", args=[ticket.pk]), {"body": "Again", "kind": "note", "version": 1}
    )
    assert stale.status_code == 409
    client.post(reverse("service:ticket-reply", args=[ticket.pk]), {"body": "Called twice already.", "kind": "note"})
    assert Message.objects.filter(kind="ticket_reply").count() == 1
    canned = CannedResponse.objects.create(
        name="Thanks", body="Hello {{ contact.first_name }}, ticket {{ ticket.number }}."
    )
    box = client.get(reverse("service:ticket-canned", args=[ticket.pk]) + f"?canned={canned.pk}&body=")
    assert f"Hello Anna, ticket {ticket.number}." in box.content.decode()


def test_properties_take_merge_and_split(login: Any, support: Any, customer: Any, ticket: Ticket) -> None:
    client = login(support)
    queue = Queue.objects.create(name="Hardware")
    saved = client.post(
        reverse("service:ticket-update", args=[ticket.pk]),
        {
            "props": "1",
            "status": "open",
            "priority": "high",
            "queue": str(queue.pk),
            "assignee": "",
            "is_complaint": "1",
        },
    )
    assert saved.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.queue_id, ticket.is_complaint) == ("high", queue.pk, True)
    bad = client.post(reverse("service:ticket-update", args=[ticket.pk]), {"priority": "huge"})
    assert bad.status_code == 422
    client.post(reverse("service:ticket-take", args=[ticket.pk]))
    ticket.refresh_from_db()
    assert ticket.assignee_id == support.pk
    other = tickets.create_ticket(actor=support, contact=customer, subject="Second", body="Another question")
    nowhere = client.post(reverse("service:ticket-merge", args=[other.pk]), {"into": "999999"})
    assert nowhere.status_code == 422
    merged = client.post(reverse("service:ticket-merge", args=[other.pk]), {"into": str(ticket.number)})
    assert merged["Location"] == reverse("service:ticket-detail", args=[ticket.pk])
    message = ticket.messages.filter(body="Another question").get()
    split_page = client.get(reverse("service:ticket-split", args=[ticket.pk]))
    assert split_page.status_code == 200
    nothing = client.post(reverse("service:ticket-split", args=[ticket.pk]), {"subject": "x"})
    assert nothing.status_code == 422
    split = client.post(
        reverse("service:ticket-split", args=[ticket.pk]), {"subject": "Second again", "message": [str(message.pk)]}
    )
    assert split.status_code == 302
    assert Ticket.objects.get(subject="Second again").messages.filter(pk=message.pk).exists()


def test_the_contact_page_shows_their_tickets(login: Any, support: Any, customer: Any, ticket: Ticket) -> None:
    page = login(support).get(reverse("people:contact-detail", args=[customer.pk]))
    html = page.content.decode()
    assert 'id="tickets-panel"' in html
    assert f"#{ticket.number} Printer jams" in html


def test_someone_who_may_not_see_the_customer_gets_404(login: Any, outsider: Any, ticket: Ticket) -> None:
    client = login(outsider)
    assert client.get(reverse("service:ticket-detail", args=[ticket.pk])).status_code == 404
    assert client.post(reverse("service:ticket-reply", args=[ticket.pk]), {"body": "hi"}).status_code == 404
    assert client.post(reverse("service:ticket-update", args=[ticket.pk]), {"status": "closed"}).status_code == 404
    listed = client.get(reverse("service:ticket-list") + "?open=")
    assert "Printer jams" not in listed.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_the_reply_box_asks_the_knowledge_base(login: Any, support: Any, ticket: Ticket) -> None:
    from accord.service.services import knowledge

    article = knowledge.create_article(
        actor=support,
        data={"title": "Printer paper jams", "body": "Open the rear tray and pull the sheet out.", "language": "en"},
    )
    knowledge.publish_article(actor=support, article=article)
    client = login(support)
    page = client.get(reverse("service:ticket-detail", args=[ticket.pk])).content.decode()
    assert f'hx-get="{reverse("service:kb-suggest")}"' in page
    fragment = client.get(reverse("service:kb-suggest") + "?body=The+paper+jams+in+the+printer+again")
    assert "Printer paper jams" in fragment.content.decode()
