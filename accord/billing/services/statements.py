"""Bank statements imported: payments booked from them, the rest queued for a person.

``import_statement`` reads a file (MT940, camt.053 or CSV), skips the bank transactions imported
before (each line's ``unique_key``), asks ``billing.matching`` what the new credits pay, and in
one transaction per statement stores the lines and books the confident proposals as payments
allocated to their invoices. Everything else waits in the unmatched queue, where
``match_line`` books a line by hand (invoices and amounts, or the customer's credit) and
``ignore_line`` puts it aside.

An import books tens of thousands of payments, so it does not call ``payments.record_payment``
and ``payments.allocate`` once per line: ``bank_bookings.book`` writes the rows those services
write in bulk, inside one audit batch per statement, after locking the invoices it pays.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import gc
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.billing import matching, statements
from accord.billing.events import StatementImported
from accord.billing.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceKind,
    LineStatus,
    Payment,
    PaymentSource,
)
from accord.billing.models.invoices import UNPAID
from accord.billing.models.statements import QUEUED
from accord.billing.services import bank_bookings, common, payments, statement_mappings
from accord.core import bulk, changes, money
from accord.core.access import AccessDenied
from accord.core.errors import check_version
from accord.core.events import emit
from accord.people.models import Company, Contact

if TYPE_CHECKING:
    from accord.identity.models import User

ZERO = decimal.Decimal(0)
_CHUNK = 5000  # keys per IN (...) query: well inside SQLite's and PostgreSQL's limits
_NO_REFERENCE = {"", "NONREF", "NOTPROVIDED", "NONE"}


@dataclasses.dataclass
class ImportResult:
    """What an import did, over every statement of the file."""

    statements: list[BankStatement]
    lines: int = 0  # new lines stored
    booked: int = 0
    queued: int = 0
    ignored: int = 0
    duplicates: int = 0  # lines imported before, from this or another file


# --- who may ------------------------------------------------------------------------------------


def may_import(user: Any) -> bool:
    """Statements are the company's bank account: administrators and managers import them and
    work the unmatched queue."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = user.role
    return bool(user.is_superuser or (role is not None and (role.is_admin or role.code == "manager")))


def require_import(actor: User | None) -> None:
    if actor is not None and not may_import(actor):
        raise AccessDenied()


# --- keys ---------------------------------------------------------------------------------------


def _key_base(account: str, line: statements.StatementLine) -> str:
    """What identifies a bank transaction: the bank's own reference when it gave one, else
    everything the line says (two identical lines on one day are told apart by their order)."""
    reference = line.bank_reference.strip()
    head = f"{account}|{line.booking_date.isoformat()}|{line.amount}|{line.currency}"
    if reference.upper() not in _NO_REFERENCE:
        return f"{head}|ref|{reference}"
    return "|".join(
        (head, "e2e", line.end_to_end_id.strip(), line.counterparty_iban, line.counterparty_name, line.title)
    )


def line_keys(statement: statements.Statement) -> list[str]:
    """The ``unique_key`` of each line of ``statement``, in order."""
    account = statement.account_iban or ""
    seen: Counter[str] = Counter()
    keys = []
    for line in statement.lines:
        base = _key_base(account, line)
        occurrence = seen[base]
        seen[base] += 1
        digest = hashlib.sha256(f"{base}|{occurrence}".encode()).hexdigest()[:40]
        keys.append(f"bank:{digest}")
    return keys


