"""Every persona against billing's screens and endpoints (the access matrix of accord/tests, for
billing's records): an invoice, an order and a payment are seen with their customer's company;
out of sight is 404, a read-only user is refused writes (403), and a refused write changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from accord.billing.models import Invoice, Order, Payment, PaymentAllocation
from accord.billing.services import invoices, orders, payments
from accord.core.models import AuditEntry, Event
from accord.identity import services as identity

PERSONAS = ["owner", "teammate", "outsider", "viewer", "anonymous"]
LINE = {"description": "Usługa", "quantity": "1", "unit_price": "100", "vat_rate": "23"}


@dataclass
class World:
    invoice: Invoice
    draft: Invoice
    order: Order
    payment: Payment
    credit: Payment
    users: dict[str, Any]


@pytest.fixture
def world(owner, teammate, outsider, viewer, customer) -> World:
    invoice = invoices.issue(
        actor=owner, invoice=invoices.create_invoice(actor=owner, data={"company": customer, "lines": [LINE]})
    )
    draft = invoices.create_invoice(actor=owner, data={"company": customer, "lines": [LINE]})
    order = orders.create_order(actor=owner, data={"company": customer, "lines": [LINE]})
    payment = payments.record_payment(actor=owner, amount="10", currency="PLN", invoice=invoice)
    credit = payments.record_payment(actor=owner, amount="5", currency="PLN", company=customer)
    users = {"owner": owner, "teammate": teammate, "outsider": outsider, "viewer": viewer, "anonymous": None}
    return World(invoice, draft, order, payment, credit, users)


def state() -> tuple[Any, ...]:
    return (
        sorted(Invoice.objects.values_list("pk", "version", "status", "number")),
        sorted(Order.objects.values_list("pk", "version", "status")),
        sorted(Payment.objects.values_list("pk", "version", "allocated_amount")),
        PaymentAllocation.objects.count(),
        AuditEntry.objects.count(),
        Event.objects.count(),
    )


def outcome(response: Any) -> str:
    if response.status_code == 401 or (response.status_code == 302 and "/login/" in response.get("Location", "")):
        return "login"
    return {200: "ok", 201: "ok", 204: "ok", 302: "ok", 403: "denied", 404: "hidden"}.get(
        response.status_code, str(response.status_code)
    )


def browser(world: World, persona: str) -> Client:
    client = Client()
    if world.users[persona] is not None:
        client.force_login(world.users[persona])
    return client


def api_client(world: World, persona: str) -> Client:
    client = Client()
    if world.users[persona] is not None:
        _, raw = identity.create_token(user=world.users[persona])
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


READS = {
    "invoice page": lambda w: f"/billing/invoices/{w.invoice.pk}/",
    "invoice pdf": lambda w: f"/billing/invoices/{w.invoice.pk}/pdf/",
    "order page": lambda w: f"/billing/orders/{w.order.pk}/",
    "payment page": lambda w: f"/billing/payments/{w.payment.pk}/",
    "api invoice": lambda w: f"/api/v1/invoices/{w.invoice.pk}",
    "api invoice pdf": lambda w: f"/api/v1/invoices/{w.invoice.pk}/pdf",
    "api order": lambda w: f"/api/v1/orders/{w.order.pk}",
    "api payment": lambda w: f"/api/v1/payments/{w.payment.pk}",
}
READ_EXPECTED = {"owner": "ok", "teammate": "ok", "viewer": "ok", "outsider": "hidden", "anonymous": "login"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("what", list(READS))
def test_reading(world, persona, what):
    client = api_client(world, persona) if what.startswith("api") else browser(world, persona)

    assert outcome(client.get(READS[what](world))) == READ_EXPECTED[persona]


LISTS = ["/billing/invoices/", "/billing/orders/", "/billing/payments/", "/billing/receivables/"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", LISTS)
def test_lists_show_only_what_is_in_sight(world, persona, path):
    response = browser(world, persona).get(path)

    if persona == "anonymous":
        assert outcome(response) == "login"
        return
    assert response.status_code == 200
    assert ("Żółta Łódź" in response.content.decode()) is (persona != "outsider")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", ["/api/v1/invoices", "/api/v1/orders", "/api/v1/payments"])
def test_api_lists_show_only_what_is_in_sight(world, persona, path):
    response = api_client(world, persona).get(path)

    if persona == "anonymous":
        assert response.status_code == 401
        return
    assert (len(response.json()["items"]) > 0) is (persona != "outsider")


WRITES = {
    "issue draft": lambda w, c: c.post(f"/billing/invoices/{w.draft.pk}/issue/", {}),
    "delete draft": lambda w, c: c.post(f"/billing/invoices/{w.draft.pk}/delete/", {}),
    "pay": lambda w, c: c.post(
        f"/billing/invoices/{w.invoice.pk}/pay/", {"amount": "1", "received_on": "2026-03-01", "method": "cash"}
    ),
    "allocate": lambda w, c: c.post(f"/billing/payments/{w.credit.pk}/allocate/", {"invoice": str(w.invoice.pk)}),
    "order status": lambda w, c: c.post(f"/billing/orders/{w.order.pk}/status/", {"status": "confirmed"}),
    "api issue": lambda w, c: c.post(f"/api/v1/invoices/{w.draft.pk}/issue", "{}", content_type="application/json"),
    "api patch draft": lambda w, c: c.patch(
        f"/api/v1/invoices/{w.draft.pk}", '{"notes": "x"}', content_type="application/json"
    ),
    "api pay": lambda w, c: c.post(
        f"/api/v1/invoices/{w.invoice.pk}/payments", '{"amount": "1"}', content_type="application/json"
    ),
    "api correct": lambda w, c: c.post(
        f"/api/v1/invoices/{w.invoice.pk}/corrections",
        '{"reason": "x", "lines": [{"description": "Nowa", "unit_price": "1", "vat_rate": "23"}]}',
        content_type="application/json",
    ),
}
WRITE_EXPECTED = {"owner": "ok", "teammate": "ok", "viewer": "denied", "outsider": "hidden", "anonymous": "login"}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(WRITES))
def test_writing(world, persona, action):
    client = api_client(world, persona) if action.startswith("api") else browser(world, persona)
    before = state()

    response = WRITES[action](world, client)

    assert outcome(response) == WRITE_EXPECTED[persona]
    if WRITE_EXPECTED[persona] != "ok":
        assert state() == before
