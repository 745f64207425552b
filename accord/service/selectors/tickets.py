"""Reads of tickets, queues and canned responses, scoped by the access policy.

A ticket is seen by whoever may see its customer (the contact or the company) and by its
assignee; support agents see every customer, so every ticket.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core import access
from accord.core.exports import Column, walk
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate, parse
from accord.core.models import as_uuid, entity_label
from accord.identity.models import User
from accord.service.models import (
    OPEN_STATUSES,
    BusinessCalendar,
    CannedResponse,
    Mailbox,
    MessageKind,
    Queue,
    SatisfactionSurvey,
    SlaPolicy,
    Ticket,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)


def _search(qs: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    for word in text.split():
        word = word.lstrip("#")
        condition = Q(subject__icontains=word)
        if word.isdigit() and len(word) <= 9:
            condition |= Q(number=int(word))
        qs = qs.filter(condition)
    return qs


def _open(values: list[Any]) -> Q:
    wanted = values[0]
    return Q(status__in=OPEN_STATUSES) if wanted else ~Q(status__in=OPEN_STATUSES)


def _assignee(values: list[Any]) -> Q:
    """``none``: nobody's; an id (``me`` is made the user's by ``resolve_me``); anything else
    matches nothing."""
    q = Q(pk__in=[])
    for value in values:
        if value == "none":
            q |= Q(assignee__isnull=True)
        elif (key := as_uuid(value)) is not None:
            q |= Q(assignee_id=key)
    return q


def _breached(values: list[Any]) -> Q:
    late = Q(first_response_breached=True) | Q(resolution_breached=True)
    return late if values[0] else ~late


TICKET_LIST = ListSpec[Ticket](
    entity=entity_label(Ticket),
    filters=[
        Filter("status", "status", kind="choice", choices=TicketStatus.values, label=_("Status")),
        Filter("open", "status", kind="bool", build=_open, label=_("Open")),
        Filter("priority", "priority", kind="choice", choices=TicketPriority.values, label=_("Priority")),
        Filter("channel", "channel", kind="choice", choices=TicketChannel.values, label=_("Channel")),
        Filter("queue", "queue_id", kind="uuid", label=_("Queue")),
        Filter("assignee", "assignee_id", build=_assignee, label=_("Assignee")),
        Filter("contact", "contact_id", kind="uuid", label=_("Contact")),
        Filter("company", "company_id", kind="uuid", label=_("Company")),
        Filter("complaint", "is_complaint", kind="bool", label=_("Complaint")),
        Filter("breached", "first_response_breached", kind="bool", build=_breached, label=_("SLA missed")),
        Filter("created_after", "created_at", kind="datetime", lookup="gte", label=_("Created from")),
        Filter("created_before", "created_at", kind="datetime", lookup="lte", label=_("Created until")),
    ],
    sorts=[
        Sort("number", "number", label=_("Number"), kind="int"),
        Sort("updated", "updated_at", label=_("Updated"), kind="datetime"),
        Sort("due", "resolution_due", label=_("Due"), kind="datetime", nullable=True),
        Sort("subject", "subject", label=_("Subject")),
    ],
    default_sort="-number",
    search=_search,
)


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    return access.scope(user, Ticket.objects.all())


def _rows(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related("contact", "company", "queue", "assignee")


def ticket_query(params: Mapping[str, Any], *, strict: bool = False) -> ListQuery:
    """The list's filters, with "assignee=me" read as the user (``ticket_page`` resolves it)."""
    return parse(TICKET_LIST, params, strict=strict, default_limit=settings.ACCORD_PAGE_SIZE)


def resolve_me(query: ListQuery, user: Any) -> ListQuery:
    values = query.filters.get("assignee")
    if values:
        query.filters["assignee"] = [user.pk if v == "me" else v for v in values]
    return query


def ticket_page(user: Any, query: ListQuery) -> Page[Ticket]:
    resolve_me(query, user)
    return paginate(TICKET_LIST, query, _rows(apply(TICKET_LIST, query, visible_tickets(user), user=user)))


def ticket_detail(user: Any, pk: Any) -> Ticket:
    """A ticket ``user`` may see, or Http404."""
    return access.get_visible(
        user,
        _rows(Ticket.objects.all()).select_related("deal", "order", "invoice", "sla_policy", "merged_into"),
        pk=pk,
    )


def ticket_by_number(user: Any, number: int) -> Ticket | None:
    return visible_tickets(user).filter(number=number).first()


def ticket_survey(ticket: Ticket) -> SatisfactionSurvey | None:
    """The satisfaction survey of a ticket the caller was allowed to see, answered or not."""
    return SatisfactionSurvey.objects.filter(ticket=ticket).first()


