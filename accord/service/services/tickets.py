"""Tickets: opened from any channel, answered, noted, assigned, moved through their statuses,
merged and split.

Every change here is one transaction with its audit entry and events. The customer's messages and
the agents' public replies land on the customer's timeline (a reply by e-mail when the outbox has
sent it); internal notes stay on the ticket. An open ticket asks collections to hold back for its
customer (``collections.pause_requested``), and a resolved, closed or merged one lets go.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.activities.models import InteractionChannel
from accord.activities.services import log_interaction
from accord.core import access, changes, events
from accord.core.access import Action
from accord.core.errors import check_version
from accord.core.event_types import CollectionsPauseLifted, CollectionsPauseRequested
from accord.core.sequences import next_value
from accord.identity.models import User
from accord.messaging.services.outbox import queue_message
from accord.people.models import Company, Contact
from accord.service.events import TicketAssigned, TicketMerged, TicketMessageAdded, TicketStatusChanged
from accord.service.models import (
    OPEN_STATUSES,
    AssignmentMode,
    MessageKind,
    Queue,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)
from accord.service.services import checks, feedback, sla

if TYPE_CHECKING:
    from accord.billing.models import Invoice, Order
    from accord.sales.models import Deal

SUBJECT_LIMIT = 250
BODY_LIMIT = 100_000
# How an e-mail's subject names its ticket: "[#1234]".
REFERENCE = re.compile(r"\[#(\d{1,9})\]")
# Which timeline channel a ticket message is logged on.
_TIMELINE_CHANNEL = {
    TicketChannel.EMAIL: InteractionChannel.EMAIL,
    TicketChannel.PORTAL: InteractionChannel.WEB_FORM,
    TicketChannel.CHAT: InteractionChannel.CHAT,
    TicketChannel.PHONE: InteractionChannel.PHONE,
    TicketChannel.API: InteractionChannel.NOTE,
    TicketChannel.WEB: InteractionChannel.NOTE,
}
_DIRECTED = {InteractionChannel.EMAIL, InteractionChannel.CHAT, InteractionChannel.PHONE}


def default_queue() -> Queue:
    """The queue tickets land in when nobody chose one; made on first use if none exists."""
    queue = Queue.objects.filter(is_default=True).first() or Queue.objects.filter(active=True).first()
    if queue is not None:
        return queue
    try:
        with transaction.atomic():
            return Queue.objects.create(name=str(_("Support")), is_default=True)
    except IntegrityError:
        return Queue.objects.get(is_default=True)


def _visible(actor: User | None, record: Any, field: str, errors: dict[str, list[str]]) -> Any:
    """``record`` if ``actor`` may see it (the system sees everything), else an error on ``field``."""
    if record is None:
        return None
    if actor is not None and not access.can_view(actor, record):
        errors[field] = [_("No such record, or you may not see it.")]
        return None
    return record


def _customer_of(ticket: Ticket, record: Any) -> bool:
    """Whether a deal, order or invoice belongs to the ticket's customer."""
    company_id = getattr(record, "company_id", None)
    if company_id is not None and company_id == ticket.company_id:
        return True
    if hasattr(record, "contact_links"):  # a deal: the people involved in it
        return bool(record.contact_links.filter(contact_id=ticket.contact_id).exists())
    contact_id = getattr(record, "contact_id", None)
    return contact_id is not None and contact_id == ticket.contact_id


