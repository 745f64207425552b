"""The payloads of the analytics app's events."""

from __future__ import annotations

import datetime

from accord.core.events import EventPayload


class ClassificationComputed(EventPayload):
    """The customers were classified again (RFM and ABC) as of ``as_of``: ``contacts`` and
    ``companies`` had orders in the twelve months before it and got a class; every other customer
    has none."""

    name = "analytics.classification.computed"
    as_of: datetime.date
    contacts: int
    companies: int


class LifetimeComputed(EventPayload):
    """The lifetime models were fitted again as of ``as_of`` over ``customers`` customers, of whom
    ``repeat_customers`` bought on more than one day. ``outcome``: ``fitted`` (every one of them
    has its P(alive), expected purchases and CLV), ``not_enough_history`` or ``not_converged``
    (nobody has figures)."""

    name = "analytics.lifetime.computed"
    as_of: datetime.date
    outcome: str
    customers: int
    repeat_customers: int
