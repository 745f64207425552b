"""Fixtures shared by the sales tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def customer(owner, make_company, make_contact):
    """A Polish company and its contact, with the letters a PDF must get right."""
    company = make_company(
        owner,
        name="Żółta Łódź Sp. z o.o.",
        nip="5260250995",
        addresses=[{"street": "ul. Świętokrzyska 12", "postal_code": "00-916", "city": "Warszawa", "country": "PL"}],
    )
    contact = make_contact(
        owner,
        first_name="Zofia",
        last_name="Gęślak",
        emails=[{"email": "zofia@zolta.example"}],
        preferred_language="pl",
    )
    return company, contact
