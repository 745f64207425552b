"""REST endpoints of the service app: tickets and their conversation (replies, internal notes, the
customer's messages taken by an agent), merge and split; queues, business calendars, SLA policies
and canned responses.

A ticket is seen with its customer: one out of sight is a 404 on every endpoint. Writes carry the
ticket's ``version`` (in the body or If-Match; a stale one is a 409); every POST accepts
``Idempotency-Key``. A record named in a body that does not exist or is out of sight is a 422
naming the field (``contact_id``, ``queue_id``...). Queues, calendars and SLA policies are the
administrators' to change (403 otherwise); calendars and policies are theirs to read, too."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accord.billing.models import Invoice, Order
from accord.core import access, idempotency
from accord.core import selectors as core_selectors
from accord.core.access import AccessDenied
from accord.core.api import ERRORS, PageOut, StrictSchema, expected_version, list_parameters, list_query
from accord.core.errors import message_dict
from accord.core.requests import AuthedRequest
from accord.identity import selectors as identity_selectors
from accord.people.models import Company, Contact
from accord.sales.models import Deal
from accord.service.models import Queue, Ticket
from accord.service.selectors import tickets as selectors
from accord.service.services import settings as settings_services
from accord.service.services import tickets as services

router = Router(tags=["service"])

Status_ = Literal["new", "open", "waiting", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Channel = Literal["email", "portal", "chat", "phone", "api", "web"]
Assignment = Literal["manual", "round_robin", "least_loaded"]

# A service's field name -> the request's.
FIELD_NAMES = {
    "contact": "contact_id",
    "company": "company_id",
    "deal": "deal_id",
    "order": "order_id",
    "invoice": "invoice_id",
    "queue": "queue_id",
    "assignee": "assignee_id",
    "into": "into_id",
    "messages": "message_ids",
    "team": "team_id",
    "agents": "agent_ids",
    "calendar": "calendar_id",
    "escalate_to": "escalate_to_id",
}
# Records a ticket's body may name: the request's field, the service's key, the model.
LINKS: tuple[tuple[str, str, type[Any]], ...] = (
    ("company_id", "company", Company),
    ("deal_id", "deal", Deal),
    ("order_id", "order", Order),
    ("invoice_id", "invoice", Invoice),
)


def _renamed(exc: ValidationError) -> ValidationError:
    """A service's errors keyed as the request names its fields."""
    return ValidationError({FIELD_NAMES.get(key, key): value for key, value in message_dict(exc).items()})


def _call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except ValidationError as exc:
        raise _renamed(exc) from exc


def _no_such(errors: dict[str, list[str]], field: str) -> None:
    errors[field] = [_("No such record, or you may not see it.")]


def _visible(request: HttpRequest, model: type[Any], pk: Any, field: str, errors: dict[str, list[str]]) -> Any:
    """The record a body field names, if the caller may see it; else an error on that field."""
    if pk is None:
        return None
    found = core_selectors.find_visible(request.user, model, pk)
    if found is None:
        _no_such(errors, field)
    return found


def _queue(pk: Any, errors: dict[str, list[str]]) -> Queue | None:
    if pk is None:
        return None
    try:
        return selectors.queue_detail(pk)
    except Http404:
        _no_such(errors, "queue_id")
        return None


def _user(pk: Any, field: str, errors: dict[str, list[str]]) -> Any:
    if pk is None:
        return None
    user = identity_selectors.find_user(pk, active=True)
    if user is None:
        errors[field] = [access.owner_refused()]
    return user


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def _require_admin(request: HttpRequest) -> None:
    if not access.is_admin(request.user):
        raise AccessDenied()


# --- schemas ----------------------------------------------------------------------------------


class SlaRowOut(Schema):
    target: str
    due: datetime.datetime
    done: datetime.datetime | None
    state: str


class SlaOut(Schema):
    policy_id: uuid.UUID | None
    policy_name: str
    paused: bool
    rows: list[SlaRowOut]


