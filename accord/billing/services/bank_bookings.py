"""Booking many bank statement lines at once: the rows ``payments.record_payment`` and
``payments.allocate`` write for each (the payment, its allocations, the invoices' paid amount,
status and version, their audit entries and events), written in bulk.

A statement of 100,000 lines would take minutes through the services, line by line; here each
table gets one COPY (PostgreSQL) or one executemany (SQLite). The invoices paid are locked first
and what is left on them is checked again, so an invoice paid by someone else since matching is
never paid twice: that line goes to the queue instead.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import itertools
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_noop

from accord.billing import matching, statements
from accord.billing.models import (
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentSource,
)
from accord.billing.models.invoices import UNPAID
from accord.core import bulk, changes, ids
from accord.core.models import AuditAction, AuditEntry, Event, entity_label

ZERO = decimal.Decimal(0)
# Proposals at least this sure are booked unasked (a number in the title, or the customer's own
# account with one invoice of that amount); the rest wait for a person.
AUTO_BOOK_CONFIDENCE = 85
_CHUNK = 5000  # keys per IN (...) query: well inside SQLite's and PostgreSQL's limits

Customer = tuple[str, Any]  # ("company", id) or ("contact", id)


def customer_of(proposal: matching.Proposal) -> Customer | None:
    customer = proposal.customer_id
    return customer if isinstance(customer, tuple) else None


def bookable(proposal: matching.Proposal) -> bool:
    threshold = getattr(settings, "ACCORD_BANK_AUTOBOOK_CONFIDENCE", AUTO_BOOK_CONFIDENCE)
    return (
        proposal.status in (matching.MATCHED, matching.PARTIAL, matching.OVERPAID)
        and proposal.confidence >= threshold
        and bool(proposal.allocations)
        and customer_of(proposal) is not None
    )


@dataclasses.dataclass(slots=True)
class _Paid:
    """An invoice a statement pays: as it was when locked, and what this statement pays of it."""

    number: str
    kind: str
    status: str
    currency: str
    due: decimal.Decimal  # the gross total with corrections
    paid: decimal.Decimal
    version: int
    left: decimal.Decimal = ZERO  # what it still owes, as this statement's lines are booked
    paid_now: decimal.Decimal = ZERO
    allocations: int = 0

    def __post_init__(self) -> None:
        self.left = self.due - self.paid

    @property
    def new_paid(self) -> decimal.Decimal:
        return self.paid + self.paid_now

    @property
    def new_status(self) -> str:
        return _status(self.due, self.paid + self.paid_now)


def _lock_invoices(invoice_ids: Iterable[Any]) -> dict[Any, _Paid]:
    """The invoices a statement pays, locked until it commits, as they are now."""
    wanted = sorted(invoice_ids)
    found: dict[Any, _Paid] = {}
    fields = (
        "id",
        "number",
        "kind",
        "status",
        "currency",
        "gross_total",
        "corrections_total",
        "paid_amount",
        "version",
    )
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = Invoice.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list(*fields)
        for pk, number, kind, status, currency, gross, corrections, paid, version in rows:
            found[pk] = _Paid(number or "", kind, status, currency, gross + corrections, paid, version)
    return found


_PAYMENT_FIELDS = (
    "id",
    "company",
    "contact",
    "amount",
    "currency",
    "received_on",
    "method",
    "reference",
    "note",
    "source",
    "external_id",
    "allocated_amount",
    "created_by",
    "created_at",
    "updated_at",
    "version",
)
# What a payment's audit entry holds (``changes.snapshot``: every field but the bookkeeping).
_PAYMENT_AUDITED = [f.name for f in Payment._meta.concrete_fields if f.name not in Payment.audit_exclude]
_ALLOCATION_FIELDS = ("id", "payment", "invoice", "amount", "created_at", "created_by")
_AUDIT_FIELDS = ("id", "at", "actor", "action", "entity", "object_id", "object_repr", "changes")
_EVENT_FIELDS = ("id", "name", "entity", "object_id", "actor", "payload", "created_at")


def key_source() -> Callable[[], str]:
    """Keys for many rows written at once (as 32 hex digits, which ``bulk.insert_values`` takes
    for a UUID): a version 7 key and the ones counting up from it. Its low 40 random bits are
    cleared first, so counting never reaches the version bits; the time, counter and 22 random
    bits left keep it apart from keys made elsewhere meanwhile."""
    base = ids.uuid7().int & ~((1 << 40) - 1)
    counter = itertools.count(base)
    return lambda: f"{next(counter):032x}"


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _json(text: str | None) -> str:
    return "null" if text is None else json.dumps(text)


@dataclasses.dataclass(frozen=True, slots=True)
class _Booking:
    """A line to book: its payment's key and customer, and the invoices it pays (each with the
    invoice's status after it)."""

    line: statements.StatementLine
    key: str
    payment_id: str  # hex digits (key_source)
    company_id: Any
    contact_id: Any
    currency: str
    allocated: decimal.Decimal
    allocations: list[tuple[Any, decimal.Decimal, str]]


