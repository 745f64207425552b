"""Booking many bank statement lines at once: the rows ``payments.record_payment`` and
``payments.allocate`` write for each (the payment, its allocations, the invoices' paid amount,
status and version, their audit entries and events), written in bulk.

A statement of 100,000 lines would take minutes through the services, line by line; here each
table gets one COPY (PostgreSQL) or one executemany (SQLite). The invoices paid are locked first
and what is left on them is checked again, so an invoice paid by someone else since matching is
never paid twice: that line goes to the queue instead.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
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


def _lock_invoices(invoice_ids: Iterable[Any]) -> dict[Any, dict[str, Any]]:
    """The invoices a statement pays, locked until it commits, as they are now."""
    wanted = sorted(invoice_ids)
    found: dict[Any, dict[str, Any]] = {}
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
        for row in Invoice.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values(*fields):
            found[row["id"]] = row
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


def key_source() -> Callable[[], uuid.UUID]:
    """Keys for many rows written at once: a version 7 key and the ones counting up from it. Its
    low 40 random bits are cleared first, so counting never reaches the version bits; the time,
    counter and 22 random bits left keep it apart from keys made elsewhere meanwhile."""
    base = ids.uuid7().int & ~((1 << 40) - 1)
    counter = itertools.count()
    return lambda: uuid.UUID(int=base + next(counter))


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def book(
    actor_id: Any, lines: list[tuple[statements.StatementLine, str, matching.Proposal]], now: datetime.datetime
) -> dict[str, tuple[Any, str | None]]:
    """Book the confident proposals: per line a payment from the customer, allocated as proposed,
    written as ``payments.record_payment`` and ``payments.allocate`` would write it (rows, audit
    entries, events), in bulk. Returns per line key the payment's id, or None and the reason a
    line could not be booked (its invoice changed after the proposal was made)."""
    wanted = [(line, key, p) for line, key, p in lines if bookable(p)]
    if not wanted:
        return {}
    invoices = _lock_invoices({a.invoice_id for _line, _key, p in wanted for a in p.allocations})
    left = {pk: row["gross_total"] + row["corrections_total"] - row["paid_amount"] for pk, row in invoices.items()}
    payment_rows: list[tuple[Any, ...]] = []
    allocation_rows: list[tuple[Any, ...]] = []
    audits: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    booked: dict[str, tuple[Any, str | None]] = {}
    paid_now: dict[Any, decimal.Decimal] = defaultdict(lambda: ZERO)
    allocations_of: Counter[Any] = Counter()
    payment_label, invoice_label = entity_label(Payment), entity_label(Invoice)
    actor_text = _text(actor_id)
    new_key = key_source()
    for line, key, proposal in wanted:
        currency = line.currency.upper()
        fits = all(
            (row := invoices.get(a.invoice_id)) is not None
            and row["kind"] == InvoiceKind.VAT
            and row["status"] in UNPAID
            and row["currency"] == currency
            and a.amount <= left[a.invoice_id]
            for a in proposal.allocations
        )
        if not fits:
            booked[key] = (None, gettext_noop("the invoice changed before the payment could be booked"))
            continue
        kind, customer_id = customer_of(proposal) or ("", None)
        payment_id = new_key()
        company_id = customer_id if kind == "company" else None
        contact_id = customer_id if kind == "contact" else None
        reference = line.title[:140].strip()
        allocated = proposal.allocated
        payment_rows.append(
            (
                payment_id,
                company_id,
                contact_id,
                line.amount,
                currency,
                line.booking_date,
                PaymentMethod.TRANSFER,
                reference,
                "",
                PaymentSource.BANK,
                key,
                allocated,
                actor_id,
                now,
                now,
                1 + len(proposal.allocations),
            )
        )
        booked[key] = (payment_id, None)
        state = {
            "company": _text(company_id),
            "contact": _text(contact_id),
            "amount": str(line.amount),
            "currency": currency,
            "received_on": line.booking_date.isoformat(),
            "method": str(PaymentMethod.TRANSFER),
            "reference": reference,
            "note": "",
            "source": str(PaymentSource.BANK),
            "external_id": key,
            "allocated_amount": str(allocated),
            "created_by": actor_text,
        }
        audits.append(
            (
                changes.new_entry_id(),
                now,
                actor_id,
                AuditAction.CREATE,
                payment_label,
                payment_id,
                f"{line.booking_date} {line.amount} {currency}",
                {name: [None, state[name]] for name in _PAYMENT_AUDITED},
            )
        )
        events.append((new_key(), "billing.payment.created", payment_label, payment_id, actor_id, {}, now))
        events.append(
            (
                new_key(),
                "billing.payment.recorded",
                payment_label,
                payment_id,
                actor_id,
                {"amount": str(line.amount), "currency": currency},
                now,
            )
        )
        for allocation in proposal.allocations:
            pk = allocation.invoice_id
            left[pk] -= allocation.amount
            paid_now[pk] += allocation.amount
            allocations_of[pk] += 1
            row = invoices[pk]
            status = _status(row["gross_total"] + row["corrections_total"], row["paid_amount"] + paid_now[pk])
            allocation_rows.append((new_key(), payment_id, pk, allocation.amount, now, actor_id))
            payload = {"invoice_id": str(pk), "amount": str(allocation.amount), "status": status}
            events.append((new_key(), "billing.payment.allocated", payment_label, payment_id, actor_id, payload, now))
    updates = []
    for pk, paid in paid_now.items():
        row = invoices[pk]
        new_paid = row["paid_amount"] + paid
        new_status = _status(row["gross_total"] + row["corrections_total"], new_paid)
        updates.append((pk, new_paid, new_status, row["version"] + allocations_of[pk]))
        diff = {"paid_amount": [str(row["paid_amount"]), str(new_paid)]}
        if new_status != row["status"]:
            diff["status"] = [row["status"], new_status]
        repr_ = (row["number"] or "")[:200]
        audits.append((changes.new_entry_id(), now, actor_id, AuditAction.UPDATE, invoice_label, pk, repr_, diff))
        events.append(
            (new_key(), "billing.invoice.updated", invoice_label, pk, actor_id, {"fields": sorted(diff)}, now)
        )
    bulk.insert_values(Payment, _PAYMENT_FIELDS, payment_rows)
    bulk.insert_values(PaymentAllocation, _ALLOCATION_FIELDS, allocation_rows)
    _update_invoices(updates, now)
    bulk.insert_values(AuditEntry, _AUDIT_FIELDS, audits)
    bulk.insert_values(Event, _EVENT_FIELDS, events)
    return booked


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