def _links(actor: User | None, ticket: Ticket, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    """The company, deal, order and invoice in ``data`` (each may be None to unlink)."""
    if "company" in data:
        company = _visible(actor, data["company"], "company", errors)
        ticket.company = company
    for name in ("deal", "order", "invoice"):
        if name not in data:
            continue
        record = _visible(actor, data[name], name, errors)
        if record is not None and not _customer_of(ticket, record):
            errors[name] = [_("It belongs to another customer.")]
            continue
        if name not in errors:
            setattr(ticket, name, record)


def primary_company(contact: Contact) -> Company | None:
    link = contact.company_links.select_related("company").order_by("-is_primary").first()
    return link.company if link is not None else None


def _assignee(actor: User | None, value: Any, errors: dict[str, list[str]]) -> User | None:
    if value is None or value == "":
        return None
    if not isinstance(value, User) or not value.is_active:
        errors["assignee"] = [access.owner_refused()]
        return None
    if actor is not None and not access.can_assign_to(actor, value) and not _agent_may_assign(actor):
        errors["assignee"] = [access.owner_refused()]
        return None
    return value


def _agent_may_assign(actor: User) -> bool:
    """Agents hand tickets to each other: a role that may change tickets may assign them."""
    return access.can_edit_any(actor)


def pick_assignee(queue: Queue) -> User | None:
    """Who gets the next ticket of ``queue``: by its assignment mode, among its active agents."""
    if queue.assignment == AssignmentMode.MANUAL:
        return None
    agents = list(queue.agents.filter(is_active=True).order_by("username"))
    if not agents:
        return None
    if queue.assignment == AssignmentMode.ROUND_ROBIN:
        locked = Queue.objects.select_for_update().get(pk=queue.pk)
        ids = [a.pk for a in agents]
        after = ids.index(locked.last_assigned_id) + 1 if locked.last_assigned_id in ids else 0
        chosen = agents[after % len(agents)]
        Queue.objects.filter(pk=queue.pk).update(last_assigned=chosen)
        queue.last_assigned = chosen
        return chosen
    loads = dict(
        Ticket.objects.filter(assignee__in=agents, status__in=OPEN_STATUSES)
        .values_list("assignee")
        .annotate(n=Count("id"))
        .values_list("assignee", "n")
    )
    return min(agents, key=lambda a: (loads.get(a.pk, 0), a.username))


def _pause_collections(ticket: Ticket) -> None:
    events.emit(
        CollectionsPauseRequested(
            source=f"service.ticket:{ticket.pk}",
            reason=_("Open ticket #%(number)s: %(subject)s")
            % {"number": ticket.number, "subject": ticket.subject[:200]},
            company_id=ticket.company_id,
            contact_id=None if ticket.company_id else ticket.contact_id,
        ),
        obj=ticket,
    )


def _lift_collections(ticket: Ticket) -> None:
    events.emit(CollectionsPauseLifted(source=f"service.ticket:{ticket.pk}"), obj=ticket)


def _timeline(
    ticket: Ticket, message: TicketMessage, *, direction: str, actor: User | None, now: datetime.datetime
) -> None:
    channel = _TIMELINE_CHANNEL[TicketChannel(message.channel)]
    contact = ticket.contact
    interaction = log_interaction(
        actor=actor or contact.owner,
        data={
            "channel": channel,
            "direction": direction if channel in _DIRECTED else "",
            "occurred_at": now,
            "subject": f"#{ticket.number} {ticket.subject}"[:200],
            "body": message.body,
            "contact": contact,
            "company": ticket.company,
        },
        related=ticket,
    )
    message.interaction = interaction
    message.save(update_fields=["interaction"])


def _message_event(ticket: Ticket, message: TicketMessage, actor: User | None) -> None:
    events.emit(
        TicketMessageAdded(message_id=message.pk, kind=message.kind, channel=message.channel), obj=ticket, actor=actor
    )


@transaction.atomic
def create_ticket(
    *,
    actor: User | None,
    contact: Contact,
    subject: str,
    body: str,
    queue: Queue | None = None,
    priority: str = TicketPriority.NORMAL,
    channel: str = TicketChannel.WEB,
    company: Company | None = None,
    deal: Deal | None = None,
    order: Order | None = None,
    invoice: Invoice | None = None,
    is_complaint: bool = False,
    assignee: User | None = None,
    email_message_id: str = "",
    email_from: str = "",
    external_id: str | None = None,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Open a ticket for ``contact`` with their first message. ``actor`` None: the system (an
    inbound e-mail, the portal). With ``external_id`` given twice, the second call returns the
    ticket of the first and changes nothing."""
    if external_id:
        known = TicketMessage.objects.filter(external_id=external_id).select_related("ticket").first()
        if known is not None:
            return known.ticket
    if actor is not None:
        access.require_create(actor)
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    subject = checks.text(subject, "subject", SUBJECT_LIMIT, errors)
    body = checks.text(body, "body", BODY_LIMIT, errors)
    priority = checks.choice(priority, TicketPriority, "priority", errors)
    channel = checks.choice(channel, TicketChannel, "channel", errors)
    if _visible(actor, contact, "contact", errors) is None and "contact" not in errors:
        errors["contact"] = [_("This field is required.")]
    if queue is not None and not queue.active:
        errors["queue"] = [_("This queue is closed.")]
    ticket = Ticket(
        subject=subject,
        priority=priority or TicketPriority.NORMAL,
        channel=channel or TicketChannel.WEB,
        contact=contact,
        queue=queue or default_queue(),
        is_complaint=bool(is_complaint),
        created_by=actor,
        created_at=now,
        status=TicketStatus.NEW,
        last_customer_message_at=now,
    )
    ticket.company = company if company is not None else (primary_company(contact) if contact else None)
    _links(actor, ticket, {"company": ticket.company, "deal": deal, "order": order, "invoice": invoice}, errors)
    chosen = _assignee(actor, assignee, errors)
    if errors:
        raise ValidationError(errors)
    ticket.assignee = chosen or pick_assignee(ticket.queue)
    ticket.number = next_value("service.ticket")
    sla.start(ticket, now)
    ticket.save()
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.CUSTOMER,
        channel=ticket.channel,
        author=actor,
        contact=contact,
        body=body,
        email_message_id=email_message_id[:250],
        email_from=email_from[:250],
        external_id=external_id or None,
        created_at=now,
    )
    changes.record_create(actor=actor, obj=ticket)
    _timeline(ticket, message, direction="in", actor=actor, now=now)
    if ticket.assignee_id is not None:
        events.emit(TicketAssigned(assignee_id=ticket.assignee_id, queue_id=ticket.queue_id), obj=ticket, actor=actor)
    _pause_collections(ticket)
    return ticket


def find_by_reference(subject: str) -> Ticket | None:
    """The ticket an e-mail's subject names ("Re: Printer broken [#1234]")."""
    for number in REFERENCE.findall(subject or ""):
        ticket = Ticket.objects.filter(number=int(number)).first()
        if ticket is not None:
            return ticket
    return None


def _lock(actor: User | None, ticket: Ticket, expected_version: int | None = None) -> Ticket:
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("contact", "company", "queue", "sla_policy")
        .get(pk=ticket.pk)
    )
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
    check_version(locked, expected_version)
    return locked


def _save(actor: User | None, ticket: Ticket, before: dict[str, Any]) -> Ticket:
    if changes.snapshot(ticket) != before:
        ticket.version += 1
        ticket.save()
        changes.record_update(actor=actor, obj=ticket, before=before)
    else:
        ticket.save()  # bookkeeping only (timestamps of the last messages, the SLA check time)
    return ticket


def _set_status(actor: User | None, ticket: Ticket, new: str, now: datetime.datetime) -> None:
    """Move ``ticket`` to ``new`` with what each status does to the SLA clock and collections."""
    old = ticket.status
    if new == old:
        return
    was_open = old in OPEN_STATUSES
    ticket.status = new
    if new == TicketStatus.WAITING:
        sla.pause(ticket, now)
    elif old == TicketStatus.WAITING and new in OPEN_STATUSES:
        sla.resume(ticket, now)
    if new in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        if old == TicketStatus.WAITING:
            sla.resume(ticket, now)
        if ticket.resolved_at is None:
            ticket.resolved_at = now
            sla.resolved(ticket, now)
        ticket.sla_next_check = None
        ticket.closed_at = now if new == TicketStatus.CLOSED else None
        if was_open:
            _lift_collections(ticket)
    elif not was_open:
        ticket.resolved_at = ticket.closed_at = None
        sla.reopened(ticket, now)
        if new == TicketStatus.WAITING:
            sla.pause(ticket, now)
        _pause_collections(ticket)
    events.emit(TicketStatusChanged(old=old, new=new), obj=ticket, actor=actor)


def _survey_if_resolved(ticket: Ticket, was_open: bool, now: datetime.datetime) -> None:
    """An agent resolved (or closed) an open ticket: the customer is asked how it went, once per
    ticket (``feedback.survey_resolved``)."""
    if was_open and ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        feedback.survey_resolved(ticket, now=now)


def add_customer_message(
    *,
    ticket: Ticket,
    body: str,
    channel: str,
    actor: User | None = None,
    contact: Contact | None = None,
    email_message_id: str = "",
    email_from: str = "",
    external_id: str | None = None,
    now: datetime.datetime | None = None,
) -> TicketMessage:
    """The customer wrote again (an e-mail reply, the portal, a call taken by ``actor``). A ticket
    waiting for them or resolved opens again; a closed one stays closed and a new ticket follows
    it up. With ``external_id`` given twice, the message of the first call is returned."""
    if external_id:
        known = TicketMessage.objects.filter(external_id=external_id).first()
        if known is not None:
            return known
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    body = checks.text(body, "body", BODY_LIMIT, errors)
    channel = checks.choice(channel, TicketChannel, "channel", errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _lock(actor, ticket) if actor is not None else _lock(None, ticket)
        if locked.status == TicketStatus.CLOSED or locked.merged_into_id is not None:
            target = locked.merged_into if locked.merged_into_id else None
            if target is not None and target.status != TicketStatus.CLOSED:
                return add_customer_message(
                    ticket=target,
                    body=body,
                    channel=channel,
                    actor=actor,
                    contact=contact,
                    email_message_id=email_message_id,
                    email_from=email_from,
                    external_id=external_id,
                    now=now,
                )
            follow_up = create_ticket(
                actor=None,
                contact=contact or locked.contact,
                subject=locked.subject,
                body=body,
                queue=locked.queue,
                priority=locked.priority,
                channel=channel,
                company=locked.company,
                email_message_id=email_message_id,
                email_from=email_from,
                external_id=external_id,
                now=now,
            )
            return follow_up.messages.get()
        before = changes.snapshot(locked)
        message = TicketMessage.objects.create(
            ticket=locked,
            kind=MessageKind.CUSTOMER,
            channel=channel,
            author=actor,
            contact=contact or locked.contact,
            body=body,
            email_message_id=email_message_id[:250],
            email_from=email_from[:250],
            external_id=external_id or None,
            created_at=now,
        )
        locked.last_customer_message_at = now
        if locked.status in (TicketStatus.WAITING, TicketStatus.RESOLVED):
            _set_status(actor, locked, TicketStatus.OPEN, now)
        _save(actor, locked, before)
        _timeline(locked, message, direction="in", actor=actor, now=now)
        _message_event(locked, message, actor)
    ticket.refresh_from_db()
    return message


def _thread_headers(ticket: Ticket) -> dict[str, str]:
    """In-Reply-To and References for a reply: the customer's last e-mail, and the thread's ids."""
    ids = [
        mid
        for mid in ticket.messages.exclude(email_message_id="")
        .order_by("created_at", "id")
        .values_list("email_message_id", flat=True)
        if mid
    ]
    if not ids:
        return {}
    last_in = (
        ticket.messages.filter(kind=MessageKind.CUSTOMER)
        .exclude(email_message_id="")
        .order_by("-created_at", "-id")
        .values_list("email_message_id", flat=True)
        .first()
    )
    return {"In-Reply-To": last_in or ids[-1], "References": " ".join(ids[-20:])}


def reply_subject(ticket: Ticket) -> str:
    subject = ticket.subject
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return f"{subject} {ticket.reference}"[:200]


@transaction.atomic
def reply(
    *,
    actor: User,
    ticket: Ticket,
    body: str,
    internal: bool = False,
    status: str | None = None,
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> TicketMessage:
    """An agent answers the customer (sent by e-mail through the outbox, on the timeline once
    sent) or writes an internal note (``internal``: never sent). ``status`` moves the ticket on
    in the same step ("waiting" after a question, "resolved" with the answer); a public reply to a
    new ticket opens it."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    body = checks.text(body, "body", BODY_LIMIT, errors)
    if status not in (None, ""):
        status = checks.choice(status, TicketStatus, "status", errors)
    locked = _lock(actor, ticket, expected_version)
    merged = locked.merged_into
    if merged is not None:
        errors["body"] = [_("This ticket was merged into #%(number)s: write there.") % {"number": merged.number}]
    address = locked.contact.primary_email
    if not internal and not address and locked.channel == TicketChannel.EMAIL:
        errors["body"] = [_("The customer has no e-mail address: add one, or write an internal note.")]
    if errors:
        raise ValidationError(errors)
    before = changes.snapshot(locked)
    message = TicketMessage.objects.create(
        ticket=locked,
        kind=MessageKind.NOTE if internal else MessageKind.REPLY,
        channel=TicketChannel.WEB if internal else (TicketChannel.EMAIL if address else locked.channel),
        author=actor,
        body=body,
        created_at=now,
    )
    if not internal:
        locked.last_agent_message_at = now
        sla.responded(locked, now)
        if address:
            outgoing = queue_message(
                actor=actor,
                channel="email",
                to=address,
                subject=reply_subject(locked),
                body=body,
                idempotency_key=f"ticket-reply:{message.pk}",
                kind="ticket_reply",
                contact=locked.contact,
                company=locked.company,
                related=locked,
                headers=_thread_headers(locked),
                reply_to=locked.queue.email,
            )
            message.outbox_message = outgoing
            message.email_message_id = outgoing.external_id or ""
            message.save(update_fields=["outbox_message", "email_message_id"])
        else:
            _timeline(locked, message, direction="out", actor=actor, now=now)
        if locked.status == TicketStatus.NEW and not status:
            status = TicketStatus.OPEN
    if locked.assignee_id is None and not internal and access.can_edit_any(actor):
        locked.assignee = actor
        events.emit(TicketAssigned(assignee_id=actor.pk, queue_id=locked.queue_id), obj=locked, actor=actor)
    if status:
        was_open = locked.status in OPEN_STATUSES
        _set_status(actor, locked, status, now)
        _survey_if_resolved(locked, was_open, now)
    _save(actor, locked, before)
    _message_event(locked, message, actor)
    ticket.refresh_from_db()
    return message


@transaction.atomic
def update_ticket(
    *,
    actor: User,
    ticket: Ticket,
    data: Mapping[str, Any],
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Change a ticket's subject, status, priority, queue, assignee, complaint mark or links
    (company, deal, order, invoice); only the keys given."""
    now = now or timezone.now()
    locked = _lock(actor, ticket, expected_version)
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    if "subject" in data:
        locked.subject = checks.text(data["subject"], "subject", SUBJECT_LIMIT, errors)
    if "is_complaint" in data:
        locked.is_complaint = bool(data["is_complaint"])
    new_priority = locked.priority
    if "priority" in data:
        new_priority = checks.choice(data["priority"], TicketPriority, "priority", errors) or locked.priority
    new_status = locked.status
    if "status" in data:
        new_status = checks.choice(data["status"], TicketStatus, "status", errors) or locked.status
        if new_status == TicketStatus.NEW and locked.status != TicketStatus.NEW:
            errors["status"] = [_("A ticket that was worked on cannot be new again; choose open.")]
        if locked.merged_into_id is not None and new_status != locked.status:
            errors["status"] = [_("A merged ticket stays closed.")]
    queue_changed = False
    if "queue" in data:
        queue = data["queue"]
        if not isinstance(queue, Queue) or (not queue.active and queue.pk != locked.queue_id):
            errors["queue"] = [_("Choose an open queue.")]
        elif queue.pk != locked.queue_id:
            locked.queue = queue
            queue_changed = True
    assignee_changed = False
    if "assignee" in data:
        value = data["assignee"]
        chosen = _assignee(actor, value, errors)
        if "assignee" not in errors and (chosen.pk if chosen else None) != locked.assignee_id:
            locked.assignee = chosen
            assignee_changed = True
    _links(actor, locked, data, errors)
    if errors:
        raise ValidationError(errors)
    if new_priority != locked.priority:
        locked.priority = new_priority
        if locked.is_open:
            sla.reset_for_priority(locked, now)
    if queue_changed and not assignee_changed and "assignee" not in data:
        locked.assignee = pick_assignee(locked.queue)
        assignee_changed = locked.assignee_id is not None
    was_open = locked.status in OPEN_STATUSES
    _set_status(actor, locked, new_status, now)
    _survey_if_resolved(locked, was_open, now)
    _save(actor, locked, before)
    if assignee_changed:
        events.emit(TicketAssigned(assignee_id=locked.assignee_id, queue_id=locked.queue_id), obj=locked, actor=actor)
    ticket.refresh_from_db()
    return locked


@transaction.atomic
def merge_tickets(
    *,
    actor: User,
    ticket: Ticket,
    into: Ticket,
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Merge ``ticket`` into ``into``: its conversation moves over, it is closed and points there.
    Both must be the same customer's."""
    now = now or timezone.now()
    if ticket.pk == into.pk:
        raise ValidationError({"into": [_("A ticket cannot be merged into itself.")]})
    first, second = sorted([ticket, into], key=lambda t: str(t.pk))
    locks = {t.pk: _lock(actor, t, expected_version if t.pk == ticket.pk else None) for t in (first, second)}
    source, target = locks[ticket.pk], locks[into.pk]
    errors: dict[str, list[str]] = {}
    if source.merged_into_id is not None:
        errors["ticket"] = [_("This ticket was merged already.")]
    if target.merged_into_id is not None or target.status == TicketStatus.CLOSED:
        errors["into"] = [_("Choose a ticket that is not closed.")]
    same_customer = source.contact_id == target.contact_id or (
        source.company_id is not None and source.company_id == target.company_id
    )
    if not same_customer:
        errors["into"] = [_("Only tickets of the same customer can be merged.")]
    if errors:
        raise ValidationError(errors)
    before = changes.snapshot(source)
    target_before = changes.snapshot(target)
    TicketMessage.objects.filter(ticket=source).update(ticket=target)
    TicketMessage.objects.create(
        ticket=target,
        kind=MessageKind.NOTE,
        channel=TicketChannel.WEB,
        author=actor,
        body=_("Ticket #%(number)s (%(subject)s) was merged into this one.")
        % {"number": source.number, "subject": source.subject},
        created_at=now,
    )
    if source.last_customer_message_at and (
        target.last_customer_message_at is None or source.last_customer_message_at > target.last_customer_message_at
    ):
        target.last_customer_message_at = source.last_customer_message_at
    source.merged_into = target
    _set_status(actor, source, TicketStatus.CLOSED, now)
    _save(actor, source, before)
    _save(actor, target, target_before)
    events.emit(TicketMerged(into_id=target.pk), obj=source, actor=actor)
    ticket.refresh_from_db()
    return target


@transaction.atomic
def split_ticket(
    *,
    actor: User,
    ticket: Ticket,
    message_ids: Sequence[Any],
    subject: str,
    now: datetime.datetime | None = None,
) -> Ticket:
    """Move some of ``ticket``'s messages to a new ticket of the same customer (a second question
    asked in the same e-mail thread)."""
    now = now or timezone.now()
    locked = _lock(actor, ticket)
    errors: dict[str, list[str]] = {}
    subject = checks.text(subject, "subject", SUBJECT_LIMIT, errors)
    moving = list(locked.messages.filter(pk__in=[m for m in message_ids if m]).order_by("created_at", "id"))
    if not moving:
        errors["messages"] = [_("Choose the messages that go to the new ticket.")]
    elif len(moving) == locked.messages.count():
        errors["messages"] = [_("Leave at least one message on this ticket.")]
    if errors:
        raise ValidationError(errors)
    access.require_create(actor)
    new = Ticket(
        subject=subject,
        priority=locked.priority,
        channel=locked.channel,
        contact=locked.contact,
        company=locked.company,
        queue=locked.queue,
        assignee=locked.assignee,
        is_complaint=locked.is_complaint,
        created_by=actor,
        created_at=now,
        status=TicketStatus.OPEN,
        last_customer_message_at=max((m.created_at for m in moving if m.kind == MessageKind.CUSTOMER), default=None),
    )
    new.number = next_value("service.ticket")
    sla.start(new, now)
    new.save()
    TicketMessage.objects.filter(pk__in=[m.pk for m in moving]).update(ticket=new)
    for target, other in ((locked, new), (new, locked)):
        TicketMessage.objects.create(
            ticket=target,
            kind=MessageKind.NOTE,
            channel=TicketChannel.WEB,
            author=actor,
            body=_("Split: see ticket #%(number)s.") % {"number": other.number},
            created_at=now,
        )
    changes.record_create(actor=actor, obj=new)
    _pause_collections(new)
    return new
