"""The payloads of marketing's own events (its records' created/updated/deleted events are the
core's families, core/event_types.py)."""

from __future__ import annotations

import uuid

from accord.core.events import EventPayload


class ConsentChanged(EventPayload):
    """A contact's consent (the event's object) was granted, withdrawn, asked to be confirmed or
    confirmed: ``action`` is one of ``ConsentAction``, ``state`` the state it left the consent in."""

    name = "marketing.consent.changed"
    contact_id: uuid.UUID
    channel: str
    purpose: str
    action: str
    state: str
    method: str


class AddressSuppressed(EventPayload):
    """An address (the event's object is its suppression) may no longer receive marketing."""

    name = "marketing.suppression.added"
    channel: str
    address: str
    purpose: str
    reason: str


class AddressUnsuppressed(EventPayload):
    """An address was taken off the suppression list."""

    name = "marketing.suppression.removed"
    channel: str
    address: str
    purpose: str
    reason: str


class GreetingsSent(EventPayload):
    """A greetings run queued these greetings (``ids``: the greetings' keys) for one rule."""

    name = "marketing.greetings.sent"
    rule_id: uuid.UUID
    occasion_key: str
    count: int
    ids: list[uuid.UUID]
