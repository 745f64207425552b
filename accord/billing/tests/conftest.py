"""Fixtures shared by the billing tests: a configured seller and a Polish customer."""

from __future__ import annotations

from typing import Any

import pytest

SELLER = {
    "name": "Accord Sp. z o.o.",
    "address": "ul. Prosta 1\n00-001 Warszawa",
    "tax_id": "5260250995",
    "email": "biuro@accord.example",
    "phone": "+48 22 000 00 00",
    "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
}


@pytest.fixture(autouse=True)
def seller(settings: Any) -> dict[str, str]:
    settings.ACCORD_SELLER = dict(SELLER)
    settings.DEFAULT_CURRENCY = "PLN"
    return SELLER


@pytest.fixture
def customer(owner: Any, make_company: Any) -> Any:
    """A Polish company of ``owner`` with a NIP and an address."""
    return make_company(
        owner,
        name="Żółta Łódź Sp. z o.o.",
        nip="7740001454",
        addresses=[{"street": "ul. Świętokrzyska 12", "postal_code": "00-916", "city": "Warszawa", "country": "PL"}],
    )


LINES = [
    {"description": "Stal zbrojeniowa", "quantity": "3", "unit_price": "199.99", "vat_rate": "23", "unit": "pcs"},
    {"description": "Montaż", "quantity": "1", "unit_price": "1000", "vat_rate": "23"},
    {"description": "Szkolenie", "quantity": "2.5", "unit_price": "40.10", "vat_rate": "8", "unit": "h"},
    {"description": "Usługa zwolniona", "quantity": "1", "unit_price": "100", "vat_rate": "zw"},
]


@pytest.fixture
def make_invoice(owner: Any, customer: Any) -> Any:
    from accord.billing.services import invoices

    def make(actor: Any = None, **data: Any) -> Any:
        data.setdefault("company", customer)
        data.setdefault("lines", LINES)
        return invoices.create_invoice(actor=actor or owner, data=data)

    return make


@pytest.fixture
def accepted_quote(owner: Any, customer: Any, make_contact: Any) -> Any:
    """An accepted quote of ``owner``'s deal with ``customer``: 3 x 199.99 at 23%, 2.5 h x 40.10 at 8%."""
    from accord.sales.services import deals, quotes

    contact = make_contact(owner, first_name="Zofia", last_name="Gęślak", emails=[{"email": "zofia@zolta.example"}])
    deal = deals.create_deal(
        actor=owner,
        data={
            "name": "Dostawa stali",
            "company": customer,
            "contacts": [contact],
            "lines": [
                {"description": "Stal", "quantity": "3", "unit_price": "199.99", "vat_rate": "23", "unit": "pcs"},
                {"description": "Szkolenie", "quantity": "2.5", "unit_price": "40.10", "vat_rate": "8", "unit": "h"},
            ],
        },
    )
    quote = quotes.create_from_deal(actor=owner, deal=deal)
    quote = quotes.send(actor=owner, quote=quote, to="zofia@zolta.example")
    return quotes.accept(actor=owner, quote=quote)