def _already_imported(keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        found.update(BankStatementLine.objects.filter(unique_key__in=chunk).values_list("unique_key", flat=True))
    return found


# --- open items -----------------------------------------------------------------------------------


def open_items() -> list[matching.OpenItem]:
    """Every issued VAT invoice with money left to pay, with its customer's names and the
    accounts that customer paid from before (booked statement lines)."""
    unpaid = Invoice.objects.filter(kind=InvoiceKind.VAT, status__in=UNPAID)
    names: dict[bank_bookings.Customer, tuple[str, ...]] = {}
    for pk, name in Company.objects.filter(pk__in=unpaid.values("company_id")).values_list("pk", "name"):
        names[("company", pk)] = (name,)
    people = Contact.objects.filter(pk__in=unpaid.values("contact_id")).values_list("pk", "first_name", "last_name")
    for pk, first, last in people:
        names[("contact", pk)] = (" ".join(p for p in (first, last) if p),)
    accounts: dict[bank_bookings.Customer, set[str]] = defaultdict(set)
    paid_from = (
        BankStatementLine.objects.filter(status=LineStatus.BOOKED)
        .exclude(counterparty_iban="")
        .values_list("company_id", "contact_id", "counterparty_iban")
        .distinct()
    )
    for company_id, contact_id, iban in paid_from:
        if company_id is not None:
            accounts[("company", company_id)].add(iban)
        elif contact_id is not None:
            accounts[("contact", contact_id)].add(iban)
    ibans = {customer: tuple(sorted(found)) for customer, found in accounts.items()}
    items = []
    rows = unpaid.values_list(
        "pk",
        "number",
        "company_id",
        "contact_id",
        "gross_total",
        "corrections_total",
        "paid_amount",
        "currency",
        "due_date",
        "issue_date",
    )
    for pk, number, company_id, contact_id, gross, corrections, paid, currency, due, issued in rows.iterator(
        chunk_size=10000
    ):
        outstanding = gross + corrections - paid
        if outstanding <= 0:
            continue
        customer: bank_bookings.Customer = (
            ("company", company_id) if company_id is not None else ("contact", contact_id)
        )
        items.append(
            matching.OpenItem(
                invoice_id=pk,
                number=number,
                customer_id=customer,
                outstanding=outstanding,
                currency=currency,
                due_date=due or issued or datetime.date.max,
                customer_names=names.get(customer, ()),
                customer_ibans=ibans.get(customer, ()),
            )
        )
    return items


# --- the import ---------------------------------------------------------------------------------


def file_error(file_name: str, exc: statements.StatementError) -> ValidationError:
    """A statement file's problem as a form error naming the file and the place in it."""
    where = f"{exc.where}: " if exc.where else ""
    return ValidationError({"file": [f"{file_name}: {where}{exc.message}" if file_name else f"{where}{exc.message}"]})


def needs_mapping(content: bytes) -> bool:
    """Whether the file is a CSV export whose columns nobody mapped yet (its shape is new)."""
    try:
        kind = statements.detect(content)
    except statements.StatementError:
        return False  # the import says what is wrong with it
    return kind == "csv" and statement_mappings.remembered(content) is None


def import_statement(
    *,
    actor: User | None,
    content: bytes,
    file_name: str,
    csv_mapping: statements.CsvMapping | None = None,
    mapping: Mapping[str, Any] | None = None,
) -> ImportResult:
    """Import a bank statement file: store its new lines, book what matching is sure of, queue
    the rest. A file that cannot be read stores nothing (``ValidationError`` on ``file`` saying
    where, a row's error naming its line); a line imported before, from this or another file, is
    skipped. ``mapping`` is the user's column mapping of a CSV file (see statement_mappings; its
    errors are keyed ``mapping.<field>``), remembered for files of the same shape once the file
    is imported; a CSV file without one is read through the mapping remembered for its headers,
    else the built-in header names."""
    require_import(actor)
    chosen = statement_mappings.clean_mapping(mapping) if mapping is not None else None
    if chosen is not None or csv_mapping is None:
        try:
            kind = statements.detect(content)
        except statements.StatementError as exc:
            raise file_error(file_name, exc) from exc
        if chosen is not None and kind != "csv":
            raise ValidationError(
                {"mapping": [_("A column mapping is for CSV files; this file is %(format)s.") % {"format": kind}]}
            )
        if chosen is None and kind == "csv":
            chosen = statement_mappings.remembered(content)
    # A large file makes millions of small objects that all live to the end; the collector's full
    # passes would walk them again and again (a third of the time at 100,000 lines).
    collecting = gc.isenabled()
    gc.disable()
    try:
        result = _import(
            actor,
            content,
            file_name,
            chosen.csv if chosen is not None else csv_mapping,
            chosen.account if chosen is not None else "",
        )
    finally:
        if collecting:
            gc.enable()
    if chosen is not None and mapping is not None:
        statement_mappings.remember(actor=actor, content=content, chosen=chosen)
    return result


def _import(
    actor: User | None, content: bytes, file_name: str, csv_mapping: statements.CsvMapping | None, account: str
) -> ImportResult:
    file_name = (file_name or "")[:255]
    try:
        parsed = statements.parse(content, csv_mapping=csv_mapping, account_iban=account)
    except statements.MappingError as exc:
        raise statement_mappings.mapping_error(exc) from exc
    except statements.StatementError as exc:
        raise file_error(file_name, exc) from exc
    for statement in parsed:
        for position, line in enumerate(statement.lines, start=1):
            if not money.fits(line.amount):
                raise ValidationError(
                    {
                        "file": [
                            _("%(file)s: line %(n)s: %(message)s")
                            % {"file": file_name, "n": position, "message": money.too_large_message()}
                        ]
                    }
                )
    keyed = [(statement, line_keys(statement)) for statement in parsed]
    existing = _already_imported([key for _statement, keys in keyed for key in keys])
    # What each statement brings that no earlier import (nor an earlier statement of this file) did.
    fresh: list[tuple[statements.Statement, list[tuple[int, statements.StatementLine, str]], int]] = []
    for statement, keys in keyed:
        new = []
        for position, (line, key) in enumerate(zip(statement.lines, keys, strict=True), start=1):
            if key not in existing:
                existing.add(key)
                new.append((position, line, key))
        fresh.append((statement, new, len(keys) - len(new)))
    every_line = [line for _statement, new, _dup in fresh for _position, line, _key in new]
    proposals = matching.match(every_line, open_items()) if every_line else []
    result = ImportResult(statements=[])
    offset = 0
    for statement, new, duplicates in fresh:
        result.duplicates += duplicates
        if not new and statement.lines:
            continue  # every line was imported before: nothing to store
        mine = proposals[offset : offset + len(new)]
        offset += len(new)
        try:
            with changes.audit_batch() as batch:  # one per statement: its event names its entries
                stored = _store(actor, statement, new, mine, duplicates, file_name, batch.key)
        except IntegrityError as exc:
            # Another import of the same transactions committed first; its lines stand.
            raise ValidationError(
                {
                    "file": [
                        _("%(file)s is being imported by someone else. Try again in a moment.") % {"file": file_name}
                    ]
                }
            ) from exc
        result.statements.append(stored)
        result.lines += stored.lines_count
        result.booked += stored.booked_count
        result.queued += stored.queued_count
        result.ignored += stored.ignored_count
    return result


def _reasons(proposal: matching.Proposal) -> list[list[Any]]:
    return [[reason.message, dict(reason.params)] for reason in proposal.why]


def _suggestion(proposal: matching.Proposal) -> dict[str, Any]:
    if not proposal.allocations:
        return {}
    return {
        "allocations": [
            {"invoice_id": str(a.invoice_id), "number": a.invoice_number, "amount": str(a.amount)}
            for a in proposal.allocations
        ]
    }


_LINE_FIELDS = (
    "id",
    "statement",
    "position",
    "booking_date",
    "value_date",
    "amount",
    "currency",
    "counterparty_name",
    "counterparty_iban",
    "counterparty_address",
    "title",
    "bank_reference",
    "end_to_end_id",
    "unique_key",
    "status",
    "confidence",
    "reasons",
    "suggestion",
    "payment",
    "company",
    "contact",
)


@transaction.atomic
def _store(
    actor: User | None,
    statement: statements.Statement,
    new: list[tuple[int, statements.StatementLine, str]],
    proposals: list[matching.Proposal],
    duplicates: int,
    file_name: str,
    batch_key: str,
) -> BankStatement:
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.pk else None
    if connection.vendor == "postgresql":
        # Foreign keys are checked at the end of each statement (a table at a time) rather than
        # all at once at commit, so the queue of pending checks never holds a whole file's rows.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    booked = bank_bookings.book(
        actor_id, [(line, key, p) for (_pos, line, key), p in zip(new, proposals, strict=True)], now
    )
    statuses = [_status(key, proposal, booked) for (_pos, _line, key), proposal in zip(new, proposals, strict=True)]
    counts = Counter(statuses)
    record = BankStatement.objects.create(
        account_iban=statement.account_iban[:34],
        format=statement.format,
        file_name=file_name,
        reference=statement.reference[:100],
        period_start=statement.opening_date or min((line.booking_date for _p, line, _k in new), default=None),
        period_end=statement.closing_date or max((line.booking_date for _p, line, _k in new), default=None),
        opening_balance=statement.opening_balance,
        closing_balance=statement.closing_balance,
        currency=statement.currency or (new[0][1].currency if new else ""),
        imported_by_id=actor_id,
        lines_count=len(new),
        booked_count=counts[LineStatus.BOOKED],
        queued_count=counts[LineStatus.SUGGESTED] + counts[LineStatus.UNMATCHED],
        ignored_count=counts[LineStatus.IGNORED],
        duplicate_count=duplicates,
    )
    bulk.insert_values(BankStatementLine, _LINE_FIELDS, _line_rows(record.pk.hex, new, proposals, statuses, booked))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    changes.record_create(actor=actor, obj=record)
    emit(
        StatementImported(
            lines=record.lines_count,
            booked=record.booked_count,
            queued=record.queued_count,
            ignored=record.ignored_count,
            duplicates=duplicates,
            audit_batch=batch_key,
        ),
        obj=record,
        actor=actor,
    )
    return record