class TicketOut(Schema):
    id: uuid.UUID
    version: int
    number: int
    reference: str
    subject: str
    status: str
    priority: str
    channel: str
    queue_id: uuid.UUID
    assignee_id: uuid.UUID | None
    contact_id: uuid.UUID
    company_id: uuid.UUID | None
    deal_id: uuid.UUID | None
    order_id: uuid.UUID | None
    invoice_id: uuid.UUID | None
    is_complaint: bool
    merged_into_id: uuid.UUID | None
    sla_policy_id: uuid.UUID | None
    first_response_due: datetime.datetime | None
    resolution_due: datetime.datetime | None
    first_responded_at: datetime.datetime | None
    first_response_breached: bool
    resolution_breached: bool
    paused_at: datetime.datetime | None
    resolved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    last_customer_message_at: datetime.datetime | None
    last_agent_message_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class TicketDetailOut(TicketOut):
    sla: SlaOut

    @staticmethod
    def resolve_sla(obj: Ticket) -> dict[str, Any]:
        state = selectors.sla_state(obj)
        policy = state["policy"]
        return {
            "policy_id": policy.pk if policy else None,
            "policy_name": policy.name if policy else "",
            "paused": state["paused"],
            "rows": state["rows"],
        }


class MessageOut(Schema):
    id: uuid.UUID
    ticket_id: uuid.UUID
    kind: str
    channel: str
    author_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    body: str
    email_from: str
    delivery: str | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_delivery(obj: Any) -> str | None:
        """The outbox's state of a reply sent by e-mail (queued, sent, failed...)."""
        return obj.outbox_message.state if obj.outbox_message_id else None


class TicketIn(StrictSchema):
    contact_id: uuid.UUID
    subject: str
    body: str
    queue_id: uuid.UUID | None = None
    priority: Priority = "normal"
    channel: Channel = "api"
    company_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    invoice_id: uuid.UUID | None = None
    is_complaint: bool = False
    assignee_id: uuid.UUID | None = None


class TicketPatch(StrictSchema):
    version: int | None = None
    subject: str | None = None
    status: Status_ | None = None
    priority: Priority | None = None
    queue_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    is_complaint: bool | None = None
    company_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None
    order_id: uuid.UUID | None = None
    invoice_id: uuid.UUID | None = None


class ReplyIn(StrictSchema):
    version: int | None = None
    body: str
    internal: bool = False
    status: Status_ | None = None


class CustomerMessageIn(StrictSchema):
    body: str
    channel: Channel = "phone"


class TicketMergeIn(StrictSchema):
    version: int | None = None
    into_id: uuid.UUID


class SplitIn(StrictSchema):
    message_ids: list[uuid.UUID]
    subject: str


# --- tickets ----------------------------------------------------------------------------------


def _detail(request: HttpRequest, pk: Any, response: HttpResponse | None = None) -> Ticket:
    ticket = selectors.ticket_detail(request.user, pk)
    if response is not None:
        response["ETag"] = f'"{ticket.version}"'
    return ticket


