"""The billing API: orders, invoices with issue, corrections, payments and PDF; errors by field,
409 on a stale version, Idempotency-Key replays, and records out of sight as 404."""

from __future__ import annotations

import decimal

import pytest

from accord.billing.models import Invoice, Order, Payment

D = decimal.Decimal
LINE = {"description": "Wdrożenie", "quantity": "2", "unit_price": "500", "vat_rate": "23"}


@pytest.fixture
def as_owner(api, owner):
    return api(owner)


def new_invoice(client, customer, **extra):
    response = client.post("/invoices", {"company_id": str(customer.pk), "lines": [LINE], **extra})
    assert response.status_code == 201, response.json()
    return response.json()


def test_an_invoice_is_made_issued_paid_and_downloaded(as_owner, customer):
    draft = new_invoice(as_owner, customer, place_of_issue="Warszawa", language="pl")
    assert (draft["status"], draft["number"], draft["gross_total"]) == ("draft", "", "1230.00")
    assert draft["vat_by_rate"] == [
        {"rate": "23", "net": "1000.00", "vat": "230.00", "gross": "1230.00", "vat_base": "230.00"}
    ]

    issued = as_owner.post(f"/invoices/{draft['id']}/issue", {"version": draft["version"]})
    assert issued.status_code == 200, issued.json()
    body = issued.json()
    assert body["number"].startswith("FV/")
    assert body["status"] == "issued"
    assert body["amount_in_words"] == "tysiąc dwieście trzydzieści złotych 00/100"

    paid = as_owner.post(f"/invoices/{draft['id']}/payments", {"amount": "1300", "received_on": "2026-03-20"})
    assert paid.status_code == 201, paid.json()
    assert (paid.json()["allocated_amount"], paid.json()["unallocated"]) == ("1230.00", "70.00")
    after = as_owner.get(f"/invoices/{draft['id']}").json()
    assert (after["status"], after["outstanding"], after["payments"][0]["amount"]) == ("paid", "0.00", "1230.00")

    pdf = as_owner.get(f"/invoices/{draft['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert body["number"].replace("/", "-") in pdf["Content-Disposition"]


def test_an_issued_invoice_refuses_changes_and_a_stale_version_is_409(as_owner, customer):
    draft = new_invoice(as_owner, customer)

    stale = as_owner.patch(f"/invoices/{draft['id']}", {"version": draft["version"] + 1, "notes": "x"})
    assert stale.status_code == 409
    as_owner.post(f"/invoices/{draft['id']}/issue", {})
    refused = as_owner.patch(f"/invoices/{draft['id']}", {"notes": "x"})
    assert refused.status_code == 422
    assert "status" in refused.json()["errors"]
    assert as_owner.delete(f"/invoices/{draft['id']}").status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": [{**LINE, "unit_price": "1000000000000"}]}, "lines.0.unit_price"),
        ({"lines": [{**LINE, "vat_rate": "7"}]}, "lines.0.vat_rate"),
        ({"lines": [{**LINE, "quantity": "abc"}]}, "lines.0.quantity"),
        ({"buyer_tax_id": "1234567890"}, "buyer_tax_id"),
        ({"bank_account": "PL00 0000"}, "bank_account"),
        ({"kind": "credit_note"}, "kind"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(as_owner, customer, body, field):
    response = as_owner.post("/invoices", {"company_id": str(customer.pk), "lines": [LINE], **body})

    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert Invoice.objects.count() == 0


def test_an_idempotency_key_replays_the_first_answer(as_owner, customer):
    headers = {"Idempotency-Key": "inv-1"}
    body = {"company_id": str(customer.pk), "lines": [LINE]}

    first = as_owner.post("/invoices", body, headers=headers)
    second = as_owner.post("/invoices", body, headers=headers)

    assert first.status_code == second.status_code == 201
    assert first.content == second.content
    assert second["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 1


def test_a_correction_through_the_api(as_owner, customer):
    draft = new_invoice(as_owner, customer)
    issued = as_owner.post(f"/invoices/{draft['id']}/issue", {}).json()
    line_id = issued["lines"][0]["id"]

    response = as_owner.post(
        f"/invoices/{draft['id']}/corrections",
        {"reason": "Rabat posprzedażowy", "lines": [{"line_id": line_id, "unit_price": "450"}]},
    )

    assert response.status_code == 201, response.json()
    note = response.json()
    assert (note["kind"], note["corrects_id"], note["gross_total"]) == ("credit_note", draft["id"], "-123.00")
    assert note["lines"][0]["before_unit_price"] == "500.00"
    done = as_owner.post(f"/invoices/{note['id']}/issue", {}).json()
    assert done["number"].startswith("KOR/")
    original = as_owner.get(f"/invoices/{draft['id']}").json()
    assert (original["amount_due"], original["correction_ids"]) == ("1107.00", [note["id"]])


def test_orders_from_quotes_and_invoices_from_orders(as_owner, accepted_quote):
    made = as_owner.post(f"/quotes/{accepted_quote.pk}/order", {})
    again = as_owner.post(f"/quotes/{accepted_quote.pk}/order", {})
    assert made.status_code == again.status_code == 201
    assert made.json()["id"] == again.json()["id"]
    assert Order.objects.count() == 1
    order = made.json()

    invoice = as_owner.post(f"/orders/{order['id']}/invoices", {"line_ids": [order["lines"][0]["id"]]})
    assert invoice.status_code == 201, invoice.json()
    assert [line["description"] for line in invoice.json()["lines"]] == ["Stal"]
    rest = as_owner.post(f"/orders/{order['id']}/invoices", {})
    assert [line["description"] for line in rest.json()["lines"]] == ["Szkolenie"]
    assert as_owner.post(f"/orders/{order['id']}/invoices", {}).status_code == 422
    listed = as_owner.get("/orders").json()["items"]
    assert len(listed[0]["invoice_ids"]) == 2


def test_an_order_by_hand_and_its_status(as_owner, customer):
    response = as_owner.post("/orders", {"company_id": str(customer.pk), "lines": [LINE]})
    assert response.status_code == 201, response.json()
    order = response.json()

    moved = as_owner.post(f"/orders/{order['id']}/status", {"status": "confirmed", "version": order["version"]})
    assert moved.json()["status"] == "confirmed"
    stale = as_owner.post(f"/orders/{order['id']}/status", {"status": "fulfilled", "version": order["version"]})
    assert stale.status_code == 409


def test_payments_are_recorded_and_allocated(as_owner, customer):
    first = as_owner.post(f"/invoices/{new_invoice(as_owner, customer)['id']}/issue", {}).json()
    second = as_owner.post(f"/invoices/{new_invoice(as_owner, customer)['id']}/issue", {}).json()
    payment = as_owner.post(
        "/payments", {"company_id": str(customer.pk), "amount": "2000", "currency": "PLN", "reference": "przelew"}
    ).json()

    for invoice in (first, second):
        response = as_owner.post(f"/payments/{payment['id']}/allocations", {"invoice_id": invoice["id"]})
        assert response.status_code == 201, response.json()
    body = as_owner.get(f"/payments/{payment['id']}").json()
    assert (body["allocated_amount"], body["unallocated"]) == ("2000.00", "0.00")
    assert as_owner.get(f"/invoices/{second['id']}").json()["status"] == "partially_paid"
    assert as_owner.get("/invoices", {"status": "paid"}).json()["items"][0]["id"] == first["id"]
    too_much = as_owner.post(
        "/payments", {"company_id": str(customer.pk), "amount": "1000000000000", "currency": "PLN"}
    )
    assert too_much.status_code == 422
    assert "amount" in too_much.json()["errors"]


def test_a_rep_sees_the_invoices_of_customers_in_sight_only(api, owner, teammate, outsider, customer):
    invoice = new_invoice(api(owner), customer)

    assert api(teammate).get(f"/invoices/{invoice['id']}").status_code == 200
    assert api(outsider).get(f"/invoices/{invoice['id']}").status_code == 404
    assert api(outsider).get(f"/invoices/{invoice['id']}/pdf").status_code == 404
    assert api(outsider).post(f"/invoices/{invoice['id']}/issue", {}).status_code == 404
    assert api(outsider).get("/invoices").json()["items"] == []
    assert api(outsider).post("/invoices", {"company_id": str(customer.pk), "lines": [LINE]}).status_code == 422
    assert Invoice.objects.count() == 1


def test_a_read_only_user_sees_but_cannot_issue_or_pay(api, owner, viewer, customer):
    invoice = new_invoice(api(owner), customer)

    assert api(viewer).get(f"/invoices/{invoice['id']}").status_code == 200
    assert api(viewer).post(f"/invoices/{invoice['id']}/issue", {}).status_code == 403
    assert api(viewer).post(f"/invoices/{invoice['id']}/payments", {"amount": "1"}).status_code == 403
    assert Payment.objects.count() == 0
    assert Invoice.objects.get().status == "draft"


def test_filters_and_sorts_of_the_invoice_list(as_owner, customer):
    a = new_invoice(as_owner, customer)
    b = new_invoice(as_owner, customer, kind="proforma")

    assert [i["id"] for i in as_owner.get("/invoices", {"kind": "proforma"}).json()["items"]] == [b["id"]]
    assert [i["id"] for i in as_owner.get("/invoices", {"sort": "created"}).json()["items"]] == [a["id"], b["id"]]
    assert as_owner.get("/invoices", {"overdue": "true"}).json()["items"] == []
    assert as_owner.get("/invoices", {"status": "bogus"}).status_code == 400


def test_the_lists_read_a_fixed_number_of_queries(as_owner, customer, owner, django_assert_max_num_queries):
    from accord.billing.services import invoices as invoice_services
    from accord.billing.services import payments as payment_services

    def add_one() -> None:
        invoice = invoice_services.issue(
            actor=owner,
            invoice=invoice_services.create_invoice(actor=owner, data={"company": customer, "lines": [LINE]}),
        )
        payment_services.record_payment(actor=owner, amount="10", currency="PLN", invoice=invoice)

    add_one()
    with django_assert_max_num_queries(40) as few:
        as_owner.get("/invoices")
    for _i in range(5):
        add_one()
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = as_owner.get("/invoices").json()
    assert len(body["items"]) == 6


def test_series_are_listed_and_made_by_administrators(api, owner, admin_user, customer):
    made = api(admin_user).post(
        "/invoice-series", {"code": "exp", "kind": "invoice", "pattern": "{code}/{number:05d}/{year}"}
    )
    refused = api(owner).post("/invoice-series", {"code": "own", "kind": "invoice"})
    bad = api(admin_user).post("/invoice-series", {"code": "bad", "kind": "invoice", "pattern": "{year}"})

    assert made.status_code == 201, made.json()
    assert refused.status_code == 403
    assert bad.status_code == 422
    assert "pattern" in bad.json()["errors"]
    codes = [s["code"] for s in api(owner).get("/invoice-series").json()]
    assert "EXP" in codes
    draft = new_invoice(api(owner), customer, series_id=made.json()["id"])
    issued = api(owner).post(f"/invoices/{draft['id']}/issue", {}).json()
    assert issued["number"].startswith("EXP/00001/")


def test_a_manager_marks_a_product_as_annex_15_goods(api, owner, manager, customer):
    from accord.sales.models import Product

    steel = Product.objects.create(sku="STAL-2", name="Stal", vat_rate=D("23"))

    path, body = f"/products/{steel.pk}/billing", {"split_payment_goods": True}
    assert api(owner)._call("put", path, body).status_code == 403
    marked = api(manager)._call("put", path, body)
    assert marked.json() == {"product_id": str(steel.pk), "split_payment_goods": True}
    invoice = new_invoice(api(owner), customer, lines=[{"product_id": str(steel.pk), "unit_price": "20000"}])
    assert invoice["lines"][0]["split_payment_goods"] is True
    issued = api(owner).post(f"/invoices/{invoice['id']}/issue", {}).json()
    assert issued["split_payment"] is True


def test_a_draft_is_deleted_and_an_order_changed_through_the_api(as_owner, customer):
    draft = new_invoice(as_owner, customer)
    order = as_owner.post("/orders", {"company_id": str(customer.pk), "lines": [LINE]}).json()

    assert as_owner.delete(f"/invoices/{draft['id']}").status_code == 204
    assert as_owner.get(f"/invoices/{draft['id']}").status_code == 404
    changed = as_owner.patch(
        f"/orders/{order['id']}", {"version": order["version"], "lines": [{**LINE, "quantity": "3"}], "notes": "Pilne"}
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["gross_total"], changed.json()["notes"]) == ("1845.00", "Pilne")
    assert as_owner.patch(f"/orders/{order['id']}", {"version": order["version"], "notes": "x"}).status_code == 409
