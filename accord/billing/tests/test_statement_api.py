"""The bank statement endpoints: import a file, list statements and lines, book a line by hand."""

from __future__ import annotations

import decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.billing.models import BankStatement, BankStatementLine, Payment
from accord.billing.services import invoices
from accord.billing.tests.statement_builders import Booking, mt940

D = decimal.Decimal
ONE_LINE = [{"description": "Usługa", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}]


@pytest.fixture
def invoice(make_invoice, owner):
    return invoices.issue(actor=owner, invoice=make_invoice(lines=ONE_LINE))


def upload(client, content, name="wyciag.sta"):
    return client.client.post(
        "/api/v1/bank-statements", data={"file": SimpleUploadedFile(name, content)}, headers=client.headers
    )


def test_a_manager_imports_a_file_and_books_an_unmatched_line(api, manager, invoice):
    client = api(manager)

    response = upload(client, mt940([Booking("1230.00", invoice.number), Booking("20.00", "???")]))

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["lines"], body["booked"], body["queued"]) == (2, 1, 1)
    [statement] = body["statements"]
    assert statement["booked_count"] == 1
    listed = client.get("/bank-statements").json()["items"]
    assert [s["id"] for s in listed] == [statement["id"]]
    lines = client.get(f"/bank-statements/{statement['id']}/lines").json()["items"]
    assert [(line["status"], line["amount"]) for line in lines] == [("booked", "1230.00"), ("unmatched", "20.00")]
    assert lines[0]["reasons"][0].startswith("invoice number")
    queue = client.get("/bank-statement-lines", {"status": "unmatched"}).json()["items"]
    assert [q["id"] for q in queue] == [lines[1]["id"]]

    booked = client.post(f"/bank-statement-lines/{lines[1]['id']}/match", {"company_id": str(invoice.company_id)})

    assert booked.status_code == 200, booked.content
    assert booked.json()["status"] == "booked"
    assert Payment.objects.get(pk=booked.json()["payment_id"]).unallocated == D("20.00")
    again = client.post(f"/bank-statement-lines/{lines[1]['id']}/match", {"company_id": str(invoice.company_id)})
    assert again.status_code == 422


def test_a_broken_file_is_a_422_naming_the_place(api, manager):
    response = upload(api(manager), b":20:X\r\n:25:PL27114020040000300201355387\r\n:28C:1\r\n", "zly.sta")

    assert response.status_code == 422
    assert "zly.sta" in str(response.json())
    assert BankStatement.objects.count() == 0


def test_a_sales_rep_may_not_import_but_sees_the_lines_of_their_customers(api, manager, owner, outsider, invoice):
    assert upload(api(owner), mt940([Booking("1230.00", invoice.number)])).status_code == 403
    statement_id = upload(api(manager), mt940([Booking("1230.00", invoice.number), Booking("5.00", "x")])).json()[
        "statements"
    ][0]["id"]

    mine = api(owner).get(f"/bank-statements/{statement_id}/lines").json()["items"]
    assert [line["status"] for line in mine] == ["booked"]
    assert api(outsider).get(f"/bank-statements/{statement_id}/lines").status_code == 404
    assert api(outsider).get("/bank-statements").json()["items"] == []
    unknown = BankStatementLine.objects.get(status="unmatched")
    assert api(owner).post(f"/bank-statement-lines/{unknown.pk}/ignore", {}).status_code == 404
    assert api(manager).post(f"/bank-statement-lines/{unknown.pk}/ignore", {}).json()["status"] == "ignored"
