"""What customers owe: the balance per customer, the aging of unpaid invoices and DSO, over the
invoices and payments the user may see. Amounts stay in their currency (a balance per customer
and currency); DSO is in the base currency, through each invoice's own exchange rate."""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.billing.models import InvoiceKind, InvoiceStatus
from accord.billing.models.invoices import UNPAID
from accord.billing.selectors.invoices import visible_invoices
from accord.billing.selectors.payments import visible_payments

ZERO = decimal.Decimal(0)
MONEY = DecimalField(max_digits=16, decimal_places=2)
OUTSTANDING = ExpressionWrapper(F("gross_total") + F("corrections_total") - F("paid_amount"), output_field=MONEY)
# (key, label, first day overdue, last day overdue); None: open-ended.
BUCKETS: list[tuple[str, Any, int | None, int | None]] = [
    ("not_due", _("Not due"), None, 0),
    ("d1_30", _("1–30 days"), 1, 30),
    ("d31_60", _("31–60 days"), 31, 60),
    ("d61_90", _("61–90 days"), 61, 90),
    ("d90_plus", _("Over 90 days"), 91, None),
]


@dataclass
class CustomerBalance:
    company_id: Any
    contact_id: Any
    name: str
    currency: str
    invoiced: decimal.Decimal = ZERO  # what the customer's invoices still owe
    credit: decimal.Decimal = ZERO  # payments no invoice took

    @property
    def balance(self) -> decimal.Decimal:
        """What the customer owes (negative: what we owe them)."""
        return self.invoiced - self.credit


@dataclass
class Aging:
    currency: str
    buckets: dict[str, decimal.Decimal] = field(default_factory=dict)

    @property
    def total(self) -> decimal.Decimal:
        return sum(self.buckets.values(), ZERO)


def _open(user: Any) -> Any:
    return visible_invoices(user).filter(kind=InvoiceKind.VAT).exclude(status=InvoiceStatus.DRAFT)


def balances(user: Any, *, company: Any = None, contact: Any = None) -> list[CustomerBalance]:
    """Per customer and currency: what their issued invoices still owe, their unallocated payments,
    and the balance; the largest balances first."""
    invoices = _open(user)
    payments = visible_payments(user).filter(amount__gt=F("allocated_amount"))
    if company is not None:
        invoices, payments = invoices.filter(company=company), payments.filter(company=company)
    if contact is not None:
        invoices, payments = invoices.filter(contact=contact), payments.filter(contact=contact)
    rows: dict[tuple[Any, Any, str], CustomerBalance] = {}
    for row in (
        invoices.values("company_id", "contact_id", "currency")
        .annotate(owed=Sum(OUTSTANDING), name=Coalesce("company__name", "buyer_name"))
        .order_by()
    ):
        key = (row["company_id"], row["contact_id"] if row["company_id"] is None else None, row["currency"])
        entry = rows.setdefault(key, CustomerBalance(key[0], key[1], row["name"] or "", row["currency"]))
        entry.invoiced += row["owed"] or ZERO
    for row in (
        payments.values("company_id", "contact_id", "currency", "company__name")
        .annotate(left=Sum(F("amount") - F("allocated_amount"), output_field=MONEY))
        .order_by()
    ):
        key = (row["company_id"], row["contact_id"] if row["company_id"] is None else None, row["currency"])
        entry = rows.setdefault(key, CustomerBalance(key[0], key[1], row["company__name"] or "", row["currency"]))
        entry.credit += row["left"] or ZERO
    return sorted(rows.values(), key=lambda b: (-b.balance, b.name))


def aging(user: Any, *, today: datetime.date | None = None, company: Any = None) -> list[Aging]:
    """What unpaid invoices still owe by how long past their due date, per currency."""
    today = today or timezone.localdate()
    qs = _open(user).filter(status__in=UNPAID)
    if company is not None:
        qs = qs.filter(company=company)
    sums: dict[str, Any] = {}
    for key, _label, first, last in BUCKETS:
        condition = Q()
        if first is not None:
            condition &= Q(due_date__lte=today - datetime.timedelta(days=first))
        if last is not None:
            condition &= Q(due_date__gte=today - datetime.timedelta(days=last))
        sums[key] = Coalesce(
            Sum(Case(When(condition, then=OUTSTANDING), default=Value(ZERO), output_field=MONEY)),
            ZERO,
            output_field=MONEY,
        )
    result = []
    for row in qs.values("currency").annotate(**sums).order_by("currency"):
        result.append(Aging(currency=row["currency"], buckets={key: row[key] for key, *_rest in BUCKETS}))
    return result


def dso(user: Any, *, days: int = 90, today: datetime.date | None = None) -> decimal.Decimal | None:
    """Days sales outstanding over the last ``days`` days: what is owed now divided by what was
    invoiced in that period, times the days (base currency). None when nothing was invoiced."""
    today = today or timezone.localdate()
    invoices = _open(user)
    in_base = ExpressionWrapper(OUTSTANDING * Coalesce("exchange_rate", Value(decimal.Decimal(1))), output_field=MONEY)
    owed = invoices.filter(status__in=UNPAID).aggregate(total=Sum(in_base))["total"] or ZERO
    sold = (
        visible_invoices(user)
        .filter(kind__in=(InvoiceKind.VAT, InvoiceKind.CREDIT_NOTE, InvoiceKind.DEBIT_NOTE))
        .exclude(status=InvoiceStatus.DRAFT)
        .filter(issue_date__gt=today - datetime.timedelta(days=days), issue_date__lte=today)
        .aggregate(total=Sum("gross_total_base"))["total"]
        or ZERO
    )
    if sold <= 0:
        return None
    return (decimal.Decimal(owed) / sold * days).quantize(decimal.Decimal("0.1"), rounding=decimal.ROUND_HALF_UP)
