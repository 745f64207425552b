"""The billing screens: lists with filters, an invoice's page and its actions (issue, record
payment, correct), the forms, orders from a quote's page, receivables; and who sees what."""

from __future__ import annotations

import decimal

import pytest

from accord.billing.models import Invoice, Order, Payment
from accord.billing.services import invoices as services

D = decimal.Decimal


@pytest.fixture
def draft(make_invoice):
    return make_invoice()


def test_the_invoice_list_filters_and_shows_overdue(login, owner, make_invoice):
    issued = services.issue(actor=owner, invoice=make_invoice(issue_date="2026-01-02"))
    make_invoice(kind="proforma")
    client = login(owner)

    everything = client.get("/billing/invoices/")
    overdue = client.get("/billing/invoices/", {"overdue": "true"})
    proformas = client.get("/billing/invoices/", {"kind": "proforma", "sort": "-gross_total"})

    assert everything.status_code == 200
    assert issued.number in overdue.content.decode()
    assert "badge-danger" in overdue.content.decode()
    assert issued.number not in proformas.content.decode()
    assert client.get("/billing/invoices/", {"status": "bogus"}).status_code == 200


def test_a_draft_is_issued_paid_and_corrected_from_its_page(login, owner, draft):
    client = login(owner)
    page = client.get(f"/billing/invoices/{draft.pk}/")
    assert page.status_code == 200
    assert "Issue" in page.content.decode()

    client.post(f"/billing/invoices/{draft.pk}/issue/", {"version": draft.version})
    draft.refresh_from_db()
    assert draft.number.startswith("FV/")
    paid = client.post(
        f"/billing/invoices/{draft.pk}/pay/", {"amount": "100", "received_on": "2026-03-11", "method": "transfer"}
    )
    assert paid.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.paid_amount) == ("partially_paid", D("100.00"))

    form = client.get(f"/billing/invoices/{draft.pk}/correct/")
    assert form.status_code == 200
    line = draft.lines.order_by("position").first()
    posted = {"reason": "Zwrot", "lines-0-line": str(line.pk), "lines-0-description": line.description}
    posted.update({"lines-0-quantity": "1", "lines-0-unit_price": str(line.unit_price), "lines-0-vat_rate": "23"})
    made = client.post(f"/billing/invoices/{draft.pk}/correct/", posted)
    assert made.status_code == 302
    note = Invoice.objects.get(corrects=draft)
    assert note.kind == "credit_note"
    assert client.get(f"/billing/invoices/{note.pk}/").status_code == 200
    pdf = client.get(f"/billing/invoices/{draft.pk}/pdf/")
    assert pdf.content.startswith(b"%PDF")


def test_a_bad_payment_shows_the_field_error_and_stores_nothing(login, owner, draft):
    client = login(owner)
    client.post(f"/billing/invoices/{draft.pk}/issue/", {})

    response = client.post(
        f"/billing/invoices/{draft.pk}/pay/", {"amount": "1000000000000", "received_on": "2026-03-11", "method": "cash"}
    )

    assert response.status_code == 422
    assert "Too large" in response.content.decode()
    assert Payment.objects.count() == 0


def test_the_new_invoice_form(login, owner, customer):
    client = login(owner)
    assert client.get("/billing/invoices/new/", {"company": str(customer.pk)}).status_code == 200
    base = {"billing-company": str(customer.pk), "billing-company_name": customer.name, "kind": "vat"}
    base.update({"currency": "PLN", "payment_method": "transfer", "payment_terms_days": "14"})

    bad = client.post(
        "/billing/invoices/new/",
        {**base, "lines-0-description": "X", "lines-0-unit_price": "1,5,5", "lines-0-vat_rate": "23"},
    )
    good = client.post(
        "/billing/invoices/new/",
        {
            **base,
            "lines-0-description": "Usługa",
            "lines-0-quantity": "2",
            "lines-0-unit_price": "10,50",
            "lines-0-vat_rate": "8",
        },
    )

    assert bad.status_code == 422
    assert "Line 1" in bad.content.decode()
    assert good.status_code == 302
    invoice = Invoice.objects.get()
    assert invoice.gross_total == D("22.68")


def test_orders_from_a_quote_page_and_their_invoices(login, owner, accepted_quote):
    client = login(owner)
    quote_page = client.get(f"/sales/quotes/{accepted_quote.pk}/")
    assert "Create order" in quote_page.content.decode()

    response = client.post(f"/billing/quotes/{accepted_quote.pk}/order/")
    order = Order.objects.get()
    assert response["Location"] == f"/billing/orders/{order.pk}/"
    assert client.get(f"/billing/orders/{order.pk}/").status_code == 200
    assert client.get("/billing/orders/").status_code == 200
    invoiced = client.post(f"/billing/quotes/{accepted_quote.pk}/invoice/")
    invoice = Invoice.objects.get()
    assert invoiced["Location"] == f"/billing/invoices/{invoice.pk}/"
    assert Order.objects.count() == 1


