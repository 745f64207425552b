"""Reads of imported bank statements and their lines.

A line is seen with its customer, by whoever may see that customer's invoices. The lines waiting
for a person (unmatched, or matched only in part) are seen by those who may import statements,
since they are the ones to book them; statements themselves by them too, and by others only as
far as they see one of the statement's lines.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from accord.billing.models import BankStatement, BankStatementLine, Invoice, InvoiceKind
from accord.billing.models.invoices import UNPAID
from accord.billing.models.statements import QUEUED
from accord.billing.selectors.invoices import visible_invoices
from accord.billing.services.statements import may_import
from accord.core import access
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
        q |= Q(status__in=QUEUED)
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