def _ticket_json(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    return TicketDetailOut.from_orm(selectors.ticket_detail(request.user, ticket.pk)).model_dump(mode="json")


def _message_json(message: Any) -> dict[str, Any]:
    return MessageOut.from_orm(message).model_dump(mode="json")


@router.get(
    "/tickets",
    response={200: PageOut[TicketOut], **ERRORS},
    openapi_extra=list_parameters(selectors.TICKET_LIST),
)
def list_tickets(request: HttpRequest) -> Any:
    """Tickets the caller may see, by every filter and sort of the ticket list; ``assignee=me``
    is the caller's, ``assignee=none`` nobody's."""
    page = selectors.ticket_page(request.user, list_query(request, selectors.TICKET_LIST))
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/tickets/by-number/{int:number}", response={200: TicketDetailOut, **ERRORS})
def get_ticket_by_number(request: HttpRequest, number: int, response: HttpResponse) -> Any:
    found = selectors.ticket_by_number(request.user, number) if 0 < number < 2**31 else None
    if found is None:
        raise Http404
    return _detail(request, found.pk, response)


@router.get("/tickets/{uuid:ticket_id}", response={200: TicketDetailOut, **ERRORS})
def get_ticket(request: HttpRequest, ticket_id: uuid.UUID, response: HttpResponse) -> Any:
    return _detail(request, ticket_id, response)


@router.post("/tickets", response={201: TicketDetailOut, **ERRORS})
def create_ticket(request: AuthedRequest, payload: TicketIn) -> Any:
    """Open a ticket for a customer with their first message (a call taken, a letter typed in)."""

    def run() -> Ticket:
        access.require_create(request.user)
        errors: dict[str, list[str]] = {}
        contact = _visible(request, Contact, payload.contact_id, "contact_id", errors)
        links = {name: _visible(request, model, getattr(payload, field), field, errors) for field, name, model in LINKS}
        queue = _queue(payload.queue_id, errors)
        assignee = _user(payload.assignee_id, "assignee_id", errors)
        _raise(errors)
        return _call(
            lambda: services.create_ticket(
                actor=request.user,
                contact=contact,
                subject=payload.subject,
                body=payload.body,
                queue=queue,
                priority=payload.priority,
                channel=payload.channel,
                is_complaint=payload.is_complaint,
                assignee=assignee,
                **links,
            )
        )

    return idempotency.respond(
        request, payload=payload.model_dump(mode="json"), run=run, serialize=lambda t: _ticket_json(request, t)
    )


@router.patch("/tickets/{uuid:ticket_id}", response={200: TicketDetailOut, **ERRORS})
def update_ticket(request: AuthedRequest, ticket_id: uuid.UUID, payload: TicketPatch, response: HttpResponse) -> Any:
    """Change the keys given; ``null`` unassigns or unlinks (``assignee_id``, the links)."""
    ticket = _detail(request, ticket_id)
    given = payload.model_dump(exclude_unset=True, exclude={"version"})
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {k: v for k, v in given.items() if k in ("subject", "status", "priority", "is_complaint")}
    for key in ("subject", "status", "priority", "is_complaint"):
        if key in data and data[key] is None:
            errors[key] = [_("This field cannot be empty.")]
    for field, name, model in LINKS:
        if field in given:
            data[name] = _visible(request, model, given[field], field, errors)
    if "queue_id" in given:
        if given["queue_id"] is None:
            errors["queue_id"] = [_("This field cannot be empty.")]
        data["queue"] = _queue(given["queue_id"], errors)
    if "assignee_id" in given:
        data["assignee"] = _user(given["assignee_id"], "assignee_id", errors)
    _raise(errors)
    _call(
        lambda: services.update_ticket(
            actor=request.user,
            ticket=ticket,
            data=data,
            expected_version=expected_version(request, payload.version),
        )
    )
    return _detail(request, ticket_id, response)


@router.get("/tickets/{uuid:ticket_id}/messages", response={200: list[MessageOut], **ERRORS})
def list_messages(request: HttpRequest, ticket_id: uuid.UUID) -> Any:
    """The conversation, oldest first: the customer's messages, replies and internal notes."""
    return selectors.conversation(_detail(request, ticket_id))


@router.post("/tickets/{uuid:ticket_id}/replies", response={201: MessageOut, **ERRORS})
def add_reply(request: AuthedRequest, ticket_id: uuid.UUID, payload: ReplyIn) -> Any:
    """A public reply (sent to the customer by e-mail) or, with ``internal``, a note; ``status``
    moves the ticket on in the same step."""
    ticket = _detail(request, ticket_id)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: _call(
            lambda: services.reply(
                actor=request.user,
                ticket=ticket,
                body=payload.body,
                internal=payload.internal,
                status=payload.status,
                expected_version=expected_version(request, payload.version),
            )
        ),
        serialize=_message_json,
    )


@router.post("/tickets/{uuid:ticket_id}/customer-messages", response={201: MessageOut, **ERRORS})
def add_customer_message(request: AuthedRequest, ticket_id: uuid.UUID, payload: CustomerMessageIn) -> Any:
    """What the customer said, taken down by an agent (a call, a visit); it opens a ticket that
    waited for them again."""
    ticket = _detail(request, ticket_id)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: _call(
            lambda: services.add_customer_message(
                ticket=ticket, body=payload.body, channel=payload.channel, actor=request.user
            )
        ),
        serialize=_message_json,
    )


