"""Payments: partial, full and overpayments, one payment over several invoices, customer credit,
and the invoice status they lead to (issued, partially paid, paid, overdue)."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.core.exceptions import ValidationError

from accord.billing.models import InvoiceStatus, Payment, PaymentAllocation
from accord.billing.selectors import invoices as invoice_selectors
from accord.billing.services import invoices, payments
from accord.core.models import Event

D = decimal.Decimal
ONE_LINE = [{"description": "Usługa", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}]  # 1230.00 gross


@pytest.fixture
def issued(make_invoice, owner):
    def make(**data):
        data.setdefault("lines", ONE_LINE)
        return invoices.issue(actor=owner, invoice=make_invoice(**data))

    return make


def test_a_partial_then_a_final_payment(issued, owner):
    invoice = issued()

    payments.record_payment(actor=owner, amount="230", currency="PLN", received_on="2026-03-11", invoice=invoice)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount, invoice.outstanding) == ("partially_paid", D("230.00"), D("1000.00"))

    payment = payments.record_payment(actor=owner, amount="1000.00", currency="PLN", invoice=invoice, reference="FV 1")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert payment.company_id == invoice.company_id
    assert payment.unallocated == D("0.00")
    assert Event.objects.filter(name="billing.payment.allocated").count() == 2


def test_an_overpayment_stays_as_customer_credit_and_pays_the_next_invoice(issued, owner, customer):
    first, second = issued(), issued()

    payment = payments.record_payment(actor=owner, amount="1500", currency="PLN", invoice=first)
    assert payment.unallocated == D("270.00")

    payments.allocate(actor=owner, payment=payment, invoice=second)
    second.refresh_from_db()
    payment.refresh_from_db()
    assert (second.status, second.paid_amount) == ("partially_paid", D("270.00"))
    assert payment.unallocated == D("0.00")
    assert PaymentAllocation.objects.filter(payment=payment).count() == 2


def test_an_allocation_never_exceeds_the_payment_or_what_the_invoice_owes(issued, owner, customer):
    invoice = issued()
    payment = payments.record_payment(actor=owner, amount="2000", currency="PLN", company=customer)

    with pytest.raises(ValidationError) as caught:
        payments.allocate(actor=owner, payment=payment, invoice=invoice, amount="1230.01")
    assert "amount" in caught.value.message_dict
    small = payments.record_payment(actor=owner, amount="10", currency="PLN", company=customer)
    with pytest.raises(ValidationError):
        payments.allocate(actor=owner, payment=small, invoice=invoice, amount="10.01")
    assert PaymentAllocation.objects.count() == 0


def test_drafts_proformas_and_other_currencies_take_no_payment(issued, make_invoice, owner, customer):
    payment = payments.record_payment(actor=owner, amount="100", currency="PLN", company=customer)

    for invoice in (make_invoice(), issued(kind="proforma")):
        with pytest.raises(ValidationError) as caught:
            payments.allocate(actor=owner, payment=payment, invoice=invoice)
        assert "invoice" in caught.value.message_dict
    eur = payments.record_payment(actor=owner, amount="100", currency="EUR", company=customer)
    with pytest.raises(ValidationError):
        payments.allocate(actor=owner, payment=eur, invoice=issued())


@pytest.mark.parametrize(
    ("amount", "field"),
    [("0", "amount"), ("-5", "amount"), ("1000000000000", "amount"), ("1.001", "amount"), ("abc", "amount")],
)
def test_bad_payment_amounts_are_refused_and_nothing_is_stored(owner, customer, amount, field):
    with pytest.raises(ValidationError) as caught:
        payments.record_payment(actor=owner, amount=amount, currency="PLN", company=customer)

    assert field in caught.value.message_dict
    assert Payment.objects.count() == 0


def test_a_bank_transaction_is_recorded_once(owner, customer):
    first = payments.record_payment(
        actor=None, amount="50", currency="PLN", company=customer, source="bank", external_id="T-1"
    )
    again = payments.record_payment(
        actor=None, amount="50", currency="PLN", company=customer, source="bank", external_id="T-1"
    )

    assert first.pk == again.pk
    assert Payment.objects.count() == 1


def test_a_credit_note_lowers_what_is_due(issued, owner):
    invoice = issued()
    payments.record_payment(actor=owner, amount="615", currency="PLN", invoice=invoice)
    line = invoice.lines.get()

    note = invoices.correct(
        actor=owner, invoice=invoice, lines=[{"line": line.pk, "unit_price": "500"}], reason="Rabat"
    )
    invoices.issue(actor=owner, invoice=note)

    invoice.refresh_from_db()
    assert (invoice.amount_due, invoice.status) == (D("615.00"), InvoiceStatus.PAID)


def test_an_unpaid_invoice_past_its_due_date_is_overdue(issued, owner):
    old = issued(issue_date=datetime.date.today() - datetime.timedelta(days=30))
    fresh = issued()

    overdue = invoice_selectors.visible_invoices(owner).filter(invoice_selectors.overdue_q())
    assert list(overdue) == [old]
    assert invoice_selectors.display_status(old) == "overdue"
    assert invoice_selectors.display_status(fresh) == "issued"
    payments.record_payment(actor=owner, amount="1230", currency="PLN", invoice=old)
    assert not invoice_selectors.visible_invoices(owner).filter(invoice_selectors.overdue_q()).exists()


def test_a_bank_payment_without_a_customer_yet_is_kept_and_allocated_later(issued, owner):
    invoice = issued()

    payment = payments.record_payment(
        actor=None, amount="1230", currency="PLN", source="bank", external_id="T-9", reference="FV/2026/0001"
    )
    payments.allocate(actor=None, payment=payment, invoice=invoice)

    invoice.refresh_from_db()
    assert (payment.company_id, invoice.status) == (None, InvoiceStatus.PAID)


def test_a_payment_in_another_currency_than_its_invoice_is_refused(issued, owner):
    with pytest.raises(ValidationError) as caught:
        payments.record_payment(actor=owner, amount="10", currency="EUR", invoice=issued())

    assert "currency" in caught.value.message_dict
    assert Payment.objects.count() == 0
