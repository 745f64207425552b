"""Live chat: a widget on a customer's website talks to the agents' console over WebSockets.

A ``ChatChannel`` is one widget: the key its script tag carries, the websites allowed to embed it,
the queue its chats wait in and the hours it is staffed. A ``ChatSession`` is one conversation,
from the visitor's pre-chat form until it ends; its ``ChatMessage`` rows are the transcript, which
lands on the customer's timeline when the chat ends (and becomes a ticket when it was left
unresolved). ``AgentPresence`` says which agents have the console open, so the widget offers a
ticket form instead of a chat when nobody would answer.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.models import BaseModel


def new_channel_key() -> str:
    return secrets.token_urlsafe(18)


def no_origins() -> list[str]:
    return []


class ChatChannel(BaseModel):
    """One chat widget: where it may be embedded, which queue its chats go to, when it is staffed."""

    name = models.CharField(_("name"), max_length=120)
    key = models.CharField(_("widget key"), max_length=40, unique=True, default=new_channel_key, editable=False)
    queue = models.ForeignKey(
        "service.Queue", on_delete=models.PROTECT, related_name="chat_channels", verbose_name=_("queue")
    )
    # Scheme and host (and port) of each website that may embed the widget: "https://shop.example.com".
    allowed_origins: list[str] = models.JSONField(_("allowed websites"), default=no_origins, blank=True)  # type: ignore[assignment]
    calendar = models.ForeignKey(
        "service.BusinessCalendar",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opening hours"),
        help_text=_("Empty: the chat is open whenever an agent is online."),
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    greeting = models.CharField(_("greeting"), max_length=500, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("chat channel")
        verbose_name_plural = _("chat channels")

    def __str__(self) -> str:
        return self.name


class ChatStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("chat status", "Waiting")
    ACTIVE = "active", pgettext_lazy("chat status", "Active")
    ENDED = "ended", pgettext_lazy("chat status", "Ended")


class ChatEnd(models.TextChoices):
    RESOLVED = "resolved", _("Resolved by the agent")
    UNRESOLVED = "unresolved", _("Ended unresolved")
    VISITOR_LEFT = "visitor_left", _("The visitor left")
    ABANDONED = "abandoned", _("The visitor closed the page and did not come back")


class ChatSession(BaseModel):
    """One conversation between a website visitor and the agents."""

    channel = models.ForeignKey(
        ChatChannel, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("channel")
    )
    queue = models.ForeignKey("service.Queue", on_delete=models.PROTECT, related_name="+", verbose_name=_("queue"))
    status = models.CharField(_("status"), max_length=10, choices=ChatStatus.choices, default=ChatStatus.WAITING)
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.PROTECT, related_name="chat_sessions", verbose_name=_("contact")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    visitor_name = models.CharField(_("name"), max_length=200)
    visitor_email = models.EmailField(_("e-mail address"))
    question = models.TextField(_("question"))
    # The consent the visitor gave on the pre-chat form: when, from which website, the words shown.
    consent_at = models.DateTimeField(_("consent given"))
    consent_text = models.TextField(_("consent text"))
    origin = models.CharField(_("website"), max_length=250, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    # The visitor's open sockets (tabs) on this chat, and when the last one closed: a chat nobody
    # came back to within ACCORD_CHAT_ABANDON_MINUTES is ended as abandoned.
    visitor_sockets = models.PositiveIntegerField(_("visitor's open windows"), default=0, editable=False)
    visitor_left_at = models.DateTimeField(_("visitor disconnected"), null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(_("outcome"), max_length=15, choices=ChatEnd.choices, blank=True)
    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("ticket")
    )
    interaction = models.ForeignKey(
        "activities.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interaction"),
    )

    access_via: ClassVar[tuple[str, ...]] = ("contact",)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "queue", "created_at"], name="chat_session_queue_idx"),
            models.Index(fields=["agent", "status"], name="chat_session_agent_idx"),
        ]
        verbose_name = _("chat")
        verbose_name_plural = _("chats")

    def __str__(self) -> str:
        return f"{self.visitor_name} <{self.visitor_email}>"


class ChatAuthor(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    AGENT = "agent", _("Agent")
    SYSTEM = "system", _("System")


class ChatMessage(BaseModel):
    """One line of a chat's transcript."""

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages", verbose_name=_("chat"))
    author_kind = models.CharField(_("from"), max_length=10, choices=ChatAuthor.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    body = models.TextField(_("text"))

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["session", "created_at"], name="chat_message_session_idx")]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")

    def __str__(self) -> str:
        return f"{self.session_id} {self.author_kind}"


class AgentPresence(models.Model):
    """An agent with the chat console open, until ``online_until`` unless the console says again."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True)
    online_until = models.DateTimeField()
    connections = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presences")

    def __str__(self) -> str:
        return str(self.user_id)
