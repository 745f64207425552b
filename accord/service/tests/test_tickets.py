"""Tickets: opened from any channel once per external id, answered by e-mail through the outbox
with threading headers, noted internally, moved through their statuses with the SLA clock and the
collections pause following, assigned by round robin and least load, merged and split."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.activities.models import Interaction
from accord.core import events
from accord.core.models import Event
from accord.messaging.models import Message
from accord.service.models import AssignmentMode, MessageKind, Queue, SlaPolicy, Ticket, TicketStatus
from accord.service.services import sla, tickets

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(make_contact: Any, owner: Any) -> Any:
    return make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.com"}])


def _open(actor: Any, contact: Any, **extra: Any) -> Ticket:
    extra.setdefault("subject", "Printer does not print")
    extra.setdefault("body", "It blinks red.")
    return tickets.create_ticket(actor=actor, contact=contact, **extra)


def test_a_ticket_is_numbered_on_the_timeline_and_pauses_collections(support: Any, customer: Any) -> None:
    first = _open(support, customer, channel="phone")
    second = _open(support, customer)
    assert second.number == first.number + 1
    assert first.status == TicketStatus.NEW
    assert first.queue.is_default
    message = first.messages.get()
    assert message.kind == MessageKind.CUSTOMER
    interaction = Interaction.objects.get(pk=message.interaction_id)
    assert interaction.contact_id == customer.pk
    assert interaction.channel == "phone"
    assert interaction.direction == "in"
    assert Event.objects.filter(name="collections.pause_requested", object_id=first.pk).exists()


def test_bad_input_names_the_field_and_stores_nothing(support: Any, customer: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        tickets.create_ticket(actor=support, contact=customer, subject=" ", body="", priority="huge")
    assert set(caught.value.message_dict) == {"subject", "body", "priority"}
    assert not Ticket.objects.exists()


def test_the_same_external_message_opens_one_ticket(support: Any, customer: Any) -> None:
    first = _open(None, customer, channel="email", external_id="email:<a@b>", email_message_id="<a@b>")
    again = _open(None, customer, channel="email", external_id="email:<a@b>", email_message_id="<a@b>")
    assert first.pk == again.pk
    assert Ticket.objects.count() == 1


def test_a_reply_is_queued_as_an_email_in_the_thread_and_a_note_is_not(support: Any, customer: Any) -> None:
    ticket = _open(None, customer, channel="email", email_message_id="<first@customer>")
    reply = tickets.reply(actor=support, ticket=ticket, body="Please restart it.", status="waiting")
    outgoing = Message.objects.get(pk=reply.outbox_message_id)
    assert outgoing.to_address == "anna@example.com"
    assert f"[#{ticket.number}]" in outgoing.subject
    assert outgoing.headers["In-Reply-To"] == "<first@customer>"
    assert reply.email_message_id == outgoing.external_id
    tickets.reply(actor=support, ticket=ticket, body="Customer sounded upset.", internal=True)
    assert Message.objects.filter(kind="ticket_reply").count() == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING
    assert ticket.assignee_id == support.pk
    assert ticket.first_responded_at is not None
    assert ticket.paused_at is not None


def test_the_customer_answering_reopens_and_resumes_the_clock(support: Any, customer: Any) -> None:
    SlaPolicy.objects.create(name="Standard", first_response_minutes=60, resolution_minutes=8 * 60)
    start = timezone.now()
    ticket = _open(support, customer, now=start)
    due = ticket.resolution_due
    tickets.reply(actor=support, ticket=ticket, body="Which model?", status="waiting", now=start)
    tickets.add_customer_message(
        ticket=ticket, body="LaserJet 4", channel="email", now=start + datetime.timedelta(hours=2)
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert ticket.paused_at is None
    assert ticket.resolution_due == due + datetime.timedelta(hours=2)


def test_resolving_lifts_the_collections_pause_and_a_late_resolution_is_a_breach(support: Any, customer: Any) -> None:
    SlaPolicy.objects.create(name="Standard", first_response_minutes=60, resolution_minutes=120)
    start = timezone.now()
    ticket = _open(support, customer, now=start)
    tickets.update_ticket(
        actor=support, ticket=ticket, data={"status": "resolved"}, now=start + datetime.timedelta(hours=3)
    )
    ticket.refresh_from_db()
    assert ticket.resolution_breached
    assert ticket.first_response_breached
    assert ticket.sla_next_check is None
    assert Event.objects.filter(name="collections.pause_lifted", object_id=ticket.pk).exists()


def test_round_robin_and_least_loaded(support: Any, make_user: Any, customer: Any) -> None:
    from accord.identity.models import Role

    other = make_user(Role.SUPPORT_AGENT, [], username="second")
    queue = Queue.objects.create(name="Hardware", assignment=AssignmentMode.ROUND_ROBIN)
    queue.agents.set([support, other])
    got = [_open(None, customer, queue=queue).assignee for _ in range(4)]
    assert [u.username for u in got] == ["second", "support", "second", "support"]
    queue.assignment = AssignmentMode.LEAST_LOADED
    queue.save()
    tickets.update_ticket(
        actor=support, ticket=Ticket.objects.filter(assignee=other).first(), data={"status": "closed"}
    )
    assert _open(None, customer, queue=queue).assignee == other


def test_merge_and_split(support: Any, customer: Any) -> None:
    one = _open(support, customer, subject="A")
    two = _open(support, customer, subject="B")
    tickets.merge_tickets(actor=support, ticket=two, into=one)
    two.refresh_from_db()
    assert two.status == TicketStatus.CLOSED
    assert two.merged_into_id == one.pk
    assert one.messages.filter(kind=MessageKind.CUSTOMER).count() == 2
    moving = one.messages.filter(kind=MessageKind.CUSTOMER).order_by("created_at", "id").last()
    new = tickets.split_ticket(actor=support, ticket=one, message_ids=[moving.pk], subject="B again")
    assert new.messages.filter(kind=MessageKind.CUSTOMER).count() == 1
    with pytest.raises(ValidationError):
        tickets.merge_tickets(actor=support, ticket=one, into=one)


def test_the_check_warns_then_records_the_breach_once(support: Any, customer: Any) -> None:
    SlaPolicy.objects.create(
        name="Fast", first_response_minutes=60, resolution_minutes=240, warn_before_minutes=15, escalate_to=support
    )
    start = timezone.now()
    ticket = _open(support, customer, now=start, assignee=support)
    assert sla.check(now=start + datetime.timedelta(minutes=10)).warned == 0
    assert sla.check(now=start + datetime.timedelta(minutes=50)).warned == 1
    assert sla.check(now=start + datetime.timedelta(minutes=55)).warned == 0
    result = sla.check(now=start + datetime.timedelta(minutes=61))
    assert result.breached == 1
    assert sla.check(now=start + datetime.timedelta(minutes=62)).breached == 0
    ticket.refresh_from_db()
    assert ticket.first_response_breached
    assert Event.objects.filter(name="service.ticket.sla_breached", object_id=ticket.pk).count() == 1
    assert not Message.objects.filter(recipient_user=support).exists()
    events.dispatch_pending()
    warning, breach = Message.objects.filter(recipient_user=support, channel="in_app").order_by("created_at")
    assert warning.idempotency_key.startswith("sla:warning:first_response:")
    assert breach.idempotency_key.startswith("sla:breach:first_response:")
    assert breach.related_id == ticket.pk
    assert f"#{ticket.number}" in breach.subject
    sla.check(now=start + datetime.timedelta(minutes=63))
    events.dispatch_pending()
    assert Message.objects.filter(recipient_user=support).count() == 2, "each warning and breach is told once"


def test_a_message_is_seen_by_who_sees_the_ticket(support: Any, customer: Any, owner: Any, outsider: Any) -> None:
    from accord.core import access

    ticket = _open(support, customer)
    message = ticket.messages.get()
    assert access.can_view(owner, message)
    assert not access.can_view(outsider, message)
    assert list(access.scope(outsider, type(message).objects.all())) == []


def test_sla_notices_are_written_in_each_users_language(support: Any, customer: Any) -> None:
    support.language = "pl"
    support.save(update_fields=["language"])
    SlaPolicy.objects.create(name="Fast", first_response_minutes=60, resolution_minutes=240)
    start = timezone.now()
    _open(support, customer, now=start, assignee=support)
    sla.check(now=start + datetime.timedelta(minutes=61))
    events.dispatch_pending()
    notice = Message.objects.get(recipient_user=support)
    assert "pierwsza odpowiedź" in notice.subject


def test_a_breach_is_told_to_the_escalation_user_too_a_warning_only_to_the_assignee(
    support: Any, customer: Any, owner: Any
) -> None:
    owner.language = "ru"
    owner.save(update_fields=["language"])
    SlaPolicy.objects.create(
        name="Fast", first_response_minutes=60, resolution_minutes=240, warn_before_minutes=15, escalate_to=owner
    )
    start = timezone.now()
    _open(support, customer, now=start, assignee=support)
    sla.check(now=start + datetime.timedelta(minutes=50))
    events.dispatch_pending()
    assert Message.objects.filter(recipient_user=support).count() == 1
    assert not Message.objects.filter(recipient_user=owner).exists()
    sla.check(now=start + datetime.timedelta(minutes=61))
    events.dispatch_pending()
    escalated = Message.objects.get(recipient_user=owner)
    assert escalated.idempotency_key.startswith("sla:breach:")
    assert escalated.subject.startswith("Нарушен SLA")
    assert "первый ответ" in escalated.subject
    assert Message.objects.filter(recipient_user=support).count() == 2
