"""Live chat: a visitor starts a chat from the widget, an agent accepts it, both write, the agent
may hand it to a colleague or another queue, and either side ends it.

The visitor is matched to a contact by e-mail address (or a new contact is made) as an inbound
e-mail's sender is. When a chat ends its transcript lands on the customer's timeline; a chat left
unresolved (the visitor left, or the agent ended it without a resolution) becomes a ticket in the
chat's queue, so someone follows it up. Outside the channel's hours, or with no agent online, the
widget offers a ticket form instead (``offline_ticket``).
"""

from __future__ import annotations

import collections
import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.activities.models import InteractionChannel
from accord.activities.services import log_interaction
from accord.core import access, changes
from accord.identity.models import User
from accord.people import services as people
from accord.people.models import Contact
from accord.service import business_hours
from accord.service.models import (
    AgentPresence,
    CannedResponse,
    ChatAuthor,
    ChatChannel,
    ChatEnd,
    ChatMessage,
    ChatSession,
    ChatStatus,
    Queue,
    Ticket,
    TicketChannel,
)
from accord.service.services import checks, tickets
from accord.service.services.inbound_mail import contact_owner, contacts_with_address, split_name

NAME_LIMIT = 200
QUESTION_LIMIT = 5_000
MESSAGE_LIMIT = 5_000
# A visitor may send this many messages within RATE_WINDOW; more are refused (a flood, a script).
RATE_LIMIT = 10
RATE_WINDOW = datetime.timedelta(seconds=10)
# An agent's console says it is still open every 30 s; without word for this long it counts as closed.
PRESENCE_TTL = datetime.timedelta(seconds=90)
TOKEN_SALT = "accord.service.chat.visitor"  # noqa: S105 - a namespace for signing, not a secret
# A visitor's token works for a day: long enough to reload the page mid-chat, not to keep forever.
TOKEN_MAX_AGE = 60 * 60 * 24


def consent_text() -> str:
    """What the pre-chat form's consent box says, stored with the chat in the words shown."""
    return _("I agree that my name, e-mail address and messages are stored to answer my question.")


# --- the widget's side ------------------------------------------------------------------------------