def book(
    actor_id: Any, lines: list[tuple[statements.StatementLine, str, matching.Proposal]], now: datetime.datetime
) -> dict[str, tuple[Any, str | None]]:
    """Book the confident proposals: per line a payment from the customer, allocated as proposed,
    written as ``payments.record_payment`` and ``payments.allocate`` would write it (rows, audit
    entries, events), in bulk. Returns per line key the payment's id, or None and the reason a
    line could not be booked (its invoice changed after the proposal was made).

    What is booked is decided first; each table's rows are then made as they are sent, so the
    database stores one batch while the next is being made."""
    wanted = [(line, key, p) for line, key, p in lines if bookable(p)]
    if not wanted:
        return {}
    invoices = _lock_invoices({a.invoice_id for _line, _key, p in wanted for a in p.allocations})
    new_key = key_source()
    bookings, booked = _plan(wanted, invoices, new_key)
    actor = actor_id.hex if isinstance(actor_id, uuid.UUID) else actor_id  # on every row: converted once
    bulk.insert_values(Payment, _PAYMENT_FIELDS, _payment_rows(bookings, actor, now))
    bulk.insert_values(
        PaymentAllocation,
        _ALLOCATION_FIELDS,
        (
            (new_key(), booking.payment_id, pk, amount, now, actor)
            for booking in bookings
            for pk, amount, _after in booking.allocations
        ),
    )
    paid = {pk: invoice for pk, invoice in invoices.items() if invoice.allocations}
    _update_invoices([(pk, i.new_paid, i.new_status, i.version + i.allocations) for pk, i in paid.items()], now)
    bulk.insert_values(AuditEntry, _AUDIT_FIELDS, _audit_rows(bookings, paid, actor_id, now))
    bulk.insert_values(Event, _EVENT_FIELDS, _event_rows(bookings, paid, actor, now, new_key))
    return booked


def _plan(
    wanted: list[tuple[statements.StatementLine, str, matching.Proposal]],
    invoices: dict[Any, _Paid],
    new_key: Callable[[], str],
) -> tuple[list[_Booking], dict[str, tuple[Any, str | None]]]:
    """Which lines are booked (in order: an invoice is not paid past what it owes), and what each
    invoice is paid."""
    bookings: list[_Booking] = []
    booked: dict[str, tuple[Any, str | None]] = {}
    changed = gettext_noop("the invoice changed before the payment could be booked")
    for line, key, proposal in wanted:
        currency = line.currency.upper()
        paying = []
        for allocation in proposal.allocations:
            invoice = invoices.get(allocation.invoice_id)
            if (
                invoice is None
                or invoice.kind != InvoiceKind.VAT
                or invoice.status not in UNPAID
                or invoice.currency != currency
                or allocation.amount > invoice.left
            ):
                booked[key] = (None, changed)
                break
            paying.append((invoice, allocation))
        else:
            allocations = []
            for invoice, allocation in paying:
                invoice.left -= allocation.amount
                invoice.paid_now += allocation.amount
                invoice.allocations += 1
                allocations.append((allocation.invoice_id, allocation.amount, invoice.new_status))
            kind, customer_id = customer_of(proposal) or ("", None)
            booking = _Booking(
                line=line,
                key=key,
                payment_id=new_key(),
                company_id=customer_id if kind == "company" else None,
                contact_id=customer_id if kind == "contact" else None,
                currency=currency,
                allocated=proposal.allocated,
                allocations=allocations,
            )
            bookings.append(booking)
            booked[key] = (booking.payment_id, None)
    return bookings, booked


def _payment_rows(bookings: list[_Booking], actor_id: Any, now: datetime.datetime) -> Iterator[tuple[Any, ...]]:
    transfer, bank = PaymentMethod.TRANSFER, PaymentSource.BANK
    for b in bookings:
        line = b.line
        yield (
            b.payment_id,
            b.company_id,
            b.contact_id,
            line.amount,
            b.currency,
            line.booking_date,
            transfer,
            line.title[:140].strip(),
            "",
            bank,
            b.key,
            b.allocated,
            actor_id,
            now,
            now,
            1 + len(b.allocations),
        )


# The JSON of the audit entries and events of a booking, written from these templates rather than
# by a generic encoder: tens of thousands of rows of the same few shapes.
_PAYMENT_CREATED = "{" + ", ".join(f'"{name}": [null, %s]' for name in _PAYMENT_AUDITED) + "}"
_RECORDED = '{"amount": "%s", "currency": %s}'
_ALLOCATED = '{"invoice_id": "%s", "amount": "%s", "status": "%s"}'
_PAID_CHANGED = '{"paid_amount": ["%s", "%s"]}'
_PAID_AND_STATUS_CHANGED = '{"paid_amount": ["%s", "%s"], "status": ["%s", "%s"]}'
_FIELDS_PAID = bulk.JsonText('{"fields": ["paid_amount"]}')
_FIELDS_PAID_AND_STATUS = bulk.JsonText('{"fields": ["paid_amount", "status"]}')


