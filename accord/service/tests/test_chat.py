"""Live chat's rules: starting from the pre-chat form, accepting, writing, handing over, ending
(transcript on the timeline, a ticket when unresolved), the offline ticket form and who may act."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.activities.models import Interaction
from accord.core.access import AccessDenied
from accord.identity.models import Role
from accord.people.models import Contact
from accord.service.models import (
    BusinessCalendar,
    CannedResponse,
    ChatAuthor,
    ChatEnd,
    ChatMessage,
    ChatSession,
    ChatStatus,
    Queue,
    Ticket,
)
from accord.service.selectors import chat as selectors
from accord.service.services import chat

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue() -> Queue:
    return Queue.objects.create(name="Web", is_default=True)


@pytest.fixture
def channel(queue: Queue, admin_user: Any) -> Any:
    return chat.create_channel(
        actor=admin_user, name="Shop", queue=queue, allowed_origins="https://shop.example.com\nhttp://localhost:9000"
    )


def start(channel: Any, **extra: Any) -> ChatSession:
    data = {"name": "Anna Nowak", "email": "Anna@Example.com", "question": "Where is my order?", "consent": True}
    data.update(extra)
    return chat.start_chat(channel=channel, origin="https://shop.example.com", **data)


def test_a_new_visitor_becomes_a_contact_and_waits_with_the_consent_recorded(channel: Any, admin_user: Any):
    session = start(channel)

    assert session.status == ChatStatus.WAITING
    assert session.queue == channel.queue
    contact = session.contact
    assert (contact.first_name, contact.last_name, contact.primary_email) == ("Anna", "Nowak", "anna@example.com")
    assert contact.owner == admin_user
    assert session.consent_at is not None
    assert session.consent_text == chat.consent_text()
    assert session.origin == "https://shop.example.com"
    assert [(m.author_kind, m.body) for m in selectors.messages(session)] == [("visitor", "Where is my order?")]


def test_a_known_address_finds_its_contact(channel: Any, owner: Any, make_contact: Any):
    known = make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.com"}])

    session = start(channel, name="Someone Else")

    assert session.contact == known
    assert Contact.objects.count() == 1


def test_the_form_names_every_bad_field_and_stores_nothing(channel: Any):
    with pytest.raises(ValidationError) as caught:
        start(channel, name=" ", email="not-an-address", question="", consent=False)

    assert set(caught.value.message_dict) == {"name", "email", "question", "consent"}
    assert ChatSession.objects.count() == 0
    assert Contact.objects.count() == 0


def test_an_agent_accepts_and_a_second_agent_is_refused(channel: Any, support: Any, make_user: Any):
    other = make_user(Role.SUPPORT_AGENT, username="other")
    session = start(channel)

    accepted = chat.accept_chat(actor=support, session=session)

    assert (accepted.status, accepted.agent) == (ChatStatus.ACTIVE, support)
    with pytest.raises(ValidationError) as caught:
        chat.accept_chat(actor=other, session=session)
    assert "session" in caught.value.message_dict
    assert ChatSession.objects.get(pk=session.pk).agent == support


def test_a_read_only_user_may_not_answer_chats(channel: Any, viewer: Any):
    session = start(channel)

    with pytest.raises(AccessDenied):
        chat.accept_chat(actor=viewer, session=session)
    assert not chat.may_chat(viewer)


def test_a_portal_user_never_answers_chats_even_if_their_role_may_create(channel: Any, make_user: Any):
    portal_role = Role.objects.get(code="portal_customer")
    portal_role.can_create = True
    portal_role.save(update_fields=["can_create"])
    customer = make_user("portal_customer", username="customer")
    session = start(channel)

    assert not chat.may_chat(customer)
    with pytest.raises(AccessDenied):
        chat.accept_chat(actor=customer, session=session)


def test_agent_and_visitor_write_and_another_agent_may_not(channel: Any, support: Any, make_user: Any):
    other = make_user(Role.SUPPORT_AGENT, username="other")
    session = chat.accept_chat(actor=support, session=start(channel))

    chat.send_agent_message(actor=support, session=session, body="Let me check.")
    chat.send_visitor_message(session=session, body="Thanks!")
    with pytest.raises(AccessDenied):
        chat.send_agent_message(actor=other, session=session, body="Hi")

    bodies = [(m.author_kind, m.body) for m in selectors.messages(session)]
    assert bodies[-2:] == [("agent", "Let me check."), ("visitor", "Thanks!")]
    assert bodies[1][0] == ChatAuthor.SYSTEM


def test_a_visitor_writing_too_fast_is_refused(channel: Any, django_assert_num_queries: Any):
    session = start(channel)
    pace = chat.VisitorPace()  # the socket's own count: a refusal costs no query
    now = timezone.now()
    for n in range(chat.RATE_LIMIT):
        with django_assert_num_queries(1):  # one statement stores a message
            chat.send_visitor_message(session=session, body=f"line {n}", now=now, pace=pace)

    with django_assert_num_queries(0), pytest.raises(ValidationError) as caught:
        chat.send_visitor_message(session=session, body="one more", now=now, pace=pace)

    assert "body" in caught.value.message_dict
    later = now + chat.RATE_WINDOW + datetime.timedelta(seconds=1)
    assert chat.send_visitor_message(session=session, body="calmer now", now=later, pace=pace).body == "calmer now"
    assert ChatMessage.objects.filter(session=session).count() == 1 + chat.RATE_LIMIT + 1


def test_an_agent_message_is_one_statement_and_only_in_a_chat_they_hold(
    channel: Any, support: Any, django_assert_num_queries: Any
):
    session = start(channel)
    with pytest.raises(ValidationError):  # waiting: accept it first
        chat.send_agent_message(actor=support, session=session, body="Hi")
    session = chat.accept_chat(actor=support, session=session)

    with django_assert_num_queries(1):
        stored = chat.send_agent_message(actor=support, session=session, body="Hello")

    assert ChatMessage.objects.get(pk=stored.pk).agent == support
    chat.end_chat(actor=support, session=session, outcome=ChatEnd.RESOLVED)
    with pytest.raises(ValidationError):
        chat.send_agent_message(actor=support, session=session, body="Still there?")
    assert not ChatMessage.objects.filter(body="Still there?").exists()


def test_transfer_to_an_agent_and_to_a_queue(channel: Any, support: Any, make_user: Any):
    colleague = make_user(Role.SUPPORT_AGENT, username="colleague")
    billing = Queue.objects.create(name="Billing")
    session = chat.accept_chat(actor=support, session=start(channel))

    handed = chat.transfer_chat(actor=support, session=session, agent=colleague)
    assert (handed.agent, handed.status) == (colleague, ChatStatus.ACTIVE)
    with pytest.raises(AccessDenied):
        chat.send_agent_message(actor=support, session=session, body="still mine?")

    passed = chat.transfer_chat(actor=colleague, session=session, queue=billing)
    assert (passed.agent, passed.status, passed.queue) == (None, ChatStatus.WAITING, billing)
    with pytest.raises(ValidationError):
        chat.transfer_chat(actor=support, session=session)


def test_a_resolved_chat_lands_on_the_timeline_without_a_ticket(channel: Any, support: Any):
    session = chat.accept_chat(actor=support, session=start(channel))
    chat.send_agent_message(actor=support, session=session, body="It ships today.")

    ended = chat.end_chat(actor=support, session=session, outcome=ChatEnd.RESOLVED)

    assert (ended.status, ended.end_reason, ended.ticket) == (ChatStatus.ENDED, "resolved", None)
    interaction = Interaction.objects.get(pk=ended.interaction_id)
    assert interaction.channel == "chat"
    assert interaction.contact == session.contact
    assert "Anna Nowak: Where is my order?" in interaction.body
    assert "It ships today." in interaction.body
    assert Ticket.objects.count() == 0
    with pytest.raises(ValidationError):
        chat.send_visitor_message(session=ended, body="hello?")


def test_a_visitor_who_leaves_leaves_a_ticket_with_the_transcript(channel: Any, support: Any):
    session = chat.accept_chat(actor=support, session=start(channel))

    ended = chat.end_chat(actor=None, session=session, outcome=ChatEnd.VISITOR_LEFT)
    again = chat.end_chat(actor=None, session=session, outcome=ChatEnd.VISITOR_LEFT)

    ticket = Ticket.objects.get()
    assert ended.ticket == ticket == again.ticket
    assert (ticket.channel, ticket.subject, ticket.queue, ticket.assignee) == (
        "chat",
        "Where is my order?",
        channel.queue,
        support,
    )
    assert "Anna Nowak: Where is my order?" in ticket.messages.get().body
    assert ended.interaction_id == ticket.messages.get().interaction_id


def test_a_visitor_may_only_leave(channel: Any):
    session = start(channel)

    with pytest.raises(ValidationError):
        chat.end_chat(actor=None, session=session, outcome=ChatEnd.RESOLVED)


def test_the_offline_form_opens_a_chat_ticket(channel: Any):
    ticket = chat.offline_ticket(
        channel=channel, name="Piotr Zieliński", email="piotr@example.com", question="Call me back", consent=True
    )

    assert (ticket.channel, ticket.subject, ticket.contact.primary_email) == (
        "chat",
        "Call me back",
        "piotr@example.com",
    )
    with pytest.raises(ValidationError) as caught:
        chat.offline_ticket(channel=channel, name="P", email="piotr@example.com", question="Again", consent=False)
    assert set(caught.value.message_dict) == {"consent"}


def test_open_only_with_an_agent_online_and_within_the_hours(channel: Any, support: Any):
    monday_noon = datetime.datetime(2026, 12, 7, 11, 0, tzinfo=datetime.UTC)  # 12:00 in Warsaw
    assert not chat.is_open(channel, monday_noon)

    chat.agent_connected(user=support, now=monday_noon)
    assert chat.is_open(channel, monday_noon)
    assert not chat.is_open(channel, monday_noon + chat.PRESENCE_TTL + datetime.timedelta(seconds=1))

    channel.calendar = BusinessCalendar.objects.create(name="Office")  # 9-17 on weekdays
    channel.save()
    assert chat.is_open(channel, monday_noon)
    assert not chat.is_open(channel, monday_noon.replace(hour=20))

    chat.agent_disconnected(user=support)
    assert not chat.is_open(channel, monday_noon)


def test_an_agent_of_another_queue_does_not_open_the_chat(channel: Any, support: Any, make_user: Any):
    other = make_user(Role.SUPPORT_AGENT, username="other")
    channel.queue.agents.add(other)

    chat.agent_connected(user=support)

    assert not chat.is_open(channel)


def test_a_visitor_token_names_only_its_own_chat_of_its_channel(channel: Any, queue: Any):
    session = start(channel)
    other_channel = chat.create_channel(actor=None, name="Other", queue=queue)
    token = chat.visitor_token(session)

    assert selectors.visitor_session(token, channel) == session
    assert selectors.visitor_session(token, other_channel) is None
    assert selectors.visitor_session(token[:-2] + "xx", channel) is None
    assert selectors.visitor_session("", channel) is None


def test_origins_are_checked_by_scheme_host_and_port(channel: Any):
    assert chat.origin_allowed(channel, "https://shop.example.com")
    assert chat.origin_allowed(channel, "https://SHOP.example.com/")
    assert not chat.origin_allowed(channel, "http://shop.example.com")
    assert not chat.origin_allowed(channel, "https://shop.example.com:8443")
    assert not chat.origin_allowed(channel, "https://evil.example.com")
    assert not chat.origin_allowed(channel, "null")
    assert chat.origin_allowed(channel, "http://localhost:8000", own_origin="http://localhost:8000")
    with pytest.raises(ValidationError) as caught:
        chat.create_channel(actor=None, name="Bad", queue=channel.queue, allowed_origins=["ftp://x"])
    assert "allowed_origins" in caught.value.message_dict


def test_only_an_administrator_sets_up_channels(queue: Any, support: Any):
    with pytest.raises(AccessDenied):
        chat.create_channel(actor=support, name="Mine", queue=queue)


def test_a_canned_response_is_filled_in_for_the_chat(channel: Any, support: Any):
    session = chat.accept_chat(actor=support, session=start(channel))
    response = CannedResponse.objects.create(
        name="Hi", body="Hello {{ contact.first_name }}, {{ agent.first_name }} here."
    )

    assert chat.render_canned(response, session=session, agent=support) == "Hello Anna, Support here."


def test_the_customer_card_shows_what_the_agent_may_see(channel: Any, support: Any):
    session = chat.accept_chat(actor=support, session=start(channel))

    card = selectors.customer_card(support, session)

    assert card["visible"] is True
    assert (card["name"], card["email"], card["open_tickets"]) == ("Anna Nowak", "anna@example.com", 0)
    assert card["url"] == f"/contacts/{session.contact_id}/"


def test_the_console_and_the_preview_are_for_agents(channel: Any, support: Any, viewer: Any, client: Any):
    client.force_login(support)
    console = client.get("/service/chat/")
    preview = client.get("/service/chat/demo/")

    assert console.status_code == 200
    assert b'data-socket="/ws/service/chat/agent/"' in console.content
    assert preview.status_code == 200
    assert f'data-key="{channel.key}"'.encode() in preview.content
    assert b"service/chat-widget.js" in preview.content
    client.force_login(viewer)
    assert client.get("/service/chat/").status_code == 403
    assert client.get("/service/chat/demo/").status_code == 403


def test_a_chat_whose_visitor_did_not_come_back_becomes_a_ticket(channel: Any, support: Any, settings: Any):
    settings.ACCORD_CHAT_ABANDON_MINUTES = 10
    session = chat.accept_chat(actor=support, session=start(channel))
    chat.visitor_connected(session=session)
    left = timezone.now()
    chat.visitor_disconnected(session=session, now=left)

    assert chat.abandon_chats(now=left + datetime.timedelta(minutes=9)) == []
    [ended] = chat.abandon_chats(now=left + datetime.timedelta(minutes=10))

    assert (ended.status, ended.end_reason) == (ChatStatus.ENDED, ChatEnd.ABANDONED)
    ticket = Ticket.objects.get(pk=ended.ticket_id)
    assert (ticket.channel, ticket.assignee, ticket.contact) == ("chat", support, session.contact)
    assert "Where is my order?" in ticket.messages.get().body
    assert "Anna Nowak closed the page and did not come back." in ticket.messages.get().body
    assert chat.abandon_chats(now=left + datetime.timedelta(hours=1)) == []  # once
    assert Ticket.objects.count() == 1


def test_a_visitor_who_comes_back_or_keeps_another_window_open_keeps_the_chat(channel: Any):
    later = timezone.now() + datetime.timedelta(hours=1)
    back = start(channel)
    chat.visitor_connected(session=back)
    chat.visitor_disconnected(session=back)
    chat.visitor_connected(session=back)  # reloaded the page
    two_tabs = start(channel)
    chat.visitor_connected(session=two_tabs)
    chat.visitor_connected(session=two_tabs)
    chat.visitor_disconnected(session=two_tabs)
    gone = start(channel)  # waiting, never accepted
    chat.visitor_connected(session=gone)
    chat.visitor_disconnected(session=gone)
    chat.visitor_disconnected(session=gone)  # a second close never counts below none

    assert [s.pk for s in chat.abandon_chats(now=later)] == [gone.pk]
    back.refresh_from_db()
    two_tabs.refresh_from_db()
    assert (back.status, back.visitor_left_at, two_tabs.status) == (ChatStatus.WAITING, None, ChatStatus.WAITING)
    assert ChatSession.objects.get(pk=gone.pk).visitor_sockets == 0


def test_only_the_visitors_absence_abandons_a_chat(channel: Any, support: Any):
    session = chat.accept_chat(actor=support, session=start(channel))
    with pytest.raises(ValidationError) as caught:
        chat.end_chat(actor=support, session=session, outcome=ChatEnd.ABANDONED)
    assert "outcome" in caught.value.message_dict


def test_the_worker_task_abandons_chats(channel: Any, settings: Any):
    from accord.service.tasks import abandon_chats

    settings.ACCORD_CHAT_ABANDON_MINUTES = 0
    session = start(channel)
    chat.visitor_connected(session=session)
    chat.visitor_disconnected(session=session)

    assert abandon_chats.call() == {"abandoned": 1}
    assert ChatSession.objects.get(pk=session.pk).end_reason == ChatEnd.ABANDONED