@router.post("/tickets/{uuid:ticket_id}/merge", response={200: TicketDetailOut, **ERRORS})
def merge_ticket(request: AuthedRequest, ticket_id: uuid.UUID, payload: TicketMergeIn) -> Any:
    """Merge this ticket into ``into_id`` (the same customer's); the answer is the one that carries on."""
    ticket = _detail(request, ticket_id)

    def run() -> Ticket:
        errors: dict[str, list[str]] = {}
        into = _visible(request, Ticket, payload.into_id, "into_id", errors)
        _raise(errors)
        return _call(
            lambda: services.merge_tickets(
                actor=request.user,
                ticket=ticket,
                into=into,
                expected_version=expected_version(request, payload.version),
            )
        )

    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=run,
        serialize=lambda t: _ticket_json(request, t),
        status=200,
    )


@router.post("/tickets/{uuid:ticket_id}/split", response={201: TicketDetailOut, **ERRORS})
def split_ticket(request: AuthedRequest, ticket_id: uuid.UUID, payload: SplitIn) -> Any:
    """Move the messages named to a new ticket of the same customer; the answer is the new ticket."""
    ticket = _detail(request, ticket_id)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: _call(
            lambda: services.split_ticket(
                actor=request.user, ticket=ticket, message_ids=payload.message_ids, subject=payload.subject
            )
        ),
        serialize=lambda t: _ticket_json(request, t),
    )


# --- settings ---------------------------------------------------------------------------------


class QueueOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    team_id: uuid.UUID | None
    email: str
    assignment: str
    agent_ids: list[uuid.UUID]
    is_default: bool
    active: bool
    send_surveys: bool

    @staticmethod
    def resolve_agent_ids(obj: Queue) -> list[Any]:
        return [agent.pk for agent in obj.agents.all()]


class QueueIn(StrictSchema):
    version: int | None = None
    name: str | None = None
    team_id: uuid.UUID | None = None
    email: str | None = None
    assignment: Assignment | None = None
    agent_ids: list[uuid.UUID] | None = None
    is_default: bool | None = None
    active: bool | None = None
    send_surveys: bool | None = None


class CalendarOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    time_zone: str
    country: str
    hours: list[list[list[str]]]
    closed_days: list[str]
    is_default: bool


class CalendarIn(StrictSchema):
    version: int | None = None
    name: str | None = None
    time_zone: str | None = None
    country: str | None = None
    hours: list[Any] | None = None
    closed_days: list[str] | None = None
    is_default: bool | None = None


class PolicyOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    position: int
    priority: str
    customer_tag: str
    calendar_id: uuid.UUID | None
    first_response_minutes: int
    resolution_minutes: int
    warn_before_minutes: int
    escalate_to_id: uuid.UUID | None
    raise_priority: bool
    active: bool


class PolicyIn(StrictSchema):
    version: int | None = None
    name: str | None = None
    position: int | None = None
    priority: Literal["", "low", "normal", "high", "urgent"] | None = None
    customer_tag: str | None = None
    calendar_id: uuid.UUID | None = None
    first_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warn_before_minutes: int | None = None
    escalate_to_id: uuid.UUID | None = None
    raise_priority: bool | None = None
    active: bool | None = None


class CannedOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    body: str
    language: str
    team_id: uuid.UUID | None
    created_by_id: uuid.UUID | None


class CannedIn(StrictSchema):
    version: int | None = None
    name: str | None = None
    body: str | None = None
    language: str | None = None
    team_id: uuid.UUID | None = None


class RenderedOut(Schema):
    text: str


def _settings_data(payload: Any) -> dict[str, Any]:
    """A settings body as the service takes it: ids become records (422 naming the field when
    there is none); the keys not given are left out."""
    given = payload.model_dump(exclude_unset=True, exclude={"version"})
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {}
    for key, value in given.items():
        if key == "team_id":
            data["team"] = identity_selectors.find_team(value) if value is not None else None
            if value is not None and data["team"] is None:
                _no_such(errors, key)
        elif key == "agent_ids":
            agents = [_user(pk, key, errors) for pk in value or []]
            data["agents"] = [a for a in agents if a is not None]
        elif key == "calendar_id":
            data["calendar"] = selectors.calendars().filter(pk=value).first() if value is not None else None
            if value is not None and data["calendar"] is None:
                _no_such(errors, key)
        elif key == "escalate_to_id":
            data["escalate_to"] = _user(value, key, errors)
        elif value is None and key not in ("priority",):
            errors[key] = [_("This field cannot be empty.")]
        else:
            data[key] = value
    _raise(errors)
    return data