def _status(key: str, proposal: matching.Proposal, booked: dict[str, tuple[Any, str | None]]) -> str:
    """A new line's status once the confident proposals are booked."""
    if booked.get(key, (None, None))[0] is not None:
        return LineStatus.BOOKED
    if proposal.status == matching.SKIPPED:
        return LineStatus.IGNORED
    if proposal.allocations or bank_bookings.customer_of(proposal) is not None:
        return LineStatus.SUGGESTED
    return LineStatus.UNMATCHED


def _line_rows(
    statement_id: Any,
    new: list[tuple[int, statements.StatementLine, str]],
    proposals: list[matching.Proposal],
    statuses: list[str],
    booked: dict[str, tuple[Any, str | None]],
) -> Iterator[tuple[Any, ...]]:
    """The rows of a statement's new lines, made as they are written."""
    new_key = bank_bookings.key_source()
    for (position, line, key), proposal, status in zip(new, proposals, statuses, strict=True):
        payment_id, why = booked.get(key, (None, None))
        customer = bank_bookings.customer_of(proposal)
        reasons = _reasons(proposal) + ([[why, {}]] if why else [])
        yield (
            new_key(),
            statement_id,
            position,
            line.booking_date,
            line.value_date,
            line.amount,
            line.currency.upper()[:3],
            line.counterparty_name[:200],
            line.counterparty_iban[:40],
            line.counterparty_address[:300],
            line.title[:500],
            line.bank_reference[:100],
            line.end_to_end_id[:100],
            key,
            status,
            proposal.confidence,
            reasons,
            _suggestion(proposal) if status != LineStatus.IGNORED else {},
            payment_id,
            customer[1] if customer and customer[0] == "company" else None,
            customer[1] if customer and customer[0] == "contact" else None,
        )


