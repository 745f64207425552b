"""The payloads of marketing's own events."""

from __future__ import annotations

import uuid

from accord.core.events import EventPayload


class GreetingsSent(EventPayload):
    """A greetings run queued these greetings (``ids``: the greetings' keys) for one rule."""

    name = "marketing.greetings.sent"
    rule_id: uuid.UUID
    occasion_key: str
    count: int
    ids: list[uuid.UUID]