def _one(queryset: Any, pk: Any) -> Any:
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _create(request: AuthedRequest, payload: Any, create: Callable[..., Any], out: type[Schema]) -> Any:
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: _call(lambda: create(actor=request.user, data=_settings_data(payload))),
        serialize=lambda obj: out.from_orm(obj).model_dump(mode="json"),
    )


def _tagged(response: HttpResponse, obj: Any) -> Any:
    response["ETag"] = f'"{obj.version}"'
    return obj


@router.get("/service/queues", response={200: list[QueueOut], **ERRORS})
def list_queues(request: HttpRequest, active: bool | None = None) -> Any:
    """Every queue (``active=true``: the open ones)."""
    return list(selectors.queues(active_only=bool(active)).prefetch_related("agents"))


@router.get("/service/queues/{uuid:queue_id}", response={200: QueueOut, **ERRORS})
def get_queue(request: HttpRequest, queue_id: uuid.UUID, response: HttpResponse) -> Any:
    return _tagged(response, selectors.queue_detail(queue_id))


@router.post("/service/queues", response={201: QueueOut, **ERRORS})
def create_queue(request: AuthedRequest, payload: QueueIn) -> Any:
    _require_admin(request)
    return _create(request, payload, settings_services.create_queue, QueueOut)


@router.patch("/service/queues/{uuid:queue_id}", response={200: QueueOut, **ERRORS})
def update_queue(request: AuthedRequest, queue_id: uuid.UUID, payload: QueueIn, response: HttpResponse) -> Any:
    queue = selectors.queue_detail(queue_id)
    _require_admin(request)
    _call(
        lambda: settings_services.update_queue(
            actor=request.user,
            queue=queue,
            data=_settings_data(payload),
            expected_version=expected_version(request, payload.version),
        )
    )
    return _tagged(response, selectors.queue_detail(queue_id))


@router.delete("/service/queues/{uuid:queue_id}", response={204: None, **ERRORS})
def delete_queue(request: AuthedRequest, queue_id: uuid.UUID) -> Any:
    queue = selectors.queue_detail(queue_id)
    _call(
        lambda: settings_services.delete_queue(
            actor=request.user, queue=queue, expected_version=expected_version(request)
        )
    )
    return Status(204, None)


@router.get("/service/calendars", response={200: list[CalendarOut], **ERRORS})
def list_calendars(request: HttpRequest) -> Any:
    _require_admin(request)
    return list(selectors.calendars())


@router.get("/service/calendars/{uuid:calendar_id}", response={200: CalendarOut, **ERRORS})
def get_calendar(request: HttpRequest, calendar_id: uuid.UUID, response: HttpResponse) -> Any:
    _require_admin(request)
    return _tagged(response, _one(selectors.calendars(), calendar_id))


@router.post("/service/calendars", response={201: CalendarOut, **ERRORS})
def create_calendar(request: AuthedRequest, payload: CalendarIn) -> Any:
    _require_admin(request)
    return _create(request, payload, settings_services.create_calendar, CalendarOut)


@router.patch("/service/calendars/{uuid:calendar_id}", response={200: CalendarOut, **ERRORS})
def update_calendar(request: AuthedRequest, calendar_id: uuid.UUID, payload: CalendarIn, response: HttpResponse) -> Any:
    _require_admin(request)
    calendar = _one(selectors.calendars(), calendar_id)
    _call(
        lambda: settings_services.update_calendar(
            actor=request.user,
            calendar=calendar,
            data=_settings_data(payload),
            expected_version=expected_version(request, payload.version),
        )
    )
    return _tagged(response, _one(selectors.calendars(), calendar_id))


@router.delete("/service/calendars/{uuid:calendar_id}", response={204: None, **ERRORS})
def delete_calendar(request: AuthedRequest, calendar_id: uuid.UUID) -> Any:
    _require_admin(request)
    calendar = _one(selectors.calendars(), calendar_id)
    _call(
        lambda: settings_services.delete_calendar(
            actor=request.user, calendar=calendar, expected_version=expected_version(request)
        )
    )
    return Status(204, None)