def origin_of(value: str) -> str:
    """``scheme://host[:port]`` of a URL or an Origin header, lower case; "" for anything else."""
    parts = urlsplit(str(value or "").strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def origin_allowed(channel: ChatChannel, origin: str, own_origin: str = "") -> bool:
    """Whether a page at ``origin`` may use ``channel``'s widget: one of its allowed websites, or
    Accord itself (``own_origin``, for the staff preview)."""
    found = origin_of(origin)
    if not found or not channel.active:
        return False
    if own_origin and found == origin_of(own_origin):
        return True
    return found in {origin_of(o) for o in channel.allowed_origins or []}


def clean_origins(values: Any) -> list[str]:
    """Allowed websites from a list or lines of text; an error naming the field for a bad one."""
    if isinstance(values, str):
        values = values.split()
    found: list[str] = []
    for value in values or []:
        origin = origin_of(value)
        if not origin:
            raise ValidationError({"allowed_origins": [_("Not a website address: %(value)s") % {"value": value}]})
        if origin not in found:
            found.append(origin)
    return found


def visitor_token(session: ChatSession) -> str:
    """What the visitor's browser keeps to come back to its chat (and only its chat)."""
    return signing.dumps({"s": str(session.pk), "c": str(session.channel_id)}, salt=TOKEN_SALT, compress=True)


def session_id_of(token: str, channel: ChatChannel) -> str | None:
    """The chat a visitor's token names, if the token is genuine, fresh and of ``channel``."""
    try:
        data = signing.loads(str(token or ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") != str(channel.pk):
        return None
    return str(data.get("s") or "") or None


def agents_online(queue: Queue, now: datetime.datetime | None = None) -> bool:
    """Whether someone who would answer ``queue``'s chats has the console open: one of its agents,
    or anyone when the queue names no agents."""
    now = now or timezone.now()
    present = AgentPresence.objects.filter(online_until__gt=now, user__is_active=True)
    if queue.agents.exists():
        present = present.filter(user__in=queue.agents.all())
    return present.exists()


def within_hours(channel: ChatChannel, now: datetime.datetime | None = None) -> bool:
    """Whether ``now`` falls in the channel's opening hours (always, without a calendar)."""
    if channel.calendar_id is None:
        return True
    now = now or timezone.now()
    calendar = channel.calendar
    assert calendar is not None
    hours = business_hours.Hours.of(calendar.time_zone, calendar.hours, calendar.country, calendar.closed_days)
    day = now.astimezone(hours.zone).date()
    return any(begin <= now < end for begin, end in hours.periods(day))


def is_open(channel: ChatChannel, now: datetime.datetime | None = None) -> bool:
    """Whether the widget offers a chat now (else the ticket form)."""
    now = now or timezone.now()
    return channel.active and within_hours(channel, now) and agents_online(channel.queue, now)


def _visitor(
    *, name: Any, email: Any, question: Any, consent: Any, errors: dict[str, list[str]]
) -> tuple[str, str, str]:
    name = checks.text(name, "name", NAME_LIMIT, errors)
    address = checks.text(email, "email", 254, errors).lower()
    if address:
        try:
            validate_email(address)
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    question = checks.text(question, "question", QUESTION_LIMIT, errors)
    if consent is not True:
        errors["consent"] = [_("Please agree to the storing of your details to start.")]
    return name, address, question


def contact_for(*, name: str, email: str, queue: Queue) -> Contact:
    """The contact with this e-mail address (the most recently changed), or a new one."""
    known = contacts_with_address(email)
    if known:
        return known[0]
    owner = contact_owner(queue)
    if owner is None:
        raise ValidationError({"email": [_("Nobody could own a new contact: add an active administrator.")]})
    first, last = split_name(name, email)
    return people.create_contact(
        actor=None,
        data=people.contact_data(
            {"first_name": first, "last_name": last, "emails": [{"email": email}], "owner": owner, "source": "web_form"}
        ),
    )


@transaction.atomic
def start_chat(
    *,
    channel: ChatChannel,
    name: Any,
    email: Any,
    question: Any,
    consent: Any,
    origin: str = "",
    now: datetime.datetime | None = None,
) -> ChatSession:
    """A visitor's pre-chat form: the chat waits in the channel's queue with the question as its
    first message."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not channel.active:
        errors["channel"] = [_("This chat is closed.")]
    name, address, question = _visitor(name=name, email=email, question=question, consent=consent, errors=errors)
    if errors:
        raise ValidationError(errors)
    contact = contact_for(name=name, email=address, queue=channel.queue)
    session = ChatSession.objects.create(
        channel=channel,
        queue=channel.queue,
        contact=contact,
        visitor_name=name,
        visitor_email=address,
        question=question,
        consent_at=now,
        consent_text=consent_text(),
        origin=origin_of(origin),
        created_at=now,
    )
    ChatMessage.objects.create(session=session, author_kind=ChatAuthor.VISITOR, body=question, created_at=now)
    changes.record_create(actor=None, obj=session)
    return session


@transaction.atomic
def offline_ticket(
    *,
    channel: ChatChannel,
    name: Any,
    email: Any,
    question: Any,
    consent: Any,
    origin: str = "",
    now: datetime.datetime | None = None,
) -> Ticket:
    """The widget's form when nobody is there to chat: a ticket in the channel's queue."""
    errors: dict[str, list[str]] = {}
    if not channel.active:
        errors["channel"] = [_("This chat is closed.")]
    name, address, question = _visitor(name=name, email=email, question=question, consent=consent, errors=errors)
    if errors:
        raise ValidationError(errors)
    contact = contact_for(name=name, email=address, queue=channel.queue)
    return tickets.create_ticket(
        actor=None,
        contact=contact,
        subject=_subject(question),
        body=question,
        queue=channel.queue,
        channel=TicketChannel.CHAT,
        email_from=address,
        now=now,
    )


def _subject(question: str) -> str:
    first = next((line.strip() for line in question.splitlines() if line.strip()), "") or _("Chat")
    return first[: tickets.SUBJECT_LIMIT]


class VisitorPace:
    """How fast one visitor's connection writes, counted in memory (no query per message): at most
    RATE_LIMIT messages within RATE_WINDOW; more are refused (a flood, a script). The consumer keeps
    one per socket."""

    def __init__(self) -> None:
        self._sent: collections.deque[datetime.datetime] = collections.deque()

    def take(self, now: datetime.datetime) -> None:
        while self._sent and self._sent[0] <= now - RATE_WINDOW:
            self._sent.popleft()
        if len(self._sent) >= RATE_LIMIT:
            raise ValidationError({"body": [_("You are writing too fast; wait a few seconds.")]})
        self._sent.append(now)


def _insert_unless_ended(message: ChatMessage, *, agent_id: Any = None) -> bool:
    """Store ``message`` in one statement, only while its chat has not ended (and, with
    ``agent_id``, is held by that agent); whether it was stored.

    One round trip instead of a transaction that locks and re-reads the chat: on PostgreSQL the
    chat's row is read ``FOR SHARE``, so a message racing ``end_chat`` waits for it and then finds
    the chat ended; on SQLite writes take turns anyway. Either way a message is in the transcript
    the ending writes, or refused.
    """
    fields = list(ChatMessage._meta.concrete_fields)
    values = [f.get_db_prep_save(f.pre_save(message, add=True), connection) for f in fields]
    quote = connection.ops.quote_name
    session_pk = ChatSession._meta.pk
    assert session_pk is not None
    where = [f"{quote('id')} = %s", f"{quote('status')} <> %s"]
    params = [*values, session_pk.get_db_prep_value(message.session_id, connection), ChatStatus.ENDED.value]
    if agent_id is not None:
        where.append(f"{quote('agent_id')} = %s")
        params.append(agent_id)
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    sql = (
        f"INSERT INTO {quote(ChatMessage._meta.db_table)} ({', '.join(quote(f.column or '') for f in fields)}) "  # noqa: S608
        f"SELECT {', '.join(['%s'] * len(fields))} FROM {quote(ChatSession._meta.db_table)} "
        f"WHERE {' AND '.join(where)}{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def send_visitor_message(
    *,
    session: ChatSession,
    body: Any,
    now: datetime.datetime | None = None,
    pace: VisitorPace | None = None,
) -> ChatMessage:
    """The visitor wrote; refused once the chat ended or when they write too fast (``pace``: the
    socket's count of what it sent). One statement: only ``session.pk`` is read from ``session``,
    so the consumer passes the chat it joined without reading it again."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    text = checks.text(body, "body", MESSAGE_LIMIT, errors)
    if errors:
        raise ValidationError(errors)
    if pace is not None:
        pace.take(now)
    message = ChatMessage(
        session_id=session.pk, author_kind=ChatAuthor.VISITOR, body=text, created_at=now, updated_at=now
    )
    if not _insert_unless_ended(message):
        raise ValidationError({"session": [_("This chat has ended.")]})
    return message


# --- the agents' side -------------------------------------------------------------------------------


def may_chat(user: Any) -> bool:
    """Whether ``user`` may work in the chat console: an active staff member who may create records
    (never a portal customer or partner, whatever their role has been given)."""
    from accord.identity.middleware import is_portal_user

    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and not is_portal_user(user)
        and access.can_create(user)
    )


def require_agent(user: Any) -> None:
    if not may_chat(user):
        raise access.AccessDenied(_("You may not answer chats."))


def may_act_on(user: Any, session: ChatSession) -> bool:
    """An agent acts on a chat they hold; a waiting one anyone may take; admins on any."""
    if not may_chat(user):
        return False
    return session.agent_id == user.pk or session.status == ChatStatus.WAITING or access.is_admin(user)


def _require_on(user: User, session: ChatSession) -> None:
    if not may_act_on(user, session):
        raise access.AccessDenied(_("This chat is another agent's."))


def agent_connected(*, user: User, now: datetime.datetime | None = None) -> None:
    """The console opened (or said it is still open): the agent counts as online."""
    now = now or timezone.now()
    until = now + PRESENCE_TTL
    updated = AgentPresence.objects.filter(user=user).update(connections=F("connections") + 1, online_until=until)
    if not updated:
        try:
            with transaction.atomic():
                AgentPresence.objects.create(user=user, connections=1, online_until=until)
        except IntegrityError:  # another tab of the same agent got there first
            AgentPresence.objects.filter(user=user).update(connections=F("connections") + 1, online_until=until)


def agent_still_here(*, user: User, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    AgentPresence.objects.filter(user=user).update(online_until=now + PRESENCE_TTL)


def agent_disconnected(*, user: User) -> None:
    """One console closed; with the last one the agent is offline."""
    AgentPresence.objects.filter(user=user).update(connections=F("connections") - 1)
    AgentPresence.objects.filter(user=user, connections__lte=0).delete()


def _lock(actor: User, session: ChatSession) -> ChatSession:
    locked = ChatSession.objects.select_for_update().get(pk=session.pk)
    _require_on(actor, locked)
    if locked.status == ChatStatus.ENDED:
        raise ValidationError({"session": [_("This chat has ended.")]})
    return locked


def _system(session: ChatSession, text: str, now: datetime.datetime) -> ChatMessage:
    return ChatMessage.objects.create(session=session, author_kind=ChatAuthor.SYSTEM, body=text, created_at=now)


def _save(actor: User | None, session: ChatSession, before: dict[str, Any]) -> ChatSession:
    session.version += 1
    session.save()
    changes.record_update(actor=actor, obj=session, before=before)
    return session


@transaction.atomic
def accept_chat(*, actor: User, session: ChatSession, now: datetime.datetime | None = None) -> ChatSession:
    """An agent takes a waiting chat; a chat another agent took first is refused."""
    require_agent(actor)
    now = now or timezone.now()
    locked = ChatSession.objects.select_for_update().get(pk=session.pk)
    if locked.status != ChatStatus.WAITING:
        raise ValidationError({"session": [_("Another agent has taken this chat.")]})
    before = changes.snapshot(locked)
    locked.status = ChatStatus.ACTIVE
    locked.agent = actor
    locked.accepted_at = locked.accepted_at or now
    _system(locked, _("%(agent)s joined the chat.") % {"agent": agent_name(actor)}, now)
    return _save(actor, locked, before)


def agent_name(user: User) -> str:
    """How the visitor sees an agent: their first name (the user name without one)."""
    return user.first_name or user.get_username()


def send_agent_message(
    *, actor: User, session: ChatSession, body: Any, now: datetime.datetime | None = None
) -> ChatMessage:
    """The agent holding the chat writes (one statement; the reasons for a refusal are looked up
    only when it is refused)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    text = checks.text(body, "body", MESSAGE_LIMIT, errors)
    if errors:
        raise ValidationError(errors)
    message = ChatMessage(
        session_id=session.pk, author_kind=ChatAuthor.AGENT, agent=actor, body=text, created_at=now, updated_at=now
    )
    agent_field = ChatSession._meta.get_field("agent")
    if may_chat(actor) and _insert_unless_ended(
        message,
        agent_id=agent_field.get_db_prep_value(actor.pk, connection),
    ):
        return message
    with transaction.atomic():
        locked = _lock(actor, session)
        if locked.agent_id != actor.pk:
            raise ValidationError({"session": [_("Accept the chat before writing.")]})
        message.save(force_insert=True)  # the chat changed hands back in between: it is theirs now
        return message


@transaction.atomic
def transfer_chat(
    *,
    actor: User,
    session: ChatSession,
    agent: User | None = None,
    queue: Queue | None = None,
    now: datetime.datetime | None = None,
) -> ChatSession:
    """Hand the chat to another agent (it stays active, theirs) or another queue (it waits there)."""
    now = now or timezone.now()
    if (agent is None) == (queue is None):
        raise ValidationError({"to": [_("Choose an agent or a queue.")]})
    locked = _lock(actor, session)
    before = changes.snapshot(locked)
    if agent is not None:
        if not may_chat(agent) or agent.pk == locked.agent_id:
            raise ValidationError({"agent": [_("This user cannot take the chat.")]})
        locked.agent = agent
        locked.status = ChatStatus.ACTIVE
        locked.accepted_at = locked.accepted_at or now
        _system(locked, _("The chat was handed to %(agent)s.") % {"agent": agent_name(agent)}, now)
    else:
        assert queue is not None
        if not queue.active:
            raise ValidationError({"queue": [_("This queue is closed.")]})
        locked.queue = queue
        locked.agent = None
        locked.status = ChatStatus.WAITING
        _system(locked, _("The chat was passed on; another agent will be with you shortly."), now)
    return _save(actor, locked, before)


def transcript_text(session: ChatSession) -> str:
    """The chat as plain text, one message a line, for the timeline and a ticket."""
    lines = []
    for message in session.messages.select_related("agent").order_by("created_at", "id"):
        if message.author_kind == ChatAuthor.VISITOR:
            who = session.visitor_name
        elif message.author_kind == ChatAuthor.AGENT and message.agent is not None:
            who = agent_name(message.agent)
        else:
            who = "—"
        stamp = timezone.localtime(message.created_at).strftime("%H:%M")
        lines.append(f"[{stamp}] {who}: {message.body}")
    return "\n".join(lines)


@transaction.atomic
def end_chat(
    *,
    actor: User | None,
    session: ChatSession,
    outcome: str,
    now: datetime.datetime | None = None,
) -> ChatSession:
    """End the chat (``actor`` None: the visitor). The transcript goes on the customer's timeline; an
    unresolved chat also becomes a ticket. Ending an ended chat changes nothing."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    outcome = checks.choice(outcome, ChatEnd, "outcome", errors)
    if errors:
        raise ValidationError(errors)
    locked = ChatSession.objects.select_for_update().select_related("contact").get(pk=session.pk)
    if locked.status == ChatStatus.ENDED:
        return locked
    if actor is not None:
        _require_on(actor, locked)
        if outcome == ChatEnd.ABANDONED:
            raise ValidationError({"outcome": [_("Only the visitor's absence abandons a chat.")]})
    elif outcome not in (ChatEnd.VISITOR_LEFT, ChatEnd.ABANDONED):
        raise ValidationError({"outcome": [_("A visitor can only leave the chat.")]})
    before = changes.snapshot(locked)
    if outcome == ChatEnd.ABANDONED:
        text = _("%(name)s closed the page and did not come back.") % {"name": locked.visitor_name}
    elif actor is None:
        text = _("%(name)s left the chat.") % {"name": locked.visitor_name}
    else:
        text = _("The chat has ended.")
    _system(locked, text, now)
    locked.status = ChatStatus.ENDED
    locked.ended_at = now
    locked.end_reason = outcome
    transcript = transcript_text(locked)
    if outcome == ChatEnd.RESOLVED:
        locked.interaction = log_interaction(
            actor=actor or locked.contact.owner,
            data={
                "channel": InteractionChannel.CHAT,
                "direction": "in",
                "occurred_at": locked.created_at,
                "subject": (_("Chat: %(question)s") % {"question": _subject(locked.question)})[:200],
                "body": transcript,
                "contact": locked.contact,
                "company": tickets.primary_company(locked.contact),
            },
            related=locked,
        )
    else:
        # The ticket's first message carries the transcript onto the timeline.
        ticket = tickets.create_ticket(
            actor=None,
            contact=locked.contact,
            subject=_subject(locked.question),
            body=transcript,
            queue=locked.queue,
            channel=TicketChannel.CHAT,
            assignee=locked.agent if locked.agent is not None and locked.agent.is_active else None,
            email_from=locked.visitor_email,
            external_id=f"chat:{locked.pk}",
            now=now,
        )
        locked.ticket = ticket
        first = ticket.messages.order_by("created_at", "id").first()
        locked.interaction_id = first.interaction_id if first is not None else None
    return _save(actor, locked, before)


# --- a visitor who went away ------------------------------------------------------------------------


def visitor_connected(*, session: ChatSession) -> None:
    """A visitor's socket joined the chat (started it, or came back to it): it is not abandoned."""
    ChatSession.objects.filter(pk=session.pk).update(visitor_sockets=F("visitor_sockets") + 1, visitor_left_at=None)


@transaction.atomic
def visitor_disconnected(*, session: ChatSession, now: datetime.datetime | None = None) -> None:
    """A visitor's socket closed; with the last one the chat counts the minutes until it is abandoned."""
    now = now or timezone.now()
    mine = ChatSession.objects.filter(pk=session.pk)
    mine.update(visitor_sockets=Case(When(visitor_sockets__gt=0, then=F("visitor_sockets") - 1), default=Value(0)))
    mine.filter(visitor_sockets=0).exclude(status=ChatStatus.ENDED).update(visitor_left_at=now)


def abandon_after() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.ACCORD_CHAT_ABANDON_MINUTES)


def abandoned_sessions(now: datetime.datetime | None = None) -> QuerySet[ChatSession]:
    """Waiting or active chats whose visitor has had no socket open for ACCORD_CHAT_ABANDON_MINUTES."""
    now = now or timezone.now()
    return ChatSession.objects.filter(
        status__in=[ChatStatus.WAITING, ChatStatus.ACTIVE],
        visitor_sockets=0,
        visitor_left_at__lte=now - abandon_after(),
    )


def abandon_chats(now: datetime.datetime | None = None) -> list[ChatSession]:
    """End every abandoned chat as ``abandoned`` (a ticket with the transcript, as an unresolved chat
    becomes); the chats ended. Each in its own transaction, re-checked under its lock, so a visitor
    who came back meanwhile keeps their chat. Safe to run again: an ended chat is not found."""
    now = now or timezone.now()
    ended = []
    for pk in list(abandoned_sessions(now).values_list("pk", flat=True)):
        with transaction.atomic():
            locked = abandoned_sessions(now).select_for_update().filter(pk=pk).first()
            if locked is not None:
                ended.append(end_chat(actor=None, session=locked, outcome=ChatEnd.ABANDONED, now=now))
    return ended


def render_canned(response: CannedResponse, *, session: ChatSession, agent: User) -> str:
    """A canned response's text for a chat, with the customer's and the agent's values."""
    from accord.messaging.services.templates import render_text

    contact = session.contact
    company = tickets.primary_company(contact)
    context = {
        "contact": {"first_name": contact.first_name, "last_name": contact.last_name, "name": contact.full_name},
        "company": {"name": company.name if company is not None else ""},
        "ticket": {"number": "", "subject": session.question[:200], "status": ""},
        "agent": {
            "name": agent.get_full_name() or agent.get_username(),
            "first_name": agent.first_name,
            "email": agent.email,
        },
    }
    return render_text(response.body, context)


# --- setting channels up ----------------------------------------------------------------------------


@transaction.atomic
def create_channel(
    *,
    actor: User | None,
    name: Any,
    queue: Queue,
    allowed_origins: Any = (),
    title: Any = "",
    greeting: Any = "",
    calendar: Any = None,
) -> ChatChannel:
    """A new chat widget (admins; ``actor`` None: the demo data)."""
    if actor is not None and not access.is_admin(actor):
        raise access.AccessDenied(_("Only an administrator may set up chat channels."))
    errors: dict[str, list[str]] = {}
    name = checks.text(name, "name", 120, errors)
    title = checks.text(title, "title", 120, errors, required=False)
    greeting = checks.text(greeting, "greeting", 500, errors, required=False)
    try:
        origins = clean_origins(allowed_origins)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        origins = []
    if errors:
        raise ValidationError(errors)
    channel = ChatChannel.objects.create(
        name=name, queue=queue, allowed_origins=origins, title=title, greeting=greeting, calendar=calendar
    )
    changes.record_create(actor=actor, obj=channel)
    return channel


# The settings screen's and the API's rules for a channel: every change checked here, so both refuse
# the same things. ``create_channel`` above stays for the demo data.

# The widget speaks these; any other language asked for gets the installation's.
WIDGET_LANGUAGES = ("en", "pl", "lt", "ro", "ru")


def check_origins(values: Any, errors: dict[str, list[str]]) -> list[str]:
    """Allowed websites (a list, or text with one a line) as ``scheme://host[:port]``, each once; an
    error on ``allowed_origins`` naming the first one that is not just that (a path, no scheme, a
    bad port)."""
    if isinstance(values, str):
        values = values.split()
    if not isinstance(values, (list, tuple)):
        errors["allowed_origins"] = [_("Enter a list of website addresses.")]
        return []
    found: list[str] = []
    for raw in values:
        value = str(raw or "").strip()
        if not value:
            continue
        parts = urlsplit(value.lower())
        try:
            port = parts.port
        except ValueError:
            port = -1
        host = parts.hostname or ""
        if (
            parts.scheme not in ("http", "https")
            or not host
            or parts.username is not None
            or parts.password is not None
            or port == -1
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or len(value) > 250
            or not all(label and len(label) <= 63 for label in host.strip("[]").split("."))
            or any(c not in "abcdefghijklmnopqrstuvwxyz0123456789-.:[]" for c in host)
        ):
            errors["allowed_origins"] = [
                _("Not a website address: %(value)s. Enter the scheme and host only, such as https://shop.example.com.")
                % {"value": value[:250]}
            ]
            return found
        if ":" in host:
            host = f"[{host}]"  # IPv6
        # A browser's Origin leaves the scheme's own port out; so does the stored address.
        if port == {"http": 80, "https": 443}[parts.scheme]:
            port = None
        origin = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
        if origin not in found:
            found.append(origin)
    return found


def _apply_channel(channel: ChatChannel, data: Any, errors: dict[str, list[str]]) -> None:
    from accord.service.models import BusinessCalendar

    adding = channel._state.adding
    if "name" in data or adding:
        channel.name = checks.text(data.get("name"), "name", 120, errors)
    if "queue" in data or adding:
        queue = data.get("queue")
        if queue is None or queue == "":
            errors["queue"] = [_("This field is required.")]
        elif not isinstance(queue, Queue):
            errors["queue"] = [_("No such queue.")]
        else:
            channel.queue = queue
    if "allowed_origins" in data:
        channel.allowed_origins = check_origins(data["allowed_origins"], errors)
    if "calendar" in data:
        calendar = data["calendar"]
        if calendar is not None and calendar != "" and not isinstance(calendar, BusinessCalendar):
            errors["calendar"] = [_("No such calendar.")]
        else:
            channel.calendar = calendar or None
    if "title" in data:
        channel.title = checks.text(data["title"], "title", 120, errors, required=False)
    if "greeting" in data:
        channel.greeting = checks.text(data["greeting"], "greeting", 500, errors, required=False)
    if "active" in data:
        channel.active = bool(data["active"])


def _require_channel_admin(actor: User) -> None:
    if not access.is_admin(actor):
        raise access.AccessDenied(_("Only an administrator may set up chat channels."))


@transaction.atomic
def add_channel(*, actor: User, data: Any) -> ChatChannel:
    """A new chat widget from the settings screen or the API (admins)."""
    _require_channel_admin(actor)
    channel = ChatChannel()
    errors: dict[str, list[str]] = {}
    _apply_channel(channel, data, errors)
    if errors:
        raise ValidationError(errors)
    channel.save()
    changes.record_create(actor=actor, obj=channel)
    return channel


@transaction.atomic
def update_channel(*, actor: User, channel: ChatChannel, data: Any, expected_version: int | None = None) -> ChatChannel:
    """Change a chat widget (admins); its key stays, so the snippet on the websites keeps working."""
    from accord.core.errors import check_version

    _require_channel_admin(actor)
    locked = ChatChannel.objects.select_for_update().get(pk=channel.pk)
    check_version(locked, expected_version)
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    _apply_channel(locked, data, errors)
    if errors:
        raise ValidationError(errors)
    if changes.snapshot(locked) == before:
        return locked
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


def set_channel_active(
    *, actor: User, channel: ChatChannel, active: bool, expected_version: int | None = None
) -> ChatChannel:
    """Switch a widget off (it no longer opens on any website; its chats stay) or on again."""
    return update_channel(actor=actor, channel=channel, data={"active": active}, expected_version=expected_version)


def widget_language(requested: Any) -> str:
    """The widget's language for what the page asked (``pl``, ``pl-PL``): one Accord speaks, or the
    installation's."""
    from django.conf import settings

    code = str(requested or "").strip().lower().replace("_", "-").split("-")[0]
    if code in WIDGET_LANGUAGES:
        return code
    default = settings.LANGUAGE_CODE.split("-")[0]
    return default if default in WIDGET_LANGUAGES else "en"


def widget_labels(language: str) -> dict[str, str]:
    """The widget's texts in ``language`` (see ``widget_language``)."""
    from django.utils import translation

    with translation.override(widget_language(language)):
        return {
            "open": _("Chat with us"),
            "name": _("Your name"),
            "email": _("E-mail"),
            "question": _("Your question"),
            "start": _("Start chat"),
            "send": _("Send"),
            "leave": _("End chat"),
            "offline": _("Nobody is available right now. Leave us a message and we will write back."),
            "ticket": _("Send message"),
            "thanks": _("Thank you. Your request number is %(number)s."),
            "typing": _("Typing…"),
            "ended": _("The chat has ended."),
            "message": _("Message"),
            "close": _("Close"),
            "consent": consent_text(),
        }
