"""The API writes contact and company records by hand (``people/api/records.py``) instead of
validating model instances through ``ContactOut``/``CompanyOut``: both must give the same JSON, for
records using every field and list, and for bare ones."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from ninja.renderers import JSONRenderer

from accord.core.models import CustomFieldDefinition
from accord.people import selectors
from accord.people.api import CompanyOut, ContactOut


def _rendered(body: Any) -> Any:
    return json.loads(JSONRenderer().render(None, body, response_status=200))  # type: ignore[arg-type]


@pytest.fixture
def records(owner, teammate, make_company, make_contact, territory_mazovia):
    CustomFieldDefinition.objects.create(entity="people.contact", key="vip", label="VIP", field_type="boolean")
    CustomFieldDefinition.objects.create(entity="people.company", key="tier", label="Tier", field_type="text")
    acme = make_company(
        owner,
        name="Acme sp. z o.o.",
        nip="5260250995",
        website="acme.pl",
        country="PL",
        emails=[{"email": "biuro@acme.pl"}, {"email": "faktury@acme.pl", "label": "other"}],
        phones=[{"number": "22 123 45 67", "label": "work"}],
        addresses=[{"street": "Długa 1", "city": "Kraków", "country": "PL"}, {"city": "Gdańsk", "label": "billing"}],
        tags=["key account", "b2b"],
        custom={"tier": "gold"},
        territory=territory_mazovia,
    )
    beta = make_company(teammate, name="Beta")
    full = make_contact(
        owner,
        first_name="Anna",
        last_name="Nowak",
        emails=[{"email": "anna@acme.pl"}, {"email": "anna@home.example", "label": "home"}],
        phones=[{"number": "601 234 567"}, {"number": "+44 20 7946 0958", "label": "work"}],
        addresses=[{"street": "Polna 3", "postal_code": "00-001", "city": "Warszawa", "region": "mazowieckie"}],
        companies=[
            {"company": beta, "job_title": "Adviser"},
            {"company": acme, "job_title": "CEO", "department": "Board", "is_primary": True},
        ],
        birthday=datetime.date(1980, 2, 29),
        preferred_language="pl",
        preferred_channel="email",
        source="referral",
        preferences=["sailing", "wine"],
        tags=["vip", "newsletter", "Ąbc"],
        notes="Likes sailing",
        external_id="crm-1",
        custom={"vip": True},
    )
    bare = make_contact(owner, first_name="", last_name="Bez Maila")
    return {"contacts": [full, bare], "companies": [acme, beta]}


def test_a_contact_is_written_as_its_schema_would(records, owner):
    from accord.people.api import records as writer

    for contact in records["contacts"]:
        by_schema = ContactOut.from_orm(selectors.contact_detail(owner, contact.pk)).model_dump()
        by_hand = writer.contact_body(selectors.contact_record(owner, contact.pk))
        assert _rendered(by_hand) == _rendered(by_schema)
    full = _rendered(writer.contact_body(selectors.contact_record(owner, records["contacts"][0].pk)))
    # The lists came through, in their order.
    assert [c["company_name"] for c in full["companies"]] == ["Acme sp. z o.o.", "Beta"]
    assert full["tags"] == ["newsletter", "vip", "Ąbc"]
    assert full["phones"][0] == {"number": "+48601234567", "display": "+48 601 234 567", "label": "mobile"}


def test_a_company_is_written_as_its_schema_would(records, owner):
    from accord.people.api import records as writer

    for company in records["companies"]:
        by_schema = CompanyOut.from_orm(selectors.company_detail(owner, company.pk)).model_dump()
        by_hand = writer.company_body(selectors.company_record(owner, company.pk))
        assert _rendered(by_hand) == _rendered(by_schema)


def test_the_lists_and_one_record_answer_the_same_records(records, api, owner):
    client = api(owner)
    listed = {item["id"]: item for item in client.get("/contacts?limit=50").json()["items"]}
    for contact in records["contacts"]:
        one = client.get(f"/contacts/{contact.pk}")
        assert one["ETag"] == f'"{contact.version}"'
        assert one.json() == listed[str(contact.pk)]
        assert one["Content-Type"] == "application/json; charset=utf-8"
    companies = {item["id"]: item for item in client.get("/companies?limit=50").json()["items"]}
    for company in records["companies"]:
        if str(company.pk) in companies:
            assert client.get(f"/companies/{company.pk}").json() == companies[str(company.pk)]
