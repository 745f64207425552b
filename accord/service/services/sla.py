"""The SLA clock of each ticket, and the worker's check for warnings and breaches.

A ticket's policy is chosen when it is created (and again when its priority changes): the first
active ``SlaPolicy`` in order whose priority and customer group fit. Its due times are counted in
the policy calendar's business time from the ticket's creation. Waiting for the customer pauses
the clock (``paused_at``); when the ticket leaves that state the paused business time moves the
resolution (and an unmet first response) due time on by as much.

``sla_next_check`` holds the next moment the check must look at a ticket: the earliest warning or
due time still ahead, None while paused, answered and resolved. ``check`` reads only tickets whose
moment has come, through a partial index, and handles them a batch at a time in set operations,
so a hundred thousand tickets coming due together take seconds, not minutes.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import F, Lookup, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accord.core import events, languages
from accord.core.events import EventPayload
from accord.core.models import Event
from accord.service import business_hours
from accord.service.events import SlaBreached, SlaWarning
from accord.service.models import (
    OPEN_STATUSES,
    BusinessCalendar,
    SlaPolicy,
    Ticket,
)

BATCH = 5000
_KEEP = object()  # a column the check leaves as it is
_NEXT_PRIORITY = {"low": "normal", "normal": "high", "high": "urgent", "urgent": "urgent"}


@dataclass(slots=True)
class Clock:
    """What the check reads and changes of a due ticket, read as plain values: a hundred thousand
    due tickets loaded as model instances took longer than the check's own work."""

    pk: Any
    status: str
    priority: str
    assignee_id: Any
    sla_policy_id: Any
    paused_at: datetime.datetime | None
    first_responded_at: datetime.datetime | None
    first_response_due: datetime.datetime | None
    resolution_due: datetime.datetime | None
    first_response_breached: bool
    resolution_breached: bool
    warned_at: datetime.datetime | None
    sla_policy: SlaPolicy | None = None


TICKET = "service.ticket"
_CLOCK_FIELDS = [f for f in Clock.__dataclass_fields__ if f != "sla_policy"]


@functools.lru_cache(maxsize=64)
def _hours_cached(pk: Any, version: int) -> business_hours.Hours:
    calendar = BusinessCalendar.objects.get(pk=pk)
    return business_hours.Hours.of(calendar.time_zone, calendar.hours, calendar.country, calendar.closed_days)


def hours_of(policy: SlaPolicy | None) -> business_hours.Hours | business_hours.AlwaysOpen:
    """The arithmetic of ``policy``'s calendar (day and night without one)."""
    if policy is None or policy.calendar_id is None:
        return business_hours.ALWAYS
    calendar = policy.calendar
    assert calendar is not None
    return _hours_cached(calendar.pk, calendar.version)


def _customer_tags(ticket: Ticket) -> set[str]:
    names: set[str] = set()
    for record in (ticket.contact, ticket.company):
        if record is not None:
            names.update(str(name).lower() for name in record.tags.values_list("name", flat=True))
    return names


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy that fits the ticket's priority and customer."""
    tags: set[str] | None = None
    for policy in SlaPolicy.objects.filter(active=True).select_related("calendar"):
        if policy.priority and policy.priority != ticket.priority:
            continue
        if policy.customer_tag:
            if tags is None:
                tags = _customer_tags(ticket)
            if policy.customer_tag.lower() not in tags:
                continue
        return policy
    return None


def current_target(ticket: Ticket | Clock) -> tuple[str, datetime.datetime] | None:
    """The target the clock runs towards: the first response until it is given or missed, then
    the resolution (a policy asks the resolution no sooner than the first response)."""
    if ticket.first_responded_at is None and ticket.first_response_due and not ticket.first_response_breached:
        return "first_response", ticket.first_response_due
    if ticket.resolution_due and not ticket.resolution_breached:
        return "resolution", ticket.resolution_due
    return None