@router.get("/service/sla-policies", response={200: list[PolicyOut], **ERRORS})
def list_policies(request: HttpRequest) -> Any:
    _require_admin(request)
    return list(selectors.policies())


@router.get("/service/sla-policies/{uuid:policy_id}", response={200: PolicyOut, **ERRORS})
def get_policy(request: HttpRequest, policy_id: uuid.UUID, response: HttpResponse) -> Any:
    _require_admin(request)
    return _tagged(response, _one(selectors.policies(), policy_id))


@router.post("/service/sla-policies", response={201: PolicyOut, **ERRORS})
def create_policy(request: AuthedRequest, payload: PolicyIn) -> Any:
    _require_admin(request)
    return _create(request, payload, settings_services.create_policy, PolicyOut)


@router.patch("/service/sla-policies/{uuid:policy_id}", response={200: PolicyOut, **ERRORS})
def update_policy(request: AuthedRequest, policy_id: uuid.UUID, payload: PolicyIn, response: HttpResponse) -> Any:
    _require_admin(request)
    policy = _one(selectors.policies(), policy_id)
    _call(
        lambda: settings_services.update_policy(
            actor=request.user,
            policy=policy,
            data=_settings_data(payload),
            expected_version=expected_version(request, payload.version),
        )
    )
    return _tagged(response, _one(selectors.policies(), policy_id))


@router.delete("/service/sla-policies/{uuid:policy_id}", response={204: None, **ERRORS})
def delete_policy(request: AuthedRequest, policy_id: uuid.UUID) -> Any:
    _require_admin(request)
    policy = _one(selectors.policies(), policy_id)
    _call(
        lambda: settings_services.delete_policy(
            actor=request.user, policy=policy, expected_version=expected_version(request)
        )
    )
    return Status(204, None)


@router.get("/service/canned-responses", response={200: list[CannedOut], **ERRORS})
def list_canned(request: HttpRequest) -> Any:
    """The responses the caller may use: everyone's and their teams'."""
    return list(selectors.canned_responses(request.user))


@router.get("/service/canned-responses/{uuid:canned_id}", response={200: CannedOut, **ERRORS})
def get_canned(request: HttpRequest, canned_id: uuid.UUID, response: HttpResponse) -> Any:
    return _tagged(response, selectors.canned_detail(request.user, canned_id))


@router.post("/service/canned-responses", response={201: CannedOut, **ERRORS})
def create_canned(request: AuthedRequest, payload: CannedIn) -> Any:
    return _create(request, payload, settings_services.create_canned, CannedOut)


@router.patch("/service/canned-responses/{uuid:canned_id}", response={200: CannedOut, **ERRORS})
def update_canned(request: AuthedRequest, canned_id: uuid.UUID, payload: CannedIn, response: HttpResponse) -> Any:
    canned = selectors.canned_detail(request.user, canned_id)
    _call(
        lambda: settings_services.update_canned(
            actor=request.user,
            response=canned,
            data=_settings_data(payload),
            expected_version=expected_version(request, payload.version),
        )
    )
    return _tagged(response, selectors.canned_detail(request.user, canned_id))


@router.delete("/service/canned-responses/{uuid:canned_id}", response={204: None, **ERRORS})
def delete_canned(request: AuthedRequest, canned_id: uuid.UUID) -> Any:
    canned = selectors.canned_detail(request.user, canned_id)
    _call(
        lambda: settings_services.delete_canned(
            actor=request.user, response=canned, expected_version=expected_version(request)
        )
    )
    return Status(204, None)


@router.post("/service/canned-responses/{uuid:canned_id}/render", response={200: RenderedOut, **ERRORS})
def render_canned(request: AuthedRequest, canned_id: uuid.UUID, ticket_id: uuid.UUID) -> Any:
    """The response's text filled in for a ticket (its customer, its number, the caller as the agent)."""
    canned = selectors.canned_detail(request.user, canned_id)
    ticket = _detail(request, ticket_id)
    return {"text": settings_services.render_canned(canned, ticket=ticket, agent=request.user)}
