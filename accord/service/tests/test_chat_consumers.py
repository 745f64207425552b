"""The live chat's WebSockets end to end through the real ASGI application (routing, session
authentication, origin checks) and the in-memory channel layer."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accord.asgi import application
from accord.identity.models import Role
from accord.service.models import ChatSession, ChatStatus, Queue, Ticket
from accord.service.services import chat
from accord.service.tests.sockets import WebsocketCommunicator

pytestmark = pytest.mark.django_db(transaction=True)

SHOP = "https://shop.example.com"
FORM = {"name": "Anna Nowak", "email": "anna@example.com", "question": "Where is my order?", "consent": True}


@pytest.fixture
def channel(admin_user: Any) -> Any:
    """A widget for the shop's website; the administrator owns the contacts chats make."""
    queue = Queue.objects.create(name="Web", is_default=True)
    return chat.create_channel(actor=None, name="Shop", queue=queue, allowed_origins=[SHOP])


def visitor(channel: Any, origin: str = SHOP) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application, f"/ws/service/chat/visitor/{channel.key}/", headers=[(b"origin", origin.encode())]
    )


def agent_socket(user: Any, origin: str = "http://localhost") -> WebsocketCommunicator:
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return WebsocketCommunicator(
        application,
        "/ws/service/chat/agent/",
        headers=[(b"origin", origin.encode()), (b"host", b"localhost"), (b"cookie", cookie.encode())],
    )


