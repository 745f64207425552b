"""The payloads of billing's own events (its records' created and updated events are the core's
families, core/event_types.py)."""

from __future__ import annotations

import decimal
import uuid

from accord.core.events import EventPayload


class OrderFromQuote(EventPayload):
    """An order (the event's object) was made from the accepted quote ``quote_id``."""

    name = "billing.order.from_quote"
    quote_id: uuid.UUID
    number: str


class InvoiceIssued(EventPayload):
    """An invoice (the event's object) was issued under ``number``."""

    name = "billing.invoice.issued"
    number: str
    kind: str
    currency: str
    gross_total: decimal.Decimal
    corrects_id: uuid.UUID | None = None


class PaymentRecorded(EventPayload):
    """A payment (the event's object) was received."""

    name = "billing.payment.recorded"
    amount: decimal.Decimal
    currency: str


class PaymentAllocated(EventPayload):
    """Part of a payment (the event's object) paid the invoice ``invoice_id``, now ``status``."""

    name = "billing.payment.allocated"
    invoice_id: uuid.UUID
    amount: decimal.Decimal
    status: str


class StatementImported(EventPayload):
    """A bank statement (the event's object) was imported: its new lines, how many were booked as
    payments, left for a person to match, ignored, or already imported from an earlier file. The
    payments and allocations it wrote are the audit batch ``audit_batch``."""

    name = "billing.bank_statement.imported"
    lines: int
    booked: int
    queued: int
    ignored: int
    duplicates: int
    audit_batch: str | None = None