def conversation(ticket: Ticket, *, with_notes: bool = True) -> list[TicketMessage]:
    """The ticket's messages, oldest first, each with its ``files`` (the attachments of an inbound
    e-mail); the customer's view leaves internal notes out."""
    from django.contrib.contenttypes.models import ContentType

    from accord.core.models import Attachment

    messages = ticket.messages.select_related("author", "contact", "outbox_message")
    if not with_notes:
        messages = messages.exclude(kind=MessageKind.NOTE)
    found = list(messages.order_by("created_at", "id"))
    files: dict[Any, list[Attachment]] = {}
    if found:
        kind = ContentType.objects.get_for_model(TicketMessage)
        for attachment in Attachment.objects.filter(record_type=kind, record_id__in=[m.pk for m in found]).order_by(
            "created_at", "id"
        ):
            files.setdefault(attachment.record_id, []).append(attachment)
    for message in found:
        message.files = files.get(message.pk, [])  # type: ignore[attr-defined]
    return found


def tickets_of_contact(user: Any, contact: Any, limit: int = 10) -> list[Ticket]:
    return list(_rows(visible_tickets(user).filter(contact=contact)).order_by("-number")[:limit])


def tickets_of_company(user: Any, company: Any, limit: int = 10) -> list[Ticket]:
    return list(_rows(visible_tickets(user).filter(company=company)).order_by("-number")[:limit])


def open_tickets_of(user: Any, *, contact: Any = None, company: Any = None) -> int:
    qs = visible_tickets(user).filter(status__in=OPEN_STATUSES)
    if company is not None:
        return qs.filter(company=company).count()
    return qs.filter(contact=contact).count()


@dataclass
class QueueCount:
    queue: Queue
    open: int
    unassigned: int
    late: int


def queue_counts(user: Any) -> list[QueueCount]:
    """Open, unassigned and late tickets per active queue, as ``user`` sees them."""
    rows: dict[Any, dict[str, Any]] = {
        row["queue_id"]: dict(row)
        for row in visible_tickets(user)
        .filter(status__in=OPEN_STATUSES)
        .values("queue_id")
        .annotate(
            open=Count("id"),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            late=Count("id", filter=Q(first_response_breached=True) | Q(resolution_breached=True)),
        )
        .order_by()
    }
    result = []
    for queue in Queue.objects.filter(active=True).order_by("name"):
        row = rows.get(queue.pk, {})
        result.append(QueueCount(queue, row.get("open", 0), row.get("unassigned", 0), row.get("late", 0)))
    return result


def my_open_count(user: Any) -> int:
    return visible_tickets(user).filter(assignee=user, status__in=OPEN_STATUSES).count()


def queues(*, active_only: bool = True) -> QuerySet[Queue]:
    qs = Queue.objects.all().order_by("name")
    return qs.filter(active=True) if active_only else qs


