"""The payloads of sales' own events (its records' created, updated... events are the core's
families, core/event_types.py)."""

from __future__ import annotations

import decimal
import uuid

from accord.core.events import EventPayload


class StageChanged(EventPayload):
    """A deal (the event's object) entered a stage; ``change_id`` is its ``DealStageChange``
    (the earliest events may lack it: the event itself then stands for the change)."""

    name = "sales.deal.stage_changed"
    change_id: uuid.UUID | None = None
    from_stage_id: uuid.UUID | None
    to_stage_id: uuid.UUID


class LeadConverted(EventPayload):
    """A lead (the event's object) became the contact, company and deal named (each optional)."""

    name = "sales.lead.converted"
    contact_id: uuid.UUID | None
    company_id: uuid.UUID | None
    deal_id: uuid.UUID | None


class QuoteEvent(EventPayload):
    """Something happened to a quote (the event's object) of the deal ``deal_id``."""

    deal_id: uuid.UUID
    number: str


class QuoteIssued(QuoteEvent):
    name = "sales.quote.issued"


class QuoteRevised(QuoteEvent):
    name = "sales.quote.revised"


class QuoteDeclined(QuoteEvent):
    name = "sales.quote.declined"


class QuoteAccepted(QuoteEvent):
    name = "sales.quote.accepted"
    net_total: decimal.Decimal


class QuoteSent(EventPayload):
    """A quote (the event's object) was e-mailed to ``to``."""

    name = "sales.quote.sent"
    deal_id: uuid.UUID
    to: str