# --- by hand ------------------------------------------------------------------------------------


def _lock_line(actor: User | None, line: BankStatementLine, expected_version: int | None) -> BankStatementLine:
    require_import(actor)
    locked = BankStatementLine.objects.select_for_update().get(pk=line.pk)
    check_version(locked, expected_version)
    if locked.status == LineStatus.BOOKED:
        raise ValidationError({"line": [_("This line is booked already.")]})
    return locked


def _recount(statement_id: Any) -> None:
    counts = BankStatementLine.objects.filter(statement_id=statement_id).aggregate(
        booked=Count("pk", filter=Q(status=LineStatus.BOOKED)),
        queued=Count("pk", filter=Q(status__in=QUEUED)),
        ignored=Count("pk", filter=Q(status=LineStatus.IGNORED)),
    )
    BankStatement.objects.filter(pk=statement_id).update(
        booked_count=counts["booked"], queued_count=counts["queued"], ignored_count=counts["ignored"]
    )


def _save_line(actor: User | None, line: BankStatementLine, before: changes.Snapshot) -> None:
    line.handled_by = actor if getattr(actor, "pk", None) else None
    line.handled_at = timezone.now()
    line.version += 1
    line.save()
    changes.record_update(actor=actor, obj=line, before=before)
    _recount(line.statement_id)