def _next_check_plan(ticket: Ticket | Clock) -> tuple[str, int] | None:
    """What ``next_check`` counts from: a due-time field and the minutes before it."""
    if ticket.status not in OPEN_STATUSES or ticket.paused_at is not None or ticket.sla_policy_id is None:
        return None
    current = current_target(ticket)
    if current is None:
        return None
    target, _due = current
    if ticket.warned_at is not None:
        return f"{target}_due", 0
    policy = ticket.sla_policy
    return f"{target}_due", policy.warn_before_minutes if policy else 0


def next_check(ticket: Ticket | Clock) -> datetime.datetime | None:
    """When the check must next look at ``ticket``: the warning before its current target, once
    given the target's due time; None while the clock stands or nothing is left to miss."""
    plan = _next_check_plan(ticket)
    if plan is None:
        return None
    field, minutes = plan
    return cast(datetime.datetime, getattr(ticket, field)) - datetime.timedelta(minutes=minutes)


def start(ticket: Ticket, now: datetime.datetime) -> None:
    """Set the clock of a new ticket: its policy and due times, counted from its creation."""
    policy = policy_for(ticket)
    ticket.sla_policy = policy
    if policy is None:
        ticket.first_response_due = ticket.resolution_due = None
        ticket.sla_next_check = None
        return
    hours = hours_of(policy)
    began = ticket.created_at or now
    ticket.first_response_due = hours.add(began, policy.first_response_minutes)
    ticket.resolution_due = hours.add(began, policy.resolution_minutes)
    ticket.sla_next_check = next_check(ticket)


def pause(ticket: Ticket, now: datetime.datetime) -> None:
    """Waiting for the customer: the clock stops."""
    if ticket.paused_at is None:
        ticket.paused_at = now
    ticket.sla_next_check = None


def resume(ticket: Ticket, now: datetime.datetime) -> None:
    """The clock runs again; the due times not yet met (and not already past when it stopped) move
    on by the business time it stood."""
    if ticket.paused_at is not None and ticket.sla_policy_id is not None:
        hours = hours_of(ticket.sla_policy)
        paused_at = ticket.paused_at
        stood = hours.between(paused_at, now)
        ticket.sla_stood_seconds += max(0, int(stood.total_seconds()))
        # A target already past when the clock stopped was missed then: it does not move.
        if ticket.resolution_due and not ticket.resolution_breached and ticket.resolution_due > paused_at:
            ticket.resolution_due = _shift(hours, ticket.resolution_due, stood)
        if (
            ticket.first_response_due
            and ticket.first_responded_at is None
            and not ticket.first_response_breached
            and ticket.first_response_due > paused_at
        ):
            ticket.first_response_due = _shift(hours, ticket.first_response_due, stood)
    ticket.paused_at = None
    ticket.sla_next_check = next_check(ticket)


def _shift(hours: Any, due: datetime.datetime, by: datetime.timedelta) -> datetime.datetime:
    """``due`` moved on by ``by`` of working time."""
    if by <= datetime.timedelta(0):
        return due
    return cast(datetime.datetime, hours.add(due, by.total_seconds() / 60))


def responded(ticket: Ticket, now: datetime.datetime) -> None:
    """The first public reply: the first-response target is met, or was missed."""
    if ticket.first_responded_at is not None:
        return
    ticket.first_responded_at = now
    if ticket.first_response_due and now > ticket.first_response_due:
        ticket.first_response_breached = True
    ticket.warned_at = None  # the resolution gets its own warning
    ticket.sla_next_check = next_check(ticket)


def resolved(ticket: Ticket, now: datetime.datetime) -> None:
    """The ticket is resolved: a resolution after its due time is a breach (reports count it)."""
    if ticket.resolution_due and not ticket.resolution_breached and now > ticket.resolution_due:
        ticket.resolution_breached = True
    if ticket.first_responded_at is None and ticket.first_response_due and now > ticket.first_response_due:
        ticket.first_response_breached = True
    ticket.paused_at = None
    ticket.sla_next_check = None


