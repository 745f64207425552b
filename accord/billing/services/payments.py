"""Payments: recorded by hand, through the API or from a bank statement, and allocated to invoices.

``record_payment`` and ``allocate`` are the two doors every source uses. A payment may pay several
invoices (one allocation each); what it does not cover stays the customer's credit. An invoice's
status follows from what its allocations add up to (issued, partially paid, paid).
"""

from __future__ import annotations

import datetime
import decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.billing.events import PaymentAllocated, PaymentRecorded
from accord.billing.models import Invoice, InvoiceKind, InvoiceStatus, Payment, PaymentAllocation, PaymentMethod
from accord.billing.models.payments import PaymentSource
from accord.billing.services import common
from accord.billing.services.invoices import settle
from accord.core import access, changes, money
from accord.core.events import emit

if TYPE_CHECKING:
    from accord.identity.models import User

ZERO = decimal.Decimal(0)


def clean_amount(value: Any, errors: dict[str, list[str]], name: str = "amount") -> decimal.Decimal | None:
    """A positive amount of money in the grosz that the columns hold, or an error under ``name``."""
    try:
        amount = decimal.Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
    except (decimal.InvalidOperation, ValueError):
        errors[name] = [_("Enter a number.")]
        return None
    if not amount.is_finite():
        errors[name] = [_("Enter a number.")]
        return None
    if not money.fits(amount):
        errors[name] = [money.too_large_message()]
        return None
    if amount != money.quantize(amount):
        errors[name] = [_("Enter at most %(places)s decimal places.") % {"places": 2}]
        return None
    if amount <= 0:
        errors[name] = [_("Enter an amount greater than zero.")]
        return None
    return amount


def _day(value: Any, errors: dict[str, list[str]]) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        errors["received_on"] = [_("Enter a date as YYYY-MM-DD.")]
        return None


@transaction.atomic
def record_payment(
    *,
    actor: User | None,
    amount: Any,
    currency: str,
    received_on: datetime.date | str | None = None,
    method: str = PaymentMethod.TRANSFER,
    reference: str = "",
    note: str = "",
    company: Any = None,
    contact: Any = None,
    invoice: Invoice | None = None,
    source: str = PaymentSource.MANUAL,
    external_id: str = "",
) -> Payment:
    """Record money received. With ``invoice`` it pays that invoice as far as it is due and the
    rest stays the customer's credit; the payer defaults to the invoice's customer. A payment with
    an ``external_id`` (a bank transaction's id) already recorded is returned as it is. A payment
    from a bank statement may have no customer yet (``allocate`` pays an invoice with it later)."""
    external_id = (external_id or "").strip()
    if external_id:
        existing = Payment.objects.filter(external_id=external_id).first()
        if existing is not None:
            return existing
    if actor is not None:
        access.require_create(actor)
    errors: dict[str, list[str]] = {}
    value = clean_amount(amount, errors)
    currency = common.clean_currency(currency, errors)
    day = _day(received_on, errors) if received_on not in (None, "") else timezone.localdate()
    if method not in PaymentMethod.values:
        errors["method"] = [_("Select a valid choice. That choice is not one of the available choices.")]
    if source not in PaymentSource.values:
        errors["source"] = [_("Select a valid choice. That choice is not one of the available choices.")]
    if len(reference or "") > 140:
        errors["reference"] = [_("The text is too long (at most %(limit)s characters).") % {"limit": 140}]
    if len(note or "") > 300:
        errors["note"] = [_("The text is too long (at most %(limit)s characters).") % {"limit": 300}]
    if len(external_id) > 100:
        errors["external_id"] = [_("The text is too long (at most %(limit)s characters).") % {"limit": 100}]
    if invoice is not None:
        if actor is not None and not access.can_view(actor, invoice):
            errors["invoice"] = [_("Choose an invoice you can see.")]
        elif invoice.currency != currency and "currency" not in errors:
            errors["currency"] = [
                _("The invoice is in %(currency)s: record the payment in it.") % {"currency": invoice.currency}
            ]
        elif company is None and contact is None:
            company, contact = invoice.company, invoice.contact
    # A bank statement's line may not be matched to a customer yet: it is recorded all the same.
    common.check_parties(actor, company, contact, errors, required=source != PaymentSource.BANK)
    if errors:
        raise ValidationError(errors)
    assert value is not None
    assert day is not None
    payment = Payment.objects.create(
        company=company,
        contact=contact,
        amount=value,
        currency=currency,
        received_on=day,
        method=method,
        reference=(reference or "").strip(),
        note=(note or "").strip(),
        source=source,
        external_id=external_id,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    changes.record_create(actor=actor, obj=payment)
    emit(PaymentRecorded(amount=payment.amount, currency=payment.currency), obj=payment, actor=actor)
    if invoice is not None:
        fresh = Invoice.objects.get(pk=invoice.pk)
        due = fresh.outstanding
        if due > 0:
            allocate(actor=actor, payment=payment, invoice=fresh, amount=min(due, value))
            payment.refresh_from_db()
    return payment


@transaction.atomic
def allocate(
    *,
    actor: User | None,
    payment: Payment,
    invoice: Invoice,
    amount: Any = None,
    expected_version: int | None = None,
) -> PaymentAllocation:
    """Let ``amount`` of ``payment`` (by default as much as both allow) pay ``invoice``: never more
    than the payment has left, nor more than the invoice still owes."""
    locked = common.lock(actor, Payment, payment.pk, expected_version)
    target = common.lock(actor, Invoice, invoice.pk, None)
    errors: dict[str, list[str]] = {}
    if target.kind != InvoiceKind.VAT or target.status == InvoiceStatus.DRAFT:
        errors["invoice"] = [_("Only an issued VAT invoice can be paid.")]
    elif target.currency != locked.currency:
        errors["invoice"] = [
            _("The invoice is in %(invoice)s and the payment in %(payment)s.")
            % {"invoice": target.currency, "payment": locked.currency}
        ]
    if errors:
        raise ValidationError(errors)
    left, owed = locked.unallocated, target.outstanding
    if amount in (None, ""):
        value: decimal.Decimal | None = min(left, owed)
        if value is None or value <= 0:
            raise ValidationError(
                {"amount": [_("Nothing to allocate: the payment is used up or the invoice is paid.")]}
            )
    else:
        value = clean_amount(amount, errors)
        if value is not None and value > left:
            errors["amount"] = [
                _("The payment has only %(left)s left.") % {"left": money.format_money(left, locked.currency)}
            ]
        elif value is not None and value > owed:
            errors["amount"] = [
                _("The invoice owes only %(owed)s.") % {"owed": money.format_money(max(owed, ZERO), target.currency)}
            ]
        if errors:
            raise ValidationError(errors)
    assert value is not None
    allocation = PaymentAllocation.objects.create(
        payment=locked, invoice=target, amount=value, created_by=actor if getattr(actor, "pk", None) else None
    )
    payment_before = changes.snapshot(locked)
    locked.allocated_amount += value
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=payment_before)
    invoice_before = changes.snapshot(target)
    target.paid_amount += value
    settle(target)
    target.version += 1
    target.save()
    changes.record_update(actor=actor, obj=target, before=invoice_before)
    emit(PaymentAllocated(invoice_id=target.pk, amount=value, status=target.status), obj=locked, actor=actor)
    return allocation