def queue_detail(pk: Any) -> Queue:
    from django.http import Http404

    try:
        return Queue.objects.get(pk=pk)
    except (Queue.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def canned_responses(user: Any) -> QuerySet[CannedResponse]:
    """The canned responses ``user`` may use: everyone's and their teams'."""
    if access.is_admin(user):
        return CannedResponse.objects.all()
    return CannedResponse.objects.filter(Q(team__isnull=True) | Q(team_id__in=list(user.visible_team_ids)))


def canned_detail(user: Any, pk: Any) -> CannedResponse:
    return access.get_visible(user, canned_responses(user), pk=pk)


def calendars() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.all()


def policies() -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.select_related("calendar", "escalate_to").order_by("position", "name")


def mailboxes() -> QuerySet[Mailbox]:
    return Mailbox.objects.select_related("queue").order_by("name")


def sla_state(ticket: Ticket, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What the ticket page shows of the clock: each target's due time, whether met, missed or
    running, and whether the clock stands."""
    now = now or timezone.now()
    rows = []
    for target, due, done, breached in (
        ("first_response", ticket.first_response_due, ticket.first_responded_at, ticket.first_response_breached),
        ("resolution", ticket.resolution_due, ticket.resolved_at, ticket.resolution_breached),
    ):
        if due is None:
            continue
        if breached or (done is None and ticket.paused_at is None and due < now and ticket.is_open):
            state = "missed"
        elif done is not None:
            state = "met"
        elif ticket.paused_at is not None:
            state = "paused"
        elif ticket.warned_at is not None or due - now < datetime.timedelta(hours=1):
            state = "soon"
        else:
            state = "running"
        rows.append({"target": target, "due": due, "done": done, "state": state})
    return {"policy": ticket.sla_policy, "rows": rows, "paused": ticket.paused_at is not None}


def ticket_columns() -> list[Column]:
    return [
        Column("id", lambda t: t.pk, _("ID")),
        Column("number", lambda t: t.number, _("Number")),
        Column("subject", lambda t: t.subject, _("Subject")),
        Column("status", lambda t: t.status, _("Status"), choices=TicketStatus),
        Column("priority", lambda t: t.priority, _("Priority"), choices=TicketPriority),
        Column("channel", lambda t: t.channel, _("Channel"), choices=TicketChannel),
        Column("queue", lambda t: t.queue.name, _("Queue")),
        Column("assignee", lambda t: t.assignee.username if t.assignee_id else "", _("Assignee")),
        Column("contact", lambda t: t.contact.full_name, _("Contact")),
        Column("company", lambda t: t.company.name if t.company_id else "", _("Company")),
        Column("complaint", lambda t: t.is_complaint, _("Complaint")),
        Column("created_at", lambda t: t.created_at, _("Created")),
        Column("first_response_due", lambda t: t.first_response_due, _("First response due")),
        Column("resolution_due", lambda t: t.resolution_due, _("Resolution due")),
        Column("first_responded_at", lambda t: t.first_responded_at, _("First response")),
        Column("resolved_at", lambda t: t.resolved_at, _("Resolved")),
        Column("breached", lambda t: t.first_response_breached or t.resolution_breached, _("SLA missed")),
    ]


def tickets_for_export(user: Any, query: ListQuery) -> Iterator[Ticket]:
    access.require_export(user)
    resolve_me(query, user)
    return walk(TICKET_LIST, query, _rows(apply(TICKET_LIST, query, visible_tickets(user), user=user)))


def assignable_agents(queue: Queue | None = None) -> QuerySet[User]:
    """Users a ticket may be given to: the queue's agents first, then anyone active."""
    users = User.objects.filter(is_active=True)
    if queue is not None:
        return users.annotate(in_queue=Count("service_queues", filter=Q(service_queues=queue))).order_by(
            "-in_queue", "username"
        )
    return users.order_by("username")


def contacts_named(user: Any, text: str, limit: int = 8) -> list[Any]:
    """Contacts ``user`` may see that match ``text`` (a name, an e-mail, a phone), best first."""
    from accord.core import search
    from accord.people.selectors import visible_contacts

    text = text.strip()[:200]
    if not text:
        return []
    hits = search.ranked(
        visible_contacts(user), text, limit=limit, label=lambda c: [c.full_name, c.primary_email, c.primary_phone]
    )
    return [hit.obj for hit in hits]


def visible_contact(user: Any, pk: Any) -> Any:
    """One contact ``user`` may see, or None."""
    from accord.core.models import as_uuid
    from accord.people.selectors import visible_contacts

    key = as_uuid(pk)
    return visible_contacts(user).filter(pk=key).first() if key else None


def visible_record(user: Any, model_label: str, pk: Any) -> Any:
    """A deal, order or invoice ``user`` may see, or None (for a ticket's links)."""
    from django.apps import apps

    from accord.core.models import as_uuid

    key = as_uuid(pk)
    if key is None:
        return None
    model = apps.get_model(model_label)
    return access.scope(user, model.objects.all()).filter(pk=key).first()


def canned_by_key(user: Any, pk: Any) -> CannedResponse | None:
    """A canned response ``user`` may use, or None (a malformed or unknown key)."""
    key = as_uuid(pk)
    return canned_responses(user).filter(pk=key).first() if key else None


@dataclass
class CustomerRecords:
    deals: list[Any]
    orders: list[Any]
    invoices: list[Any]


def customer_records(user: Any, ticket: Ticket, limit: int = 30) -> CustomerRecords:
    """The customer's latest deals, orders and invoices ``user`` may see, to link the ticket to."""
    from accord.billing.models import Invoice, Order
    from accord.sales.models import Deal

    def of(model: Any) -> list[Any]:
        customer = Q(contact_links__contact_id=ticket.contact_id) if model is Deal else Q(contact_id=ticket.contact_id)
        if ticket.company_id is not None:
            customer |= Q(company_id=ticket.company_id)
        return list(access.scope(user, model.objects.filter(customer).distinct()).order_by("-created_at")[:limit])

    return CustomerRecords(deals=of(Deal), orders=of(Order), invoices=of(Invoice))


def queue_by_key(pk: Any, *, active_only: bool = True) -> Queue | None:
    key = as_uuid(pk)
    return queues(active_only=active_only).filter(pk=key).first() if key else None


def agent_by_key(pk: Any) -> User | None:
    """An active user a ticket may be given to, or None (a malformed or unknown key)."""
    field = User._meta.pk
    try:
        key = field.to_python(pk) if field is not None else None
    except (ValidationError, ValueError, TypeError):  # a key of the wrong shape names nobody
        return None
    return assignable_agents().filter(pk=key).first() if key not in (None, "") else None