def test_a_new_order_by_hand(login, owner, customer):
    client = login(owner)
    response = client.post(
        "/billing/orders/new/",
        {
            "billing-company": str(customer.pk),
            "currency": "PLN",
            "lines-0-description": "Kabel",
            "lines-0-quantity": "3",
            "lines-0-unit_price": "10",
            "lines-0-vat_rate": "23",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    client.post(f"/billing/orders/{order.pk}/status/", {"status": "confirmed", "version": order.version})
    order.refresh_from_db()
    assert order.status == "confirmed"


def test_receivables_screen(login, owner, draft):
    services.issue(actor=owner, invoice=draft)

    page = login(owner).get("/billing/receivables/")

    assert page.status_code == 200
    assert "Żółta Łódź" in page.content.decode()


def test_an_outsider_sees_no_invoice_and_cannot_act(client, owner, outsider, draft):
    client.force_login(outsider)

    assert client.get(f"/billing/invoices/{draft.pk}/").status_code == 404
    assert client.get(f"/billing/invoices/{draft.pk}/pdf/").status_code == 404
    assert client.post(f"/billing/invoices/{draft.pk}/issue/", {}).status_code == 404
    assert draft.number not in client.get("/billing/invoices/").content.decode() or not draft.number
    assert "Żółta" not in client.get("/billing/invoices/").content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_read_only_user_cannot_pay(client, viewer, owner, draft):
    services.issue(actor=owner, invoice=draft)
    client.force_login(viewer)

    assert client.get(f"/billing/invoices/{draft.pk}/").status_code == 200
    response = client.post(
        f"/billing/invoices/{draft.pk}/pay/", {"amount": "1", "received_on": "2026-03-11", "method": "cash"}
    )
    assert response.status_code == 403
    assert Payment.objects.count() == 0


def test_a_companys_page_shows_its_invoices_and_balance(login, owner, outsider, customer, draft):
    invoice = services.issue(actor=owner, invoice=draft)

    page = login(owner).get(f"/companies/{customer.pk}/").content.decode()

    assert invoice.number in page
    assert "invoices-panel" in page


def test_a_draft_is_edited_and_an_issued_invoice_is_not(login, owner, draft):
    client = login(owner)
    form = client.get(f"/billing/invoices/{draft.pk}/edit/")
    assert form.status_code == 200
    assert "Stal zbrojeniowa" in form.content.decode()

    posted = {"version": draft.version, "currency": "PLN", "payment_method": "cash", "payment_terms_days": "7"}
    posted.update({"lines-0-description": "Jedna", "lines-0-quantity": "1", "lines-0-unit_price": "100"})
    saved = client.post(f"/billing/invoices/{draft.pk}/edit/", {**posted, "lines-0-vat_rate": "23"})
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert (draft.payment_method, draft.payment_terms_days, draft.gross_total) == ("cash", 7, D("123.00"))
    stale = client.post(f"/billing/invoices/{draft.pk}/edit/", {**posted, "version": 1, "lines-0-vat_rate": "23"})
    assert stale.status_code == 422

    services.issue(actor=owner, invoice=draft)
    assert client.get(f"/billing/invoices/{draft.pk}/edit/").status_code == 302


def test_the_invoice_list_answers_htmx_with_its_rows_only(login, owner, draft):
    response = login(owner).get("/billing/invoices/", {"kind": "vat"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert f"/billing/invoices/{draft.pk}/" in body


def test_a_payment_with_credit_left_pays_another_invoice_from_its_page(login, owner, customer, make_invoice):
    from accord.billing.services import payments

    invoice = services.issue(actor=owner, invoice=make_invoice())
    payment = payments.record_payment(actor=owner, amount="5000", currency="PLN", company=customer)
    client = login(owner)

    listed = client.get("/billing/payments/", {"unallocated": "true"}).content.decode()
    page = client.get(f"/billing/payments/{payment.pk}/").content.decode()
    client.post(f"/billing/payments/{payment.pk}/allocate/", {"invoice": str(invoice.pk), "version": payment.version})

    assert f"/billing/payments/{payment.pk}/" in listed
    assert invoice.number in page
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert (invoice.status, payment.unallocated) == ("paid", D("2823.77"))