def _audit_rows(
    bookings: list[_Booking], paid: dict[Any, _Paid], actor_id: Any, now: datetime.datetime
) -> Iterator[tuple[Any, ...]]:
    """What ``changes.record_create`` writes for each payment (its state as created) and
    ``changes.record_update`` for each invoice paid (its paid amount and status)."""
    payment_label, invoice_label = entity_label(Payment), entity_label(Invoice)
    entry_keys = iter(changes.new_entry_keys(len(bookings) + len(paid)))
    constant = {
        "method": _json(PaymentMethod.TRANSFER),
        "note": '""',
        "source": _json(PaymentSource.BANK),
        "created_by": _json(_text(actor_id)),
    }
    actor = actor_id.hex if isinstance(actor_id, uuid.UUID) else actor_id
    for b in bookings:
        line = b.line
        amount = str(line.amount)
        state = {
            **constant,
            "company": _json(_text(b.company_id)),
            "contact": _json(_text(b.contact_id)),
            "amount": _json(amount),
            "currency": _json(b.currency),
            "received_on": _json(line.booking_date.isoformat()),
            "reference": _json(line.title[:140].strip()),
            "external_id": _json(b.key),
            "allocated_amount": _json(str(b.allocated)),
        }
        yield (
            next(entry_keys),
            now,
            actor,
            AuditAction.CREATE,
            payment_label,
            b.payment_id,
            f"{line.booking_date} {amount} {b.currency}",
            bulk.JsonText(_PAYMENT_CREATED % tuple(state[name] for name in _PAYMENT_AUDITED)),
        )
    for pk, invoice in paid.items():
        if invoice.new_status != invoice.status:
            diff = _PAID_AND_STATUS_CHANGED % (invoice.paid, invoice.new_paid, invoice.status, invoice.new_status)
        else:
            diff = _PAID_CHANGED % (invoice.paid, invoice.new_paid)
        yield (
            next(entry_keys),
            now,
            actor,
            AuditAction.UPDATE,
            invoice_label,
            pk,
            invoice.number[:200],
            bulk.JsonText(diff),
        )


def _event_rows(
    bookings: list[_Booking],
    paid: dict[Any, _Paid],
    actor_id: Any,
    now: datetime.datetime,
    new_key: Callable[[], str],
) -> Iterator[tuple[Any, ...]]:
    """The events the payment services emit: each payment created, recorded and allocated, each
    invoice paid updated."""
    payment_label, invoice_label = entity_label(Payment), entity_label(Invoice)
    for b in bookings:
        payment_id = b.payment_id
        yield (new_key(), "billing.payment.created", payment_label, payment_id, actor_id, {}, now)
        payload = bulk.JsonText(_RECORDED % (b.line.amount, _json(b.currency)))
        yield (new_key(), "billing.payment.recorded", payment_label, payment_id, actor_id, payload, now)
        for pk, amount, status in b.allocations:
            payload = bulk.JsonText(_ALLOCATED % (pk, amount, status))
            yield (new_key(), "billing.payment.allocated", payment_label, payment_id, actor_id, payload, now)
    for pk, invoice in paid.items():
        fields = _FIELDS_PAID_AND_STATUS if invoice.new_status != invoice.status else _FIELDS_PAID
        yield (new_key(), "billing.invoice.updated", invoice_label, pk, actor_id, fields, now)


def _status(due: decimal.Decimal, paid: decimal.Decimal) -> str:
    """An issued VAT invoice's status from what is due and paid (as ``invoices.settle``)."""
    if paid >= due:
        return InvoiceStatus.PAID
    return InvoiceStatus.PARTIALLY_PAID if paid > 0 else InvoiceStatus.ISSUED


def _update_invoices(updates: list[tuple[Any, decimal.Decimal, str, int]], now: datetime.datetime) -> None:
    """Set the paid amount, status and version of many invoices (rows already locked)."""
    table = Invoice._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The new values go in through COPY into a temporary table, then one UPDATE joins it.
            cursor.execute(
                "CREATE TEMPORARY TABLE bank_paid (id uuid, paid numeric, status varchar(15), version integer) "
                "ON COMMIT DROP"
            )
            with cursor.cursor.copy("COPY bank_paid (id, paid, status, version) FROM STDIN") as copy:
                for row in updates:
                    copy.write_row(row)
            cursor.execute(
                f"UPDATE {table} AS i SET paid_amount = v.paid, status = v.status, version = v.version, "  # noqa: S608
                "updated_at = %s FROM bank_paid AS v WHERE i.id = v.id",
                [now],
            )
            cursor.execute("DROP TABLE bank_paid")
        else:
            ops = connection.ops
            when = ops.adapt_datetimefield_value(now)
            key = Invoice._meta.pk
            assert key is not None
            cursor.executemany(
                f"UPDATE {table} SET paid_amount = %s, status = %s, version = %s, updated_at = %s WHERE id = %s",  # noqa: S608
                [
                    (
                        ops.adapt_decimalfield_value(paid, 14, 2),
                        status,
                        version,
                        when,
                        key.get_db_prep_value(pk, connection),
                    )
                    for pk, paid, status, version in updates
                ],
            )