def run(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """A coroutine test run to its end from pytest's synchronous world (fixtures stay synchronous)."""

    @functools.wraps(test)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        async_to_sync(test)(*args, **kwargs)

    return wrapper


async def receive_type(socket: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    """The next message of ``kind`` (skipping others, such as queue updates)."""
    for _ in range(20):
        found = await socket.receive_json_from(timeout=30)
        if found["type"] == kind:
            return found
        assert found["type"] != "error", found
    raise AssertionError(f"no {kind!r} message")


async def receive_from(socket: WebsocketCommunicator, author: str) -> dict[str, Any]:
    """The next chat message written by ``author`` (visitor, agent, system)."""
    for _ in range(20):
        found = await receive_type(socket, "message")
        if found["from"] == author:
            return found
    raise AssertionError(f"no message from {author}")


@run
async def test_a_whole_chat_between_a_visitor_and_an_agent(channel: Any, make_user: Any):
    support = await sync_to_async(make_user)(Role.SUPPORT_AGENT, username="support")
    agent = await sync_to_async(agent_socket)(support)
    assert (await agent.connect())[0]
    assert (await receive_type(agent, "queue"))["sessions"] == []
    guest = visitor(channel)
    assert (await guest.connect())[0]
    assert (await guest.receive_json_from())["online"] is True

    await guest.send_json_to({"type": "start", **FORM})
    started = await receive_type(guest, "started")
    history = await receive_type(guest, "history")
    assert [m["body"] for m in history["messages"]] == ["Where is my order?"]
    waiting = await receive_type(agent, "queue")
    assert [s["name"] for s in waiting["sessions"]] == ["Anna Nowak"]
    session_id = started["session"]
    assert await sync_to_async(ChatSession.objects.filter(pk=session_id, status="waiting").exists)()

    await agent.send_json_to({"type": "accept", "session": session_id})
    opened = await receive_type(agent, "open")
    assert opened["card"]["email"] == "anna@example.com"
    joined = await receive_type(guest, "message")
    assert (joined["from"], joined["body"]) == ("system", "Support joined the chat.")

    await agent.send_json_to({"type": "typing", "session": session_id})
    assert (await receive_type(guest, "typing"))["from"] == "agent"
    await agent.send_json_to({"type": "message", "session": session_id, "body": "<b>It ships today</b>"})
    said = await receive_from(guest, "agent")
    assert (said["from"], said["name"], said["body"]) == ("agent", "Support", "<b>It ships today</b>")

    await guest.send_json_to({"type": "message", "body": "Thanks!"})
    heard = await receive_from(agent, "visitor")
    assert (heard["from"], heard["body"], heard["session"]) == ("visitor", "Thanks!", session_id)

    await agent.send_json_to({"type": "end", "session": session_id, "resolved": True})
    ended = await receive_type(guest, "ended")
    assert ended["ticket"] is None
    session = await sync_to_async(ChatSession.objects.get)(pk=session_id)
    assert (session.status, session.end_reason) == (ChatStatus.ENDED, "resolved")
    assert session.interaction_id is not None

    await guest.disconnect()
    await agent.disconnect()


@run
async def test_a_visitor_who_leaves_leaves_a_ticket_and_can_come_back_to_the_chat_before(channel: Any):
    guest = visitor(channel)
    await guest.connect()
    await guest.receive_json_from()
    await guest.send_json_to({"type": "start", **FORM})
    token = (await receive_type(guest, "started"))["token"]
    await guest.disconnect()

    back = visitor(channel)
    await back.connect()
    await back.receive_json_from()
    await back.send_json_to({"type": "resume", "token": token})
    assert (await receive_type(back, "history"))["messages"][0]["body"] == "Where is my order?"
    await back.send_json_to({"type": "leave"})
    await receive_type(back, "ended")
    await back.disconnect()

    ticket = await sync_to_async(Ticket.objects.get)()
    assert ticket.channel == "chat"


@run
async def test_a_forged_token_reads_nothing(channel: Any):
    guest = visitor(channel)
    await guest.connect()
    await guest.receive_json_from()
    await guest.send_json_to({"type": "resume", "token": "forged"})
    assert (await guest.receive_json_from())["type"] == "gone"
    await guest.send_json_to({"type": "message", "body": "hello"})
    assert (await guest.receive_json_from())["errors"] == {"session": ["Start a chat first."]}
    await guest.disconnect()


@run
async def test_the_offline_form_over_the_socket_opens_a_ticket_and_errors_name_fields(channel: Any):
    guest = visitor(channel)
    await guest.connect()
    assert (await guest.receive_json_from())["online"] is False  # no agent has the console open
    await guest.send_json_to({"type": "ticket", **FORM, "consent": False})
    assert set((await guest.receive_json_from())["errors"]) == {"consent"}
    await guest.send_json_to({"type": "ticket", **FORM})
    answer = await guest.receive_json_from()
    assert answer["type"] == "ticket"
    assert await sync_to_async(Ticket.objects.filter(number=answer["number"], channel="chat").exists)()
    await guest.disconnect()


@run
async def test_a_website_not_allowed_is_refused(channel: Any):
    guest = visitor(channel, origin="https://evil.example.com")
    connected, code = await guest.connect()
    assert (connected, code) == (False, 4403)

    unknown = WebsocketCommunicator(application, "/ws/service/chat/visitor/nope/", headers=[(b"origin", SHOP.encode())])
    assert (await unknown.connect())[0] is False


@run
async def test_the_agent_socket_needs_a_staff_login_from_accord_itself(make_user: Any):
    anonymous = WebsocketCommunicator(
        application, "/ws/service/chat/agent/", headers=[(b"origin", b"http://localhost")]
    )
    assert (await anonymous.connect())[0] is False

    viewer = await sync_to_async(make_user)(Role.READ_ONLY, username="viewer")
    refused = await sync_to_async(agent_socket)(viewer)
    assert (await refused.connect())[0] is False

    support = await sync_to_async(make_user)(Role.SUPPORT_AGENT, username="support")
    foreign = await sync_to_async(agent_socket)(support, origin="https://evil.example.com")
    assert (await foreign.connect())[0] is False


@run
async def test_an_agent_hands_a_chat_to_a_colleague(channel: Any, make_user: Any):
    support = await sync_to_async(make_user)(Role.SUPPORT_AGENT, username="support")
    colleague = await sync_to_async(make_user)(Role.SUPPORT_AGENT, username="colleague")
    session = await sync_to_async(chat.start_chat)(channel=channel, **FORM)
    await sync_to_async(chat.accept_chat)(actor=support, session=session)
    first = await sync_to_async(agent_socket)(support)
    second = await sync_to_async(agent_socket)(colleague)
    await first.connect()
    await second.connect()
    await receive_type(first, "open")

    await first.send_json_to({"type": "transfer", "session": str(session.pk), "agent": str(colleague.pk)})

    await receive_type(first, "transferred")
    handed = await receive_type(second, "open")
    assert handed["session"]["id"] == str(session.pk)
    await second.send_json_to({"type": "message", "session": str(session.pk), "body": "Hello, I take over."})
    assert (await receive_from(second, "agent"))["name"] == "Colleague"
    await first.send_json_to({"type": "message", "session": str(session.pk), "body": "Me again"})
    assert "session" in (await receive_type(first, "error"))["errors"]
    await first.disconnect()
    await second.disconnect()


async def started_chat(channel: Any) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    guest = visitor(channel)
    assert (await guest.connect())[0]
    await guest.receive_json_from()
    await guest.send_json_to({"type": "start", **FORM})
    started = await receive_type(guest, "started")
    await receive_type(guest, "history")
    return guest, started


@run
async def test_a_visitor_who_closes_the_page_and_reconnects_in_time_continues_the_same_chat(
    channel: Any, make_user: Any, settings: Any
):
    settings.ACCORD_CHAT_ABANDON_MINUTES = 10
    support = await sync_to_async(make_user)(Role.SUPPORT_AGENT, username="support")
    guest, started = await started_chat(channel)
    session = await sync_to_async(ChatSession.objects.get)(pk=started["session"])
    assert (session.visitor_sockets, session.visitor_left_at) == (1, None)
    await sync_to_async(chat.accept_chat)(actor=support, session=session)
    await guest.send_json_to({"type": "message", "body": "Before the reload"})
    await receive_from(guest, "visitor")
    await guest.disconnect()

    session = await sync_to_async(ChatSession.objects.get)(pk=started["session"])
    assert session.visitor_sockets == 0
    assert session.visitor_left_at is not None
    back = visitor(channel)
    await back.connect()
    await back.receive_json_from()
    await back.send_json_to({"type": "resume", "token": started["token"]})
    assert (await receive_type(back, "started"))["session"] == started["session"]
    history = await receive_type(back, "history")
    assert "Before the reload" in [m["body"] for m in history["messages"]]
    session = await sync_to_async(ChatSession.objects.get)(pk=started["session"])
    assert (session.visitor_sockets, session.visitor_left_at) == (1, None)

    later = timezone.now() + datetime.timedelta(hours=1)
    assert await sync_to_async(chat.abandon_chats)(now=later) == []  # still there
    await back.send_json_to({"type": "message", "body": "After the reload"})
    assert (await receive_from(back, "visitor"))["body"] == "After the reload"
    session = await sync_to_async(ChatSession.objects.get)(pk=started["session"])
    assert session.status == ChatStatus.ACTIVE
    await back.disconnect()


@run
async def test_an_abandoned_chat_is_ended_by_the_worker_and_its_agent_is_told(
    channel: Any, make_user: Any, settings: Any
):
    from accord.service.tasks import abandon_chats

    settings.ACCORD_CHAT_ABANDON_MINUTES = 0
    support = await sync_to_async(make_user)(Role.SUPPORT_AGENT, username="support")
    guest, started = await started_chat(channel)
    waiting, _ = await started_chat(channel)
    session = await sync_to_async(ChatSession.objects.get)(pk=started["session"])
    await sync_to_async(chat.accept_chat)(actor=support, session=session)
    agent = await sync_to_async(agent_socket)(support)
    assert (await agent.connect())[0]
    await receive_type(agent, "open")
    await guest.disconnect()
    await waiting.disconnect()

    assert await sync_to_async(abandon_chats.call)() == {"abandoned": 2}

    ended = await receive_type(agent, "ended")
    session = await sync_to_async(ChatSession.objects.select_related("ticket").get)(pk=started["session"])
    assert (ended["session"], ended["ticket"]) == (started["session"], session.ticket.number)
    assert (await receive_type(agent, "queue"))["sessions"] == []  # the waiting one went too
    assert await sync_to_async(Ticket.objects.filter(channel="chat").count)() == 2
    await agent.disconnect()


@run
async def test_a_console_the_worker_could_not_reach_learns_of_the_ended_chat_at_its_ping(
    channel: Any, make_user: Any, settings: Any
):
    settings.ACCORD_CHAT_ABANDON_MINUTES = 0
    support = await sync_to_async(make_user)(Role.SUPPORT_AGENT, username="support")
    guest, started = await started_chat(channel)
    session = await sync_to_async(ChatSession.objects.get)(pk=started["session"])
    await sync_to_async(chat.accept_chat)(actor=support, session=session)
    agent = await sync_to_async(agent_socket)(support)
    assert (await agent.connect())[0]
    await receive_type(agent, "open")
    await guest.disconnect()
    # Ended in another process (the worker) with an in-memory channel layer: nothing arrives...
    assert len(await sync_to_async(chat.abandon_chats)()) == 1
    assert await agent.receive_nothing(timeout=0.2)

    await agent.send_json_to({"type": "ping"})

    assert (await receive_type(agent, "ended"))["session"] == started["session"]
    await receive_type(agent, "pong")
    await agent.send_json_to({"type": "ping"})
    assert (await agent.receive_json_from())["type"] == "queue"  # told once
    assert (await agent.receive_json_from())["type"] == "pong"
    await agent.disconnect()


@run
async def test_a_message_the_database_refused_is_reported_to_the_visitor_not_echoed(channel: Any, monkeypatch: Any):
    from django.db import OperationalError

    guest, _started = await started_chat(channel)

    def refused(**kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(chat, "send_visitor_message", refused)
    await guest.send_json_to({"type": "message", "body": "Lost?"})

    error = await guest.receive_json_from(timeout=30)
    assert (error["type"], list(error["errors"])) == ("error", ["body"])
    assert await guest.receive_nothing(timeout=0.2)
    await guest.disconnect()
