"""The bank statement screens: upload, a statement's lines, the unmatched queue, booking by hand."""

from __future__ import annotations

import decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.billing.models import BankStatement, BankStatementLine
from accord.billing.services import invoices
from accord.billing.tests.statement_builders import Booking, mt940

D = decimal.Decimal
ONE_LINE = [{"description": "Usługa", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}]


@pytest.fixture
def invoice(make_invoice, owner):
    return invoices.issue(actor=owner, invoice=make_invoice(lines=ONE_LINE))


def test_a_manager_uploads_a_statement_and_books_the_unmatched_line_by_hand(login, manager, invoice):
    client = login(manager)
    file = SimpleUploadedFile("marzec.sta", mt940([Booking("1000.00", "za usługę", "Żółta Łódź")]))

    response = client.post("/billing/bank-statements/", {"file": file})

    statement = BankStatement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/billing/bank-statements/{statement.pk}/"
    page = client.get(response["Location"])
    assert "za usługę" in page.content.decode()
    line = BankStatementLine.objects.get()
    assert line.status == "unmatched"
    queue = client.get("/billing/bank-statements/unmatched/").content.decode()
    assert f"/billing/bank-statements/lines/{line.pk}/" in queue
    found = client.get(f"/billing/bank-statements/lines/{line.pk}/", {"q": invoice.number}).content.decode()
    assert f'value="{invoice.pk}"' in found

    booked = client.post(
        f"/billing/bank-statements/lines/{line.pk}/",
        {"invoice": [str(invoice.pk)], f"amount-{invoice.pk}": "", "version": "1"},
    )

    assert booked.status_code == 302
    invoice.refresh_from_db()
    line.refresh_from_db()
    assert (line.status, invoice.status, invoice.paid_amount) == ("booked", "partially_paid", D("1000.00"))
    listing = client.get("/billing/bank-statements/").content.decode()
    assert "marzec.sta" in listing


def test_a_broken_file_shows_where_and_stores_nothing(login, manager):
    file = SimpleUploadedFile("zly.xml", b"<?xml version='1.0'?><Document/>")

    response = login(manager).post("/billing/bank-statements/", {"file": file})

    assert response.status_code == 422
    assert "zly.xml" in response.content.decode()
    assert BankStatement.objects.count() == 0


def test_a_sales_rep_has_no_upload_form_queue_or_booking(login, owner, manager, invoice):
    login(manager).post("/billing/bank-statements/", {"file": SimpleUploadedFile("a.sta", mt940([Booking("5", "x")]))})
    line = BankStatementLine.objects.get()
    client = login(owner)

    assert 'type="file"' not in client.get("/billing/bank-statements/").content.decode()
    file = SimpleUploadedFile("b.sta", mt940([Booking("6", "y")], number="8"))
    assert client.post("/billing/bank-statements/", {"file": file}).status_code == 403
    assert client.get("/billing/bank-statements/unmatched/").status_code == 403
    assert client.get(f"/billing/bank-statements/lines/{line.pk}/").status_code == 403
    assert client.post(f"/billing/bank-statements/lines/{line.pk}/ignore/").status_code == 404
    assert BankStatementLine.objects.get().status == "unmatched"