def reopened(ticket: Ticket, now: datetime.datetime) -> None:
    """A resolved or closed ticket is open again: its clock runs on from where it was."""
    ticket.paused_at = None
    ticket.sla_next_check = next_check(ticket)


def reset_for_priority(ticket: Ticket, now: datetime.datetime) -> None:
    """The priority changed: the policy may be another, its due times counted from creation and
    moved on by the business time the clock has stood so far while waiting for the customer."""
    responded_at, paused_at = ticket.first_responded_at, ticket.paused_at
    start(ticket, now)
    if ticket.sla_policy is not None and ticket.sla_stood_seconds:
        hours = hours_of(ticket.sla_policy)
        stood = datetime.timedelta(seconds=ticket.sla_stood_seconds)
        if ticket.first_response_due and responded_at is None:
            ticket.first_response_due = _shift(hours, ticket.first_response_due, stood)
        if ticket.resolution_due:
            ticket.resolution_due = _shift(hours, ticket.resolution_due, stood)
    ticket.first_responded_at = responded_at
    ticket.first_response_breached = bool(
        ticket.first_response_due and (responded_at or now) > ticket.first_response_due
    )
    ticket.resolution_breached = bool(ticket.resolution_due and now > ticket.resolution_due)
    ticket.warned_at = None
    ticket.paused_at = paused_at
    ticket.sla_next_check = next_check(ticket)


@dataclass
class CheckResult:
    warned: int = 0
    breached: int = 0


def check(*, now: datetime.datetime | None = None, batch: int = BATCH) -> CheckResult:
    """Warn of coming breaches and record breaches among the tickets whose moment has come: a
    batch at a time, each in its own transaction (rows locked, so two workers never both warn)."""
    now = now or timezone.now()
    result = CheckResult()
    policies: dict[Any, SlaPolicy] = {}
    last_pk = None
    while True:
        with transaction.atomic():
            query = Ticket.objects.filter(sla_next_check__lte=now)
            if last_pk is not None:
                query = query.filter(pk__gt=last_pk)
            rows = list(query.select_for_update().order_by("pk").values_list(*_CLOCK_FIELDS)[:batch])
            if not rows:
                break
            clocks = [Clock(*row) for row in rows]
            missing = {c.sla_policy_id for c in clocks} - set(policies) - {None}
            if missing:
                policies.update(SlaPolicy.objects.in_bulk(list(missing)))
            for clock in clocks:
                clock.sla_policy = policies.get(clock.sla_policy_id)
            last_pk = clocks[-1].pk
            _check_batch(clocks, now, result)
        if len(rows) < batch:
            break
    return result


