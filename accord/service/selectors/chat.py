"""Reads of live chat for the widget and the agents' console."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accord.core import access
from accord.core.models import as_uuid
from accord.identity.models import User
from accord.service.models import ChatAuthor, ChatChannel, ChatMessage, ChatSession, ChatStatus, Queue
from accord.service.services import chat as services


def channel_by_key(key: str) -> ChatChannel | None:
    """The active widget with this key, or None."""
    if not key or len(key) > 40:
        return None
    return ChatChannel.objects.select_related("queue", "calendar").filter(key=key, active=True).first()


def channels() -> QuerySet[ChatChannel]:
    return ChatChannel.objects.select_related("queue").order_by("name")


def visitor_session(token: str, channel: ChatChannel) -> ChatSession | None:
    """The chat a visitor's signed token names (only ever their own)."""
    key = as_uuid(services.session_id_of(token, channel))
    if key is None:
        return None
    return ChatSession.objects.select_related("channel", "agent").filter(pk=key, channel=channel).first()


def session_for_agent(user: Any, pk: Any) -> ChatSession | None:
    """A chat ``user`` may act on (theirs, a waiting one, any for an admin), or None."""
    key = as_uuid(pk)
    if key is None or not services.may_chat(user):
        return None
    session = ChatSession.objects.select_related("contact", "agent", "queue", "channel").filter(pk=key).first()
    return session if session is not None and services.may_act_on(user, session) else None


def waiting_sessions(user: Any, limit: int = 100) -> list[ChatSession]:
    """The chats waiting for an agent, oldest first."""
    if not services.may_chat(user):
        return []
    qs = ChatSession.objects.filter(status=ChatStatus.WAITING).select_related("queue", "channel")
    return list(qs.order_by("created_at", "id")[:limit])


def agent_sessions(user: Any) -> list[ChatSession]:
    """The chats ``user`` holds now."""
    if not services.may_chat(user):
        return []
    qs = ChatSession.objects.filter(status=ChatStatus.ACTIVE, agent=user).select_related("queue", "channel")
    return list(qs.order_by("accepted_at", "id"))


def ended_among(keys: Any) -> list[ChatSession]:
    """Which of these chats (a console's own, by key) have ended."""
    found = [k for k in (as_uuid(key) for key in keys) if k is not None]
    if not found:
        return []
    return list(ChatSession.objects.filter(pk__in=found, status=ChatStatus.ENDED).select_related("ticket"))


def messages(session: ChatSession) -> list[ChatMessage]:
    return list(session.messages.select_related("agent").order_by("created_at", "id"))


def message_json(message: ChatMessage, session: ChatSession | None = None) -> dict[str, Any]:
    """A message as the widget and the console receive it (text only; the pages escape it)."""
    session = session or message.session
    if message.author_kind == ChatAuthor.VISITOR:
        name = session.visitor_name
    elif message.author_kind == ChatAuthor.AGENT and message.agent is not None:
        name = services.agent_name(message.agent)
    else:
        name = ""
    return {
        "type": "message",
        "session": str(session.pk),
        "id": str(message.pk),
        "from": message.author_kind,
        "name": name,
        "body": message.body,
        "at": timezone.localtime(message.created_at).strftime("%H:%M"),
    }


def session_json(session: ChatSession) -> dict[str, Any]:
    return {
        "id": str(session.pk),
        "name": session.visitor_name,
        "email": session.visitor_email,
        "question": session.question[:300],
        "status": session.status,
        "queue": session.queue.name,
        "channel": session.channel.name,
        "agent": str(session.agent_id or ""),
        "waiting_since": timezone.localtime(session.created_at).strftime("%H:%M"),
    }


def customer_card(user: Any, session: ChatSession) -> dict[str, Any]:
    """What the console shows beside a chat: the contact (when ``user`` may see them), their company,
    e-mail, phone and open tickets."""
    from accord.service.selectors.tickets import open_tickets_of
    from accord.service.services.tickets import primary_company

    contact = session.contact
    if not access.can_view(user, contact):
        return {"name": session.visitor_name, "email": session.visitor_email, "visible": False}
    company = primary_company(contact)
    return {
        "visible": True,
        "name": contact.full_name,
        "email": contact.primary_email or session.visitor_email,
        "phone": contact.primary_phone or "",
        "company": company.name if company is not None and access.can_view(user, company) else "",
        "url": reverse("people:contact-detail", args=[contact.pk]),
        "open_tickets": open_tickets_of(user, contact=contact),
        "consent_at": timezone.localtime(session.consent_at).strftime("%Y-%m-%d %H:%M"),
    }


def chat_agents() -> list[User]:
    """Who a chat may be handed to."""
    return [
        u
        for u in User.objects.filter(is_active=True).select_related("role").order_by("username")
        if services.may_chat(u)
    ]


def chat_queues() -> QuerySet[Queue]:
    return Queue.objects.filter(active=True).order_by("name")


def channel_settings() -> QuerySet[ChatChannel]:
    """Every chat channel, active or not, as the settings screen and the API list them."""
    return ChatChannel.objects.select_related("queue", "calendar").order_by("-active", "name", "id")


def channel_detail(pk: Any) -> ChatChannel | None:
    key = as_uuid(pk)
    return None if key is None else channel_settings().filter(pk=key).first()