@transaction.atomic
def match_line(
    *,
    actor: User | None,
    line: BankStatementLine,
    invoices: Sequence[tuple[Invoice, Any]] = (),
    company: Company | None = None,
    contact: Contact | None = None,
    expected_version: int | None = None,
) -> Payment:
    """Book a line by hand: a payment from the customer (``company`` or ``contact``, else the
    first invoice's) for the line's whole amount, paying each of ``invoices`` its amount (None:
    as much as is left); what they do not take stays the customer's credit. A booked line and a
    debit are refused."""
    locked = _lock_line(actor, line, expected_version)
    errors: dict[str, list[str]] = {}
    if locked.amount <= 0:
        errors["line"] = [_("Only money received can be booked as a payment.")]
    if not invoices and company is None and contact is None:
        errors["invoices"] = [_("Choose an invoice, or the customer whose credit the money becomes.")]
    given: list[tuple[Invoice, decimal.Decimal | None]] = []
    total = ZERO
    for i, (invoice, amount) in enumerate(invoices):
        if amount in (None, ""):
            given.append((invoice, None))
            continue
        value = payments.clean_amount(amount, errors, f"invoices.{i}.amount")
        if value is not None:
            total += value
            given.append((invoice, value))
    if total > locked.amount and "line" not in errors:
        errors["invoices"] = [
            _("The line brought only %(amount)s.") % {"amount": money.format_money(locked.amount, locked.currency)}
        ]
    if company is None and contact is None and invoices:
        company, contact = invoices[0][0].company, invoices[0][0].contact
    common.check_parties(actor, company, contact, errors)
    if errors:
        raise ValidationError(errors)
    before = changes.snapshot(locked)
    payment = payments.record_payment(
        actor=actor,
        amount=locked.amount,
        currency=locked.currency,
        received_on=locked.booking_date,
        reference=locked.title[:140],
        company=company,
        contact=contact,
        source=PaymentSource.BANK,
        external_id=locked.unique_key,
    )
    for invoice, value in given:
        payments.allocate(actor=actor, payment=payment, invoice=invoice, amount=value)
        payment.refresh_from_db()
    locked.status = LineStatus.BOOKED
    locked.payment = payment
    locked.company, locked.contact = company, contact if company is None else None
    _save_line(actor, locked, before)
    return payment


@transaction.atomic
def ignore_line(
    *, actor: User | None, line: BankStatementLine, expected_version: int | None = None
) -> BankStatementLine:
    """Put a line aside (a refund, a transfer between own accounts): it leaves the queue and
    books nothing. A booked line is refused."""
    locked = _lock_line(actor, line, expected_version)
    before = changes.snapshot(locked)
    locked.status = LineStatus.IGNORED
    _save_line(actor, locked, before)
    return locked
