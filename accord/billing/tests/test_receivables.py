"""Receivables: the balance per customer (invoices owed less unallocated payments), the aging of
unpaid invoices by days past due, and DSO, all within what the user may see."""

from __future__ import annotations

import datetime
import decimal

from accord.billing.models import Invoice
from accord.billing.selectors import receivables
from accord.billing.services import invoices, payments

D = decimal.Decimal
TODAY = datetime.date(2026, 6, 30)
LINE = [{"description": "Usługa", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}]  # 1230.00


def issued(make_invoice, owner, *, due_days_ago: int, **data):
    invoice = invoices.issue(actor=owner, invoice=make_invoice(lines=LINE, payment_terms_days=0, **data))
    Invoice.objects.filter(pk=invoice.pk).update(
        due_date=TODAY - datetime.timedelta(days=due_days_ago),
        issue_date=TODAY - datetime.timedelta(days=due_days_ago),
    )
    return Invoice.objects.get(pk=invoice.pk)


def test_aging_puts_each_unpaid_invoice_in_its_bucket(make_invoice, owner):
    for days in (-5, 0, 1, 30, 31, 75, 91, 400):
        issued(make_invoice, owner, due_days_ago=days)
    paid = issued(make_invoice, owner, due_days_ago=45)
    payments.record_payment(actor=owner, amount="1230", currency="PLN", invoice=paid)
    part = issued(make_invoice, owner, due_days_ago=45)
    payments.record_payment(actor=owner, amount="230", currency="PLN", invoice=part)

    (pln,) = receivables.aging(owner, today=TODAY)

    assert pln.currency == "PLN"
    assert pln.buckets == {
        "not_due": D("2460.00"),
        "d1_30": D("2460.00"),
        "d31_60": D("2230.00"),
        "d61_90": D("1230.00"),
        "d90_plus": D("2460.00"),
    }


def test_a_balance_is_what_invoices_owe_less_the_customers_credit(make_invoice, owner, customer, outsider):
    issued(make_invoice, owner, due_days_ago=10)
    issued(make_invoice, owner, due_days_ago=10)
    payments.record_payment(actor=owner, amount="3000", currency="PLN", company=customer)

    (balance,) = receivables.balances(owner)

    assert (balance.company_id, balance.invoiced, balance.credit, balance.balance) == (
        customer.pk,
        D("2460.00"),
        D("3000.00"),
        D("-540.00"),
    )
    assert receivables.balances(outsider) == []


def test_dso_relates_what_is_owed_to_what_was_sold(make_invoice, owner):
    issued(make_invoice, owner, due_days_ago=10)
    paid = issued(make_invoice, owner, due_days_ago=20)
    payments.record_payment(actor=owner, amount="1230", currency="PLN", invoice=paid)

    # Owed 1,230 of 2,460 sold in 90 days: 45 days.
    assert receivables.dso(owner, today=TODAY) == D("45.0")
    assert receivables.dso(owner, today=TODAY + datetime.timedelta(days=365)) is None
