"""The payloads of the service app's own events (its records' created/updated/deleted events are
the core's families, core/event_types.py)."""

from __future__ import annotations

import datetime
import uuid

from accord.core.events import EventPayload


class TicketStatusChanged(EventPayload):
    """A ticket (the event's object) went from one status to another."""

    name = "service.ticket.status_changed"
    old: str
    new: str


class TicketAssigned(EventPayload):
    """A ticket was given to an agent (None: taken back to the queue)."""

    name = "service.ticket.assigned"
    assignee_id: uuid.UUID | None
    queue_id: uuid.UUID


class TicketMessageAdded(EventPayload):
    """The customer wrote, an agent replied or noted (``kind``); the object is the ticket."""

    name = "service.ticket.message_added"
    message_id: uuid.UUID
    kind: str
    channel: str


class TicketMerged(EventPayload):
    """The ticket (the object) was merged into ``into_id`` and closed."""

    name = "service.ticket.merged"
    into_id: uuid.UUID


class SlaWarning(EventPayload):
    """A ticket's SLA ``target`` ("first_response" or "resolution") comes due soon."""

    name = "service.ticket.sla_warning"
    target: str
    due: datetime.datetime
    assignee_id: uuid.UUID | None = None


class SlaBreached(EventPayload):
    """A ticket's SLA ``target`` was missed."""

    name = "service.ticket.sla_breached"
    target: str
    due: datetime.datetime
    assignee_id: uuid.UUID | None = None
    escalate_to_id: uuid.UUID | None = None
