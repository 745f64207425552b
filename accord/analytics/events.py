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
