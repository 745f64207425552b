"""Portal personas: two customer companies (A and B), each with a contact who uses the portal, and
a partner company with its partner user; factories for their tickets, quotes, orders and invoices."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from accord.identity.models import PortalAccess, PortalKind

SELLER = {
    "name": "Accord Sp. z o.o.",
    "address": "ul. Prosta 1\n00-001 Warszawa",
    "tax_id": "5260250995",
    "email": "biuro@accord.example",
    "phone": "+48 22 000 00 00",
    "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
}
LINES = [{"description": "Drukarka", "quantity": "2", "unit_price": "500", "vat_rate": "23", "unit": "pcs"}]


@pytest.fixture(autouse=True)
def seller(settings: Any) -> None:
    settings.ACCORD_SELLER = dict(SELLER)
    settings.DEFAULT_CURRENCY = "PLN"


@dataclass
class Customer:
    company: Any
    contact: Any
    access: PortalAccess

    @property
    def user(self) -> Any:
        return self.access.user


def _customer(owner: Any, make_company: Any, make_contact: Any, name: str, email: str) -> Customer:
    from accord.portal.services import invitations

    company = make_company(owner, name=name)
    contact = make_contact(
        owner, first_name="Ewa", last_name=name, emails=[{"email": email}], companies=[{"company": company}]
    )
    access = invitations.invite(actor=owner, contact=contact)
    return Customer(company=company, contact=contact, access=PortalAccess.objects.get(pk=access.pk))


@pytest.fixture
def customer_a(owner: Any, make_company: Any, make_contact: Any) -> Customer:
    return _customer(owner, make_company, make_contact, "Alfa", "ewa@alfa.example")


@pytest.fixture
def customer_b(owner: Any, make_company: Any, make_contact: Any) -> Customer:
    return _customer(owner, make_company, make_contact, "Beta", "ewa@beta.example")


@pytest.fixture
def partner(owner: Any, make_company: Any, make_contact: Any) -> Customer:
    from accord.portal.services import invitations

    company = make_company(owner, name="Partner Sp. z o.o.")
    contact = make_contact(
        owner,
        first_name="Piotr",
        last_name="Partner",
        emails=[{"email": "piotr@partner.example"}],
        companies=[{"company": company}],
    )
    access = invitations.invite(actor=owner, contact=contact, kind=PortalKind.PARTNER)
    return Customer(company=company, contact=contact, access=PortalAccess.objects.get(pk=access.pk))


def portal_client(customer: Customer) -> Client:
    client = Client()
    client.force_login(customer.user)
    return client


@pytest.fixture
def make_ticket() -> Any:
    from accord.service.services import tickets

    def make(customer: Customer, subject: str = "Drukarka nie drukuje") -> Any:
        return tickets.create_ticket(
            actor=None, contact=customer.contact, company=customer.company, subject=subject, body="Miga na czerwono."
        )

    return make


@pytest.fixture
def make_quote(owner: Any) -> Any:
    from accord.sales.services import deals, quotes

    def make(customer: Customer, *, send: bool = True) -> Any:
        deal = deals.create_deal(
            actor=owner,
            data={"name": "Drukarki", "company": customer.company, "contacts": [customer.contact], "lines": LINES},
        )
        quote = quotes.create_from_deal(actor=owner, deal=deal)
        return quotes.send(actor=owner, quote=quote, to=customer.contact.primary_email) if send else quote

    return make


@pytest.fixture
def make_invoice(owner: Any) -> Any:
    from accord.billing.services import invoices

    def make(customer: Customer, *, issue_date: datetime.date | None = None, issued: bool = True) -> Any:
        data: dict[str, Any] = {"company": customer.company, "lines": LINES}
        if issue_date is not None:
            data["issue_date"] = issue_date
            data["sale_date"] = issue_date
        invoice = invoices.create_invoice(actor=owner, data=data)
        return invoices.issue(actor=owner, invoice=invoice) if issued else invoice

    return make


@pytest.fixture
def make_order(owner: Any) -> Any:
    from accord.billing.services import orders

    def make(customer: Customer, *, confirmed: bool = True) -> Any:
        order = orders.create_order(actor=owner, data={"company": customer.company, "lines": LINES})
        return orders.set_status(actor=owner, order=order, status="confirmed") if confirmed else order

    return make
