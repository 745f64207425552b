"""Reads of imported bank statements and their lines.

A line is seen with its customer, by whoever may see that customer's invoices. The lines waiting
for a person (unmatched, or matched only in part) and those of no customer are seen by those who
may import statements, since they are the ones to book them. Statements are seen by them too, and
by others as far as they see one of the statement's lines.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from accord.billing import matching
from accord.billing.models import BankStatement, BankStatementLine, Invoice, InvoiceKind, LineStatus
from accord.billing.models.invoices import UNPAID
from accord.billing.models.statements import QUEUED
from accord.billing.selectors.invoices import visible_invoices
from accord.billing.services.statements import may_import
from accord.core import access
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate
from accord.core.models import entity_label
from accord.people.models import Company, Contact


def visible_lines(user: Any) -> QuerySet[BankStatementLine]:
    lines = BankStatementLine.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return lines.none()
    if access.sees_all(user):
        return lines
    companies = access.scope(user, Company.objects.all()).values("pk")
    contacts = access.scope(user, Contact.objects.all()).values("pk")
    q = Q(company__in=companies) | Q(contact__in=contacts)
    if may_import(user):
        # The queue, and lines of no customer (debits, money put aside), are the importers' work.
        q |= Q(status__in=QUEUED) | Q(company__isnull=True, contact__isnull=True)
    return lines.filter(q)


def visible_statements(user: Any) -> QuerySet[BankStatement]:
    statements = BankStatement.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return statements.none()
    if access.sees_all(user) or may_import(user):
        return statements
    return statements.filter(Exists(visible_lines(user).filter(statement_id=OuterRef("pk"))))


def statement_list(user: Any, *, limit: int = 100) -> list[BankStatement]:
    return list(visible_statements(user).select_related("imported_by")[:limit])


def statement_detail(user: Any, pk: Any) -> BankStatement:
    return access.get_visible(user, visible_statements(user).select_related("imported_by"), pk=pk)


def statement_lines(user: Any, statement: BankStatement, *, status: str = "") -> QuerySet[BankStatementLine]:
    lines = visible_lines(user).filter(statement=statement)
    if status:
        lines = lines.filter(status=status)
    return lines.select_related("company", "contact", "payment").order_by("position")


def queue(user: Any, *, search: str = "", limit: int = 200) -> list[BankStatementLine]:
    """The lines waiting for a person, oldest booking first, across statements."""
    if not may_import(user):
        return []
    lines = visible_lines(user).filter(status__in=QUEUED)
    if search:
        lines = lines.filter(Q(title__icontains=search) | Q(counterparty_name__icontains=search))
    return list(lines.select_related("statement", "company", "contact").order_by("booking_date", "position")[:limit])


def line_detail(user: Any, pk: Any) -> BankStatementLine:
    qs = visible_lines(user).select_related("statement", "company", "contact", "payment")
    return access.get_visible(user, qs, pk=pk)


def payable_invoices(user: Any, *, search: str = "", currency: str = "", limit: int = 20) -> list[Invoice]:
    """Open VAT invoices a line may pay, found by number or customer, oldest due first."""
    invoices = visible_invoices(user).filter(kind=InvoiceKind.VAT, status__in=UNPAID)
    if currency:
        invoices = invoices.filter(currency=currency)
    if search:
        invoices = invoices.filter(Q(number__icontains=search) | Q(buyer_name__icontains=search))
    return list(invoices.select_related("company", "contact").order_by("due_date", "number")[:limit])


def find_invoice(user: Any, pk: Any) -> Invoice | None:
    return visible_invoices(user).filter(pk=pk).first()


STATEMENT_LIST = ListSpec[BankStatement](
    entity=entity_label(BankStatement),
    filters=[Filter("account", "account_iban"), Filter("format", "format")],
    sorts=[Sort("created", "created_at", kind="datetime")],
    default_sort="-created",
)

LINE_LIST = ListSpec[BankStatementLine](
    entity=entity_label(BankStatementLine),
    filters=[
        Filter("status", "status", kind="choice", choices=LineStatus.values),
        Filter("statement", "statement_id", kind="uuid"),
        Filter("company", "company_id", kind="uuid"),
        Filter("contact", "contact_id", kind="uuid"),
    ],
    sorts=[Sort("position", "position", kind="int"), Sort("booking_date", "booking_date", kind="date")],
    default_sort="position",
)


def statement_page(user: Any, query: ListQuery) -> Page[BankStatement]:
    return paginate(STATEMENT_LIST, query, apply(STATEMENT_LIST, query, visible_statements(user)))


def line_page(user: Any, query: ListQuery, *, statement: BankStatement | None = None) -> Page[BankStatementLine]:
    lines = visible_lines(user)
    if statement is not None:
        lines = lines.filter(statement=statement)
    return paginate(LINE_LIST, query, apply(LINE_LIST, query, lines))


def reasons_of(line: BankStatementLine) -> list[str]:
    """Why matching proposed what it did, in the reader's language."""
    found = []
    for item in line.reasons or []:
        message, params = (item[0], item[1]) if isinstance(item, list | tuple) and len(item) == 2 else (str(item), {})
        found.append(str(matching.Reason(message, tuple((params or {}).items()))))
    return found
