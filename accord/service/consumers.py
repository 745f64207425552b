"""The live chat's WebSocket ends: the visitor's widget and the agents' console.

Consumers only parse what arrives and call the chat services and selectors (through
``database_sync_to_async``); what they send on is what the services stored. Groups on the channel
layer: one per chat (its visitor and the agent holding it), one of all agents (the waiting
queue changed), one per agent (a chat was handed to them).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connections
from django.utils import translation
from django.utils.translation import gettext as _

from accord.core.errors import message_dict
from accord.service.models import ChatEnd, ChatSession, ChatStatus
from accord.service.selectors import chat as selectors
from accord.service.selectors import tickets as ticket_selectors
from accord.service.services import chat as services

AGENTS = "service.chat.agents"
FORBIDDEN = 4403


def session_group(pk: Any) -> str:
    return f"service.chat.session.{pk}"


def agent_group(pk: Any) -> str:
    return f"service.chat.agent.{pk}"


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def store(func: Any) -> Any:
    """``func`` (a message's store) to await. On PostgreSQL a commit waits for the disk: each store
    runs in a thread of the pool, on that thread's own connection, so the commits of many chats
    overlap (and the server flushes them together) instead of queueing in the one thread Django's
    synchronous code shares. SQLite's writes take turns anyway and cost a fraction of a millisecond:
    they stay in that thread."""
    return database_sync_to_async(func, thread_sensitive=connections["default"].vendor != "postgresql")


def _errors(exc: ValidationError) -> dict[str, Any]:
    return {"type": "error", "errors": message_dict(exc)}


def ended_json(session: ChatSession) -> dict[str, Any]:
    """What the consoles (and the visitor) hear when a chat ends."""
    ticket = session.ticket.number if session.ticket_id and session.ticket else None
    return {"type": "ended", "session": str(session.pk), "ticket": ticket}


def announce_ended(sessions: list[ChatSession]) -> None:
    """Tell the chats' sockets (the agent holding each) and every console's queue that these chats
    ended outside a socket (the worker's abandonment check). Through a shared channel layer they hear
    it at once; the in-memory layer is the web process's own, so its consoles notice at their next ping."""
    layer = get_channel_layer()
    if layer is None:
        return
    for session in sessions:
        async_to_sync(layer.group_send)(
            session_group(session.pk), {"type": "chat.event", "payload": ended_json(session), "skip": ""}
        )
    async_to_sync(layer.group_send)(AGENTS, {"type": "chat.queue"})


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """What both ends share: forwarding a group's events to this socket."""

    async def chat_event(self, event: dict[str, Any]) -> None:
        if event.get("skip") == self.channel_name:
            return  # this socket's own typing notice
        await self.send_json(event["payload"])

    async def broadcast(self, session_id: Any, payload: dict[str, Any], *, skip_self: bool = False) -> None:
        event = {"type": "chat.event", "payload": payload, "skip": self.channel_name if skip_self else ""}
        await self.channel_layer.group_send(session_group(session_id), event)

    async def queue_changed(self) -> None:
        await self.channel_layer.group_send(AGENTS, {"type": "chat.queue"})


class VisitorConsumer(ChatConsumer):
    """The widget on a customer's website: ``/ws/service/chat/visitor/<key>/``."""

    channel: Any = None
    session_id: str | None = None
    # The chat this socket joined, as read when it joined: a message needs only its key and the
    # visitor's name, so none is read again per message.
    session: ChatSession | None = None

    async def connect(self) -> None:
        self.pace = services.VisitorPace()
        key = self.scope["url_route"]["kwargs"]["key"]
        self.origin = _header(self.scope, b"origin")
        self.channel = await database_sync_to_async(selectors.channel_by_key)(key)
        if self.channel is None or (
            not services.origin_allowed(self.channel, self.origin, own_origin=settings.ACCORD_BASE_URL)
            and not self._same_host()
        ):
            await self.close(code=FORBIDDEN)
            return
        await self.accept()
        online = await database_sync_to_async(services.is_open)(self.channel)
        labels = services.widget_labels(self.language())
        await self.send_json(
            {
                "type": "hello",
                "online": online,
                "title": self.channel.title or self.channel.name,
                "greeting": self.channel.greeting,
                "consent": labels["consent"],
                "language": self.language(),
                "labels": labels,
            }
        )

    def language(self) -> str:
        """The visitor's language: ``?lang=`` of the socket's address (the widget sends its page's)."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        return services.widget_language((query.get("lang") or [""])[0])

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        """Everything said back to the visitor (errors, the consent stored with a chat) in their language."""
        with translation.override(self.language()):
            await super().websocket_receive(message)

    def _same_host(self) -> bool:
        """The staff preview page is served by Accord itself, whatever ACCORD_BASE_URL says."""
        host = _header(self.scope, b"host")
        return bool(host) and services.origin_of(self.origin) in (f"http://{host}", f"https://{host}")

    async def disconnect(self, code: int) -> None:
        if self.session is not None:
            await self.channel_layer.group_discard(session_group(self.session_id), self.channel_name)
            # The chat waits for the visitor to come back (services.abandon_chats ends it if not).
            await database_sync_to_async(services.visitor_disconnected)(session=self.session)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        try:
            if kind == "start":
                await self._start(content)
            elif kind == "resume":
                await self._resume(content)
            elif kind == "ticket":
                await self._ticket(content)
            elif self.session is None:
                await self.send_json({"type": "error", "errors": {"session": [_("Start a chat first.")]}})
            elif kind == "message":
                # Stored first (one statement), then fanned out: nobody sees a message that was not kept.
                try:
                    message = await store(services.send_visitor_message)(
                        session=self.session, body=content.get("body"), pace=self.pace
                    )
                except DatabaseError:
                    # Not stored (the database is busy or gone): the widget says so, not silence.
                    await self.send_json(
                        {"type": "error", "errors": {"body": [_("Your message was not sent; send it again.")]}}
                    )
                    return
                await self.broadcast(self.session.pk, selectors.message_json(message, self.session))
            elif kind == "typing":
                await self.broadcast(
                    self.session_id, {"type": "typing", "session": self.session_id, "from": "visitor"}, skip_self=True
                )
            elif kind == "leave":
                session = await self._session()
                await database_sync_to_async(services.end_chat)(
                    actor=None, session=session, outcome=ChatEnd.VISITOR_LEFT
                )
                await self.broadcast(session.pk, {"type": "ended", "session": str(session.pk)})
                await self.queue_changed()
        except ValidationError as exc:
            await self.send_json(_errors(exc))

    async def _session(self) -> ChatSession:
        return await database_sync_to_async(ChatSession.objects.select_related("agent").get)(pk=self.session_id)

    async def _join(self, session: ChatSession) -> None:
        await database_sync_to_async(services.visitor_connected)(session=session)
        self.session = session
        self.session_id = str(session.pk)
        await self.channel_layer.group_add(session_group(session.pk), self.channel_name)

    async def _start(self, content: dict[str, Any]) -> None:
        if self.session is not None:
            return
        session = await database_sync_to_async(services.start_chat)(
            channel=self.channel,
            name=content.get("name"),
            email=content.get("email"),
            question=content.get("question"),
            consent=content.get("consent"),
            origin=self.origin,
        )
        await self._join(session)
        await self.send_json({"type": "started", "session": str(session.pk), "token": services.visitor_token(session)})
        await self._history(session)
        await self.queue_changed()

    async def _resume(self, content: dict[str, Any]) -> None:
        if self.session is not None:
            return
        session = await database_sync_to_async(selectors.visitor_session)(str(content.get("token") or ""), self.channel)
        if session is None or session.status == ChatStatus.ENDED:
            await self.send_json({"type": "gone"})
            return
        await self._join(session)
        await self.send_json({"type": "started", "session": str(session.pk), "token": content.get("token")})
        await self._history(session)

    async def _history(self, session: ChatSession) -> None:
        def rows() -> list[dict[str, Any]]:
            return [selectors.message_json(m, session) for m in selectors.messages(session)]

        await self.send_json({"type": "history", "messages": await database_sync_to_async(rows)()})

    async def _ticket(self, content: dict[str, Any]) -> None:
        ticket = await database_sync_to_async(services.offline_ticket)(
            channel=self.channel,
            name=content.get("name"),
            email=content.get("email"),
            question=content.get("question"),
            consent=content.get("consent"),
            origin=self.origin,
        )
        await self.send_json({"type": "ticket", "number": ticket.number})


class AgentConsumer(ChatConsumer):
    """The agents' console: ``/ws/service/chat/agent/``."""

    async def connect(self) -> None:
        self.held: set[str] = set()  # the chats whose groups this console joined
        self.user = self.scope.get("user")
        if not services.may_chat(self.user):
            await self.close(code=FORBIDDEN)
            return
        await self.accept()
        await database_sync_to_async(services.agent_connected)(user=self.user)
        await self.channel_layer.group_add(AGENTS, self.channel_name)
        await self.channel_layer.group_add(agent_group(self.user.pk), self.channel_name)
        mine = await database_sync_to_async(selectors.agent_sessions)(self.user)
        for session in mine:
            await self._hold(session.pk)
        await self._send_queue()
        for session in mine:
            await self._send_open(session)

    async def disconnect(self, code: int) -> None:
        user = getattr(self, "user", None)
        if services.may_chat(user):
            await database_sync_to_async(services.agent_disconnected)(user=user)
            await self.channel_layer.group_discard(AGENTS, self.channel_name)

    async def chat_event(self, event: dict[str, Any]) -> None:
        await super().chat_event(event)
        if event["payload"].get("type") == "ended":
            await self._drop(event["payload"]["session"])

    async def _hold(self, pk: Any) -> None:
        self.held.add(str(pk))
        await self.channel_layer.group_add(session_group(pk), self.channel_name)

    async def _drop(self, pk: Any) -> None:
        self.held.discard(str(pk))
        await self.channel_layer.group_discard(session_group(pk), self.channel_name)

    async def _ping(self) -> None:
        """The console is still open; it also learns of its chats that ended outside a socket (a
        visitor who did not come back) and of the queue as it is now, which the worker could not
        tell it through the in-memory channel layer."""

        def ended() -> list[dict[str, Any]]:
            services.agent_still_here(user=self.user)
            return [ended_json(s) for s in selectors.ended_among(self.held)]

        for payload in await database_sync_to_async(ended)():
            await self.send_json(payload)
            await self._drop(payload["session"])
        await self._send_queue()
        await self.send_json({"type": "pong"})

    async def chat_queue(self, event: dict[str, Any]) -> None:
        await self._send_queue()

    async def chat_handed(self, event: dict[str, Any]) -> None:
        session = await database_sync_to_async(selectors.session_for_agent)(self.user, event["session"])
        if session is not None:
            await self._hold(session.pk)
            await self._send_open(session)

    async def _send_queue(self) -> None:
        def rows() -> list[dict[str, Any]]:
            return [selectors.session_json(s) for s in selectors.waiting_sessions(self.user)]

        await self.send_json({"type": "queue", "sessions": await database_sync_to_async(rows)()})

    async def _send_open(self, session: ChatSession) -> None:
        def payload() -> dict[str, Any]:
            return {
                "type": "open",
                "session": selectors.session_json(session),
                "card": selectors.customer_card(self.user, session),
                "messages": [selectors.message_json(m, session) for m in selectors.messages(session)],
            }

        await self.send_json(await database_sync_to_async(payload)())

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self._ping()
            return
        session = await database_sync_to_async(selectors.session_for_agent)(self.user, content.get("session"))
        if session is None:
            await self.send_json({"type": "error", "errors": {"session": [_("No such chat, or it is not yours.")]}})
            return
        try:
            await self._act(kind, session, content)
        except ValidationError as exc:
            await self.send_json({**_errors(exc), "session": str(session.pk)})

    async def _act(self, kind: Any, session: ChatSession, content: dict[str, Any]) -> None:
        if kind == "accept":
            session = await database_sync_to_async(services.accept_chat)(actor=self.user, session=session)
            await self._hold(session.pk)
            await self._send_last(session)
            await self._send_open(session)
            await self.queue_changed()
        elif kind == "message":
            message = await database_sync_to_async(services.send_agent_message)(
                actor=self.user, session=session, body=content.get("body")
            )
            await self.broadcast(session.pk, await database_sync_to_async(selectors.message_json)(message, session))
        elif kind == "typing":
            await self.broadcast(
                session.pk, {"type": "typing", "session": str(session.pk), "from": "agent"}, skip_self=True
            )
        elif kind == "canned":
            text = await database_sync_to_async(self._canned)(session, content.get("canned"))
            await self.send_json({"type": "canned", "session": str(session.pk), "body": text})
        elif kind == "transfer":
            await self._transfer(session, content)
        elif kind == "end":
            outcome = ChatEnd.RESOLVED if content.get("resolved") is True else ChatEnd.UNRESOLVED
            await self._send_last(session, end=True)
            ended = await database_sync_to_async(services.end_chat)(actor=self.user, session=session, outcome=outcome)
            await self.broadcast(
                session.pk, {"type": "ended", "session": str(session.pk), "ticket": await self._ticket_number(ended)}
            )
            await self._drop(session.pk)

    async def _ticket_number(self, session: ChatSession) -> int | None:
        def number() -> int | None:
            return session.ticket.number if session.ticket_id and session.ticket else None

        return await database_sync_to_async(number)()

    async def _send_last(self, session: ChatSession, *, end: bool = False) -> None:
        """The system line the service wrote last (joined, handed on), to everyone in the chat."""
        if end:
            return

        def last() -> dict[str, Any] | None:
            found = session.messages.select_related("agent").order_by("-created_at", "-id").first()
            return selectors.message_json(found, session) if found is not None else None

        payload = await database_sync_to_async(last)()
        if payload is not None:
            await self.broadcast(session.pk, payload)

    def _canned(self, session: ChatSession, key: Any) -> str:
        response = ticket_selectors.canned_by_key(self.user, key)
        if response is None:
            raise ValidationError({"canned": [_("No such canned response.")]})
        return services.render_canned(response, session=session, agent=self.user)

    async def _transfer(self, session: ChatSession, content: dict[str, Any]) -> None:
        agent = (
            await database_sync_to_async(ticket_selectors.agent_by_key)(content.get("agent"))
            if content.get("agent")
            else None
        )
        queue = (
            await database_sync_to_async(ticket_selectors.queue_by_key)(content.get("queue"))
            if content.get("queue")
            else None
        )
        if content.get("agent") and agent is None:
            raise ValidationError({"agent": [_("No such agent.")]})
        if content.get("queue") and queue is None:
            raise ValidationError({"queue": [_("No such queue.")]})
        session = await database_sync_to_async(services.transfer_chat)(
            actor=self.user, session=session, agent=agent, queue=queue
        )
        await self._send_last(session)
        await self.send_json({"type": "transferred", "session": str(session.pk)})
        await self._drop(session.pk)
        if agent is not None:
            await self.channel_layer.group_send(
                agent_group(agent.pk), {"type": "chat.handed", "session": str(session.pk)}
            )
        else:
            await self.queue_changed()