def _check_batch(tickets: list[Clock], now: datetime.datetime, result: CheckResult) -> None:
    # One event per warning or breach; the in-app notices to the assignee and the escalation user
    # follow from it after commit (``deliver_notices``), so the check writes one row per finding.
    found: list[tuple[type[EventPayload], str, Any, None, dict[str, Any]]] = []
    # Tickets changed alike, written with one UPDATE each group (``bulk_update``'s CASE per row
    # took most of the check's time): the flags, the warning time and the priority when they
    # changed, and the next check as a due-time column less the warning's minutes.
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for ticket in tickets:
        warned_before, priority_before = ticket.warned_at, ticket.priority
        if ticket.status not in OPEN_STATUSES or ticket.paused_at is not None:
            groups.setdefault((None, None, _KEEP, _KEEP, None), []).append(ticket.pk)
            continue
        policy = ticket.sla_policy
        warn = datetime.timedelta(minutes=policy.warn_before_minutes if policy else 0)
        # A target missed and the next one missed as well in the same run: look again.
        for _round in range(2):
            current = current_target(ticket)
            if current is None:
                break
            target, due = current
            if now >= due:
                setattr(ticket, f"{target}_breached", True)
                ticket.warned_at = None  # the next target gets its own warning
                escalate = policy.escalate_to_id if policy else None
                breach = {"target": target, "due": due, "assignee_id": ticket.assignee_id, "escalate_to_id": escalate}
                found.append((SlaBreached, TICKET, ticket.pk, None, breach))
                result.breached += 1
                if policy is not None and policy.raise_priority:
                    ticket.priority = _NEXT_PRIORITY[ticket.priority]
                continue
            if now >= due - warn and ticket.warned_at is None:
                ticket.warned_at = now
                warning = {"target": target, "due": due, "assignee_id": ticket.assignee_id}
                found.append((SlaWarning, TICKET, ticket.pk, None, warning))
                result.warned += 1
            break
        key = (
            ticket.first_response_breached,
            ticket.resolution_breached,
            ticket.warned_at if ticket.warned_at != warned_before else _KEEP,
            ticket.priority if ticket.priority != priority_before else _KEEP,
            _next_check_plan(ticket),
        )
        groups.setdefault(key, []).append(ticket.pk)
    for (first_breached, resolution_breached, warned_at, priority, plan), pks in groups.items():
        values: dict[str, Any] = {"sla_next_check": None}
        if plan is not None:
            field, minutes = plan
            values["sla_next_check"] = F(field) - datetime.timedelta(minutes=minutes) if minutes else F(field)
        if first_breached is not None:
            values.update(first_response_breached=first_breached, resolution_breached=resolution_breached)
        if warned_at is not _KEEP:
            values["warned_at"] = warned_at
        if priority is not _KEEP:
            values["priority"] = priority
        Ticket.objects.filter(_key_in(pks)).update(**values)
    events.emit_fields(found)


class _AnyOf(Lookup[Any]):
    """``pk = ANY(%s)``: a batch's keys as one array parameter. Thousands of placeholders made
    each UPDATE's text long to build and for psycopg to parse."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*params, list(self.rhs))


def _key_in(pks: list[Any]) -> Q | Lookup[Any]:
    if connection.vendor == "postgresql":
        return _AnyOf(F("pk"), pks)
    return Q(pk__in=pks)


def deliver_notices(event: Event) -> None:
    """The in-app notices of a warning (to the assignee) or a breach (to the assignee and the
    policy's escalation user), each in the recipient's language, once per ticket, target and user."""
    from accord.identity.models import User
    from accord.messaging.services import notify

    payload = events.load(event)
    if not isinstance(payload, SlaWarning | SlaBreached):
        raise TypeError(f"{event.name} is not an SLA warning or breach")
    ticket = Ticket.objects.filter(pk=event.object_id).first() if event.object_id else None
    if ticket is None:
        return
    breach = isinstance(payload, SlaBreached)
    named = [payload.assignee_id, payload.escalate_to_id if isinstance(payload, SlaBreached) else None]
    recipients = {pk for pk in named if pk is not None}
    kind = "breach" if breach else "warning"
    for user in User.objects.filter(pk__in=recipients, is_active=True):
        language = languages.user_language(user)
        notify(
            user=user,
            subject=notice_subject(ticket, breach=breach, target=payload.target, language=language),
            body=ticket.subject,
            url=reverse("service:ticket-detail", args=[ticket.pk]),
            idempotency_key=f"sla:{kind}:{payload.target}:{ticket.pk}:{user.pk}",
            related=ticket,
        )


def target_label(target: str) -> str:
    if target == "first_response":
        return pgettext("SLA target", "first response")
    return pgettext("SLA target", "resolution")


def notice_subject(ticket: Ticket, *, breach: bool, target: str, language: str = "") -> str:
    """The subject of the in-app notice of a warning or a breach, in ``language``."""
    with languages.writing_in(language):
        values = {"number": ticket.number, "target": target_label(target)}
        if breach:
            return _("SLA missed on #%(number)s: %(target)s") % values
        return _("SLA due soon on #%(number)s: %(target)s") % values
