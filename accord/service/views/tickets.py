"""The ticket screens: the agents' list with its queues, a new ticket, and a ticket's page with
its conversation, the reply box (public reply or internal note, canned responses), the ticket's
properties, its SLA clock, merge and split. Every rule is the tickets service's, as for the API.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core import access, exports, htmx, lists
from accord.core.access import Action
from accord.core.errors import Conflict, message_dict
from accord.core.requests import AuthedRequest
from accord.service.models import (
    MessageKind,
    Ticket,
    TicketChannel,
    TicketPriority,
    TicketStatus,
)
from accord.service.selectors import tickets as selectors
from accord.service.services import settings as settings_services
from accord.service.services import tickets as services

# The channels an agent records a ticket from by hand.
DESK_CHANNELS = (TicketChannel.PHONE, TicketChannel.EMAIL, TicketChannel.WEB, TicketChannel.CHAT)


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _flat(params: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in params.items() for v in values]


# --- the list --------------------------------------------------------------------------------


@login_required
def ticket_list(request: AuthedRequest) -> HttpResponse:
    params = request.GET.copy()
    if not params:
        params.setlist("open", ["true"])  # the desk starts with what needs work
    try:
        query = selectors.ticket_query(params)
    except ValidationError as exc:
        for problems in message_dict(exc).values():
            for problem in problems:
                messages.error(request, problem)
        query = selectors.ticket_query({"open": "true"})
    selectors.resolve_me(query, request.user)
    page = selectors.ticket_page(request.user, query)
    base = dict(query.raw)
    partial = htmx.is_htmx(request)
    first = lambda name: base.get(name, [""])[0]  # noqa: E731
    return render(
        request,
        "service/tickets/list.html#results" if partial else "service/tickets/list.html",
        {
            **lists.context(request, lists.get("ticket"), query, oob=partial),
            "page": page,
            "query": query,
            "statuses": TicketStatus.choices,
            "priorities": TicketPriority.choices,
            "queue_counts": selectors.queue_counts(request.user),
            "mine": selectors.my_open_count(request.user),
            "open_filter": first("open"),
            "assignee_filter": first("assignee"),
            "queue_filter": first("queue"),
            "breached_filter": first("breached"),
            "can_create": access.can_create(request.user),
            "next_link": urlencode([*_flat(base), ("cursor", page.next_cursor)]) if page.next_cursor else "",
            "prev_link": urlencode([*_flat(base), ("before", page.prev_cursor)]) if page.prev_cursor else "",
        },
    )


@login_required
def ticket_export(request: HttpRequest) -> HttpResponseBase:
    access.require_export(request.user)
    query = selectors.ticket_query(request.GET)
    rows = selectors.tickets_for_export(request.user, query)
    return exports.download(request, selectors.ticket_columns(), rows, "tickets")


# --- a new ticket ----------------------------------------------------------------------------


@login_required
def contact_lookup(request: HttpRequest) -> HttpResponse:
    """Options for the "customer" picker of a new ticket: contacts the user may see."""
    q = request.GET.get("q", "").strip()[:200]
    return render(
        request,
        "service/tickets/_contact_options.html",
        {"contacts": selectors.contacts_named(request.user, q), "q": q},
    )


def _new_values(request: AuthedRequest) -> dict[str, Any]:
    source = request.POST if request.method == "POST" else request.GET
    return {
        "contact": source.get("contact", ""),
        "contact_name": source.get("contact_name", ""),
        "subject": source.get("subject", ""),
        "body": source.get("body", ""),
        "queue": source.get("queue", ""),
        "priority": source.get("priority", TicketPriority.NORMAL),
        "channel": source.get("channel", TicketChannel.PHONE),
        "is_complaint": bool(source.get("is_complaint")),
        "assignee": source.get("assignee", ""),
    }


@login_required
def ticket_create(request: AuthedRequest) -> HttpResponse:
    access.require_create(request.user)
    values = _new_values(request)
    contact = selectors.visible_contact(request.user, values["contact"])
    if contact is not None:
        values["contact_name"] = str(contact)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        if contact is None:
            named = selectors.contacts_named(request.user, values["contact_name"], limit=2)
            contact = named[0] if len(named) == 1 else None
        if contact is None:
            errors["contact"] = [_("Choose the customer from the list.")]
        queue = selectors.queues().filter(pk=values["queue"]).first() if values["queue"] else None
        assignee = selectors.assignable_agents().filter(pk=values["assignee"]).first() if values["assignee"] else None
        if not errors:
            try:
                ticket = services.create_ticket(
                    actor=request.user,
                    contact=contact,
                    subject=values["subject"],
                    body=values["body"],
                    queue=queue,
                    priority=values["priority"],
                    channel=values["channel"],
                    is_complaint=values["is_complaint"],
                    assignee=assignee,
                )
            except ValidationError as exc:
                errors = message_dict(exc)
            else:
                messages.success(request, _("Ticket #%(number)s was opened.") % {"number": ticket.number})
                return redirect("service:ticket-detail", pk=ticket.pk)
    return render(
        request,
        "service/tickets/new.html",
        {
            "values": values,
            "errors": errors,
            "general_errors": [
                m for key, found in errors.items() if key not in values or key == "__all__" for m in found
            ],
            "contact": contact,
            "queues": selectors.queues(),
            "agents": selectors.assignable_agents(),
            "priorities": TicketPriority.choices,
            "channels": [(c.value, c.label) for c in DESK_CHANNELS],
        },
        status=422 if errors else 200,
    )


# --- a ticket's page -------------------------------------------------------------------------


def _page(
    request: AuthedRequest,
    ticket: Ticket,
    *,
    reply_values: dict[str, Any] | None = None,
    reply_errors: dict[str, list[str]] | None = None,
    props_errors: dict[str, list[str]] | None = None,
    merge_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    can_change = access.can(request.user, Action.CHANGE, ticket)
    reply_errors, props_errors, merge_errors = (
        _general(reply_errors),
        _general(props_errors),
        _general(merge_errors),
    )
    return render(
        request,
        "service/tickets/detail.html",
        {
            "ticket": ticket,
            "conversation": selectors.conversation(ticket),
            "sla": selectors.sla_state(ticket),
            "survey": selectors.ticket_survey(ticket),
            "can_change": can_change and ticket.merged_into_id is None,
            "reply_values": reply_values or {"internal": False, "status": ""},
            "reply_errors": reply_errors or {},
            "props_errors": props_errors or {},
            "merge_errors": merge_errors or {},
            "statuses": [
                (v, label) for v, label in TicketStatus.choices if v != TicketStatus.NEW or ticket.status == v
            ],
            "after_reply": [
                ("", _("Keep the status")),
                (TicketStatus.WAITING, _("Waiting for the customer")),
                (TicketStatus.RESOLVED, _("Resolved")),
            ],
            "priorities": TicketPriority.choices,
            "queues": selectors.queues(),
            "agents": selectors.assignable_agents(ticket.queue),
            "canned": selectors.canned_responses(request.user).order_by("name")[:200],
            "links": selectors.customer_records(request.user, ticket),
            "other_tickets": [
                t for t in selectors.tickets_of_contact(request.user, ticket.contact) if t.pk != ticket.pk
            ],
            "kb_suggest_url": _optional_url("service:kb-suggest"),
        },
        status=status,
    )


def _general(errors: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """Errors for a template: those about the whole record under "general" (a template cannot
    read "__all__")."""
    errors = dict(errors or {})
    if "__all__" in errors:
        errors["general"] = errors.pop("__all__")
    return errors


def _optional_url(name: str) -> str:
    from django.urls import NoReverseMatch

    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@login_required
def ticket_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    return _page(request, selectors.ticket_detail(request.user, pk))


@login_required
@require_POST
def ticket_reply(request: AuthedRequest, pk: Any) -> HttpResponse:
    ticket = selectors.ticket_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, ticket)
    body, status = request.POST.get("body", ""), request.POST.get("status", "")
    internal = request.POST.get("kind") == "note"
    values: dict[str, Any] = {"body": body, "internal": internal, "status": status}
    try:
        message = services.reply(
            actor=request.user,
            ticket=ticket,
            body=body,
            internal=internal,
            status=status or None,
            expected_version=_version(request),
        )
    except ValidationError as exc:
        return _page(request, ticket, reply_values=values, reply_errors=message_dict(exc), status=422)
    except Conflict as exc:
        ticket = selectors.ticket_detail(request.user, pk)
        return _page(request, ticket, reply_values=values, reply_errors={"__all__": [exc.message]}, status=409)
    if message.kind == MessageKind.NOTE:
        messages.success(request, _("The note was added."))
    elif message.outbox_message_id:
        messages.success(request, _("The reply is on its way to %(to)s.") % {"to": ticket.contact.primary_email})
    else:
        messages.success(request, _("The reply was added."))
    return redirect(reverse("service:ticket-detail", args=[ticket.pk]) + "#reply")


@login_required
@require_POST
def ticket_update(request: AuthedRequest, pk: Any) -> HttpResponse:
    ticket = selectors.ticket_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, ticket)
    post = request.POST
    data: dict[str, Any] = {}
    for name in ("status", "priority", "subject"):
        if name in post:
            data[name] = post[name]
    if "queue" in post:
        data["queue"] = selectors.queue_by_key(post["queue"], active_only=False)
    if "assignee" in post:
        data["assignee"] = selectors.agent_by_key(post["assignee"]) if post["assignee"] else None
        if post["assignee"] and data["assignee"] is None:
            return _page(request, ticket, props_errors={"assignee": [access.owner_refused()]}, status=422)
    if "props" in post:
        data["is_complaint"] = bool(post.get("is_complaint"))
    for name, label in (("deal", "sales.Deal"), ("order", "billing.Order"), ("invoice", "billing.Invoice")):
        if name in post:
            record = selectors.visible_record(request.user, label, post[name]) if post[name] else None
            if post[name] and record is None:
                return _page(
                    request, ticket, props_errors={name: [_("No such record, or you may not see it.")]}, status=422
                )
            data[name] = record
    try:
        services.update_ticket(actor=request.user, ticket=ticket, data=data, expected_version=_version(request))
    except ValidationError as exc:
        return _page(request, ticket, props_errors=message_dict(exc), status=422)
    except Conflict as exc:
        ticket = selectors.ticket_detail(request.user, pk)
        return _page(request, ticket, props_errors={"__all__": [exc.message]}, status=409)
    messages.success(request, _("The ticket was saved."))
    return redirect("service:ticket-detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_take(request: AuthedRequest, pk: Any) -> HttpResponse:
    """ "Take it": the agent assigns the ticket to themselves."""
    ticket = selectors.ticket_detail(request.user, pk)
    try:
        services.update_ticket(
            actor=request.user, ticket=ticket, data={"assignee": request.user}, expected_version=_version(request)
        )
    except (ValidationError, Conflict) as exc:
        errors = message_dict(exc) if isinstance(exc, ValidationError) else {"__all__": [exc.message]}
        return _page(request, selectors.ticket_detail(request.user, pk), props_errors=errors, status=409)
    messages.success(request, _("The ticket is yours."))
    return redirect("service:ticket-detail", pk=ticket.pk)


@login_required
@require_POST
def ticket_merge(request: AuthedRequest, pk: Any) -> HttpResponse:
    ticket = selectors.ticket_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, ticket)
    raw = request.POST.get("into", "").strip().lstrip("#")
    into = selectors.ticket_by_number(request.user, int(raw)) if raw.isdigit() and len(raw) <= 9 else None
    if into is None:
        return _page(request, ticket, merge_errors={"into": [_("No such ticket, or you may not see it.")]}, status=422)
    try:
        target = services.merge_tickets(
            actor=request.user, ticket=ticket, into=into, expected_version=_version(request)
        )
    except ValidationError as exc:
        return _page(request, ticket, merge_errors=message_dict(exc), status=422)
    except Conflict as exc:
        return _page(
            request, selectors.ticket_detail(request.user, pk), merge_errors={"__all__": [exc.message]}, status=409
        )
    messages.success(
        request, _("Ticket #%(from)s was merged into #%(into)s.") % {"from": ticket.number, "into": target.number}
    )
    return redirect("service:ticket-detail", pk=target.pk)


@login_required
def ticket_split(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Choose messages that go to a new ticket of the same customer."""
    ticket = selectors.ticket_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, ticket)
    errors: dict[str, list[str]] = {}
    chosen = request.POST.getlist("message") if request.method == "POST" else []
    subject = request.POST.get("subject", "") if request.method == "POST" else ticket.subject
    if request.method == "POST":
        try:
            new = services.split_ticket(actor=request.user, ticket=ticket, message_ids=chosen, subject=subject)
        except ValidationError as exc:
            errors = message_dict(exc)
        else:
            messages.success(
                request, _("Ticket #%(number)s was made from the chosen messages.") % {"number": new.number}
            )
            return redirect("service:ticket-detail", pk=new.pk)
    return render(
        request,
        "service/tickets/split.html",
        {
            "ticket": ticket,
            "conversation": selectors.conversation(ticket),
            "chosen": set(chosen),
            "subject": subject,
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@login_required
def canned_insert(request: AuthedRequest, pk: Any) -> HttpResponse:
    """The reply box with a canned response filled in for this ticket (HTMX swaps the box)."""
    ticket = selectors.ticket_detail(request.user, pk)
    response = selectors.canned_by_key(request.user, request.GET.get("canned"))
    body = request.GET.get("body", "")
    if response is not None:
        filled = settings_services.render_canned(response, ticket=ticket, agent=request.user)
        body = f"{body.rstrip()}\n\n{filled}".strip() if body.strip() else filled
    return render(
        request,
        "service/tickets/_reply_box.html",
        {
            "ticket": ticket,
            "reply_values": {"body": body},
            "reply_errors": {},
            "kb_suggest_url": _optional_url("service:kb-suggest"),
        },
    )


# --- the 360° panels -------------------------------------------------------------------------


def _panel(request: HttpRequest, found: list[Ticket], open_count: int, key: str, record: Any) -> dict[str, Any]:
    can_create = access.can_create(request.user) and key == "contact"
    return {
        "tickets": found,
        "open_count": open_count,
        "new_url": reverse("service:ticket-create") + "?" + urlencode({"contact": record.pk}) if can_create else "",
        "all_url": reverse("service:ticket-list") + "?" + urlencode({key: record.pk}) if found else "",
    }


def contact_tickets_context(request: HttpRequest, contact: Any) -> dict[str, Any]:
    found = selectors.tickets_of_contact(request.user, contact, limit=6)
    return _panel(request, found, selectors.open_tickets_of(request.user, contact=contact), "contact", contact)


def company_tickets_context(request: HttpRequest, company: Any) -> dict[str, Any]:
    found = selectors.tickets_of_company(request.user, company, limit=6)
    return _panel(request, found, selectors.open_tickets_of(request.user, company=company), "company", company)
