"""The search box over every registered kind of record: contacts, companies, leads, deals and
quotes, each scoped by the access policy, grouped, with the field that matched marked."""

from __future__ import annotations

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from accord.billing.models import Invoice, Order
from accord.core import global_search, search
from accord.core.global_search import Searchable
from accord.people.models import Company, Contact
from accord.sales.models import Deal, Lead, Quote
from accord.sales.services import deals, leads
from accord.sales.services import quotes as quote_services


def found(user, query):
    return [(hit.type, hit.title) for hit in global_search.search_all(user, query)]


def test_every_searchable_model_is_registered_once_and_explicitly():
    assert search.searchable_models() == [Contact, Company, Lead, Deal, Quote, Invoice, Order]
    with pytest.raises(ValueError, match="already registered"):
        global_search.register(
            Searchable(kind="customer", label="x", model=Contact, visible=None, names=None, show=None)  # type: ignore[arg-type]
        )


def test_leads_deals_and_quotes_are_found_and_grouped_by_kind(owner, make_company):
    acme = make_company(owner, name="Wierzbowski Logistics")
    leads.create_lead(actor=owner, data={"first_name": "Ewa", "last_name": "Wierzbowska", "company_name": "Tarnex"})
    deal = deals.create_deal(
        actor=owner,
        data={"name": "Wierzbowski fleet", "company": acme, "lines": [{"description": "Trucks", "unit_price": "10"}]},
    )
    quote = quote_services.create_from_deal(actor=owner, deal=deal)

    groups = global_search.search_grouped(owner, "wierzbow")
    by_number = global_search.search_all(owner, quote.number)

    assert [(kind, [h.title for h in hits]) for kind, _label, hits in groups] == [
        ("contact", []),
        ("company", ["Wierzbowski Logistics"]),
        ("lead", ["Ewa Wierzbowska"]),
        ("deal", ["Wierzbowski fleet"]),
        ("quote", [quote.number]),
        ("invoice", []),
        ("order", []),
    ]
    quote_hit = groups[4][2][0]
    assert (quote_hit.matched.label, quote_hit.matched.html()) == ("customer", "<mark>Wierzbow</mark>ski Logistics")
    assert [(h.type, h.title) for h in by_number] == [("quote", quote.number)]
    assert by_number[0].url == f"/sales/quotes/{quote.pk}/"
    deal_hit = groups[3][2][0]
    assert deal_hit.subtitle == "Qualification · 10 PLN · Wierzbowski Logistics"
    assert deal_hit.in_title.html() == "<mark>Wierzbow</mark>ski fleet"


def test_quotes_are_found_by_customer_and_tax_id(owner, customer):
    company, _contact = customer
    deal = deals.create_deal(
        actor=owner,
        data={"name": "Boats", "company": company, "lines": [{"description": "Boat", "unit_price": "10"}]},
    )
    quote = quote_services.create_from_deal(actor=owner, deal=deal)

    hits = [h for h in global_search.search_all(owner, "5260250995") if h.type == "quote"]

    assert [h.id for h in hits] == [quote.pk]
    assert (hits[0].matched.label, hits[0].matched.html()) == ("tax id", "<mark>5260250995</mark>")


def test_search_respects_the_access_policy_for_every_kind(owner, outsider, make_company):
    acme = make_company(owner, name="Gorzkowski Sp.")
    leads.create_lead(actor=owner, data={"first_name": "Adam", "last_name": "Gorzkowski"})
    deal = deals.create_deal(
        actor=owner,
        data={"name": "Gorzkowski deal", "company": acme, "lines": [{"description": "X", "unit_price": "1"}]},
    )
    quote_services.create_from_deal(actor=owner, deal=deal)

    assert {kind for kind, _title in found(owner, "gorzkowski")} == {"company", "lead", "deal", "quote"}
    assert found(outsider, "gorzkowski") == []
    assert found(outsider, Quote.objects.get().number) == []


@pytest.mark.parametrize(
    ("typed", "marked"),
    [
        ("0048 601 234 567", "+<mark>48 601 234 567</mark>"),
        ("00 48 601 234 567", "+<mark>48 601 234 567</mark>"),
        ("+48 601 234 567", "+<mark>48 601 234 567</mark>"),
        ("601 234 567", "+48 <mark>601 234 567</mark>"),
        ("601234567", "+48 <mark>601 234 567</mark>"),
    ],
)
def test_a_phone_number_is_found_however_it_is_typed(owner, make_contact, typed, marked):
    make_contact(owner, first_name="Jan", last_name="Kowalski", phones=[{"number": "+48601234567"}])

    hits = global_search.search_all(owner, typed)

    assert [(h.type, h.title) for h in hits] == [("contact", "Jan Kowalski")]
    assert hits[0].matched.label == "phone"
    assert hits[0].matched.value == "+48 601 234 567"
    assert hits[0].matched.html() == marked


def test_the_matched_field_is_named_and_marked(owner, make_contact, make_company):
    firm = make_company(owner, name="Kuźnia Rzemiosła", nip="5260250995")
    make_contact(
        owner,
        first_name="Jan",
        last_name="Nowakowski",
        emails=[{"email": "jan.nowakowski@example.com"}, {"email": "biuro.prywatne@example.org"}],
        companies=[{"company": firm}],
    )

    by_second_email = global_search.search_all(owner, "prywatne")[0]
    by_company = next(h for h in global_search.search_all(owner, "kuznia") if h.type == "contact")
    by_nip = next(h for h in global_search.search_all(owner, "526 025 09 95") if h.type == "company")

    assert (by_second_email.matched.label, by_second_email.matched.html()) == (
        "e-mail",
        "biuro.<mark>prywatne</mark>@example.org",
    )
    # Folded for the search ("kuznia"), marked in the original spelling.
    assert (by_company.matched.label, by_company.matched.html()) == ("company", "<mark>Kuźnia</mark> Rzemiosła")
    assert (by_nip.matched.label, by_nip.matched.html()) == ("tax id", "<mark>5260250995</mark>")


def test_the_dropdown_groups_hits_and_escapes_what_it_marks(login, owner, make_contact):
    make_contact(owner, first_name="<b>Zbyszek</b>", last_name="Kłos", emails=[{"email": "zbyszek.klos@example.com"}])
    leads.create_lead(actor=owner, data={"first_name": "Zbyszek", "last_name": "Lead", "email": "z@lead.example"})

    html = login(owner).get("/search/", {"q": "zbyszek"}, HTTP_HX_REQUEST="true").content.decode()
    page = login(owner).get("/search/", {"q": "klos@"}).content.decode()

    assert html.index('class="search-group"') < html.index("Contacts") < html.index("Leads")
    assert "&lt;b&gt;<mark>Zbyszek</mark>&lt;/b&gt; Kłos" in html
    assert "<b>Zbyszek" not in html
    assert '<span class="search-match-label">e-mail:</span> zbyszek.<mark>klos@</mark>example.com' in page


def test_the_api_says_where_each_hit_matched(api, owner, make_contact):
    make_contact(owner, first_name="Jan", last_name="Kowalski", phones=[{"number": "+48601234567"}])

    hits = api(owner).get("/search", {"q": "0048 601 234 567"}).json()

    assert [(h["type"], h["title"]) for h in hits] == [("contact", "Jan Kowalski")]
    assert hits[0]["matched"] == {"label": "phone", "value": "+48 601 234 567", "start": 1, "end": 15}


@pytest.mark.django_db(transaction=True)
def test_reindex_rebuilds_every_registered_index(owner, make_contact):
    make_contact(owner, first_name="Jan", last_name="Reindeksowski")
    deals.create_deal(actor=owner, data={"name": "Reindeksowy projekt"})
    out = io.StringIO()

    call_command("reindex", stdout=out)

    assert "Rebuilt 7 search indexes." in out.getvalue()
    assert sorted(found(owner, "reindeks")) == [("contact", "Jan Reindeksowski"), ("deal", "Reindeksowy projekt")]


def test_the_migration_fills_the_search_text_of_existing_quotes(owner):
    deal = deals.create_deal(actor=owner, data={"name": "Old", "lines": [{"description": "Thing", "unit_price": "5"}]})
    quote = quote_services.create_from_deal(actor=owner, deal=deal)
    Quote.objects.filter(pk=quote.pk).update(search_text="", customer_name="Stara Firma", revision=2)
    migration = importlib.import_module("accord.sales.migrations.0008_search_leads_deals_quotes")

    migration.fill_quote_search_text(apps, None)

    assert (
        Quote.objects.get(pk=quote.pk).search_text == f"{quote.number.lower()}/2 | {quote.number.lower()} | stara firma"
    )
    assert [h.type for h in global_search.search_all(owner, "stara firma")] == ["quote"]


def test_a_misspelt_deal_or_lead_is_found_as_a_near_miss(owner):
    deals.create_deal(actor=owner, data={"name": "Przebudowa magazynu Wrocław"})
    leads.create_lead(actor=owner, data={"first_name": "Bożena", "last_name": "Szczepankiewicz"})

    assert found(owner, "magazynú wroclwa")[:1] == [("deal", "Przebudowa magazynu Wrocław")]
    assert found(owner, "szczepankiewitz") == [("lead", "Bożena Szczepankiewicz")]


def test_the_search_page_shows_only_the_kinds_that_found_something(login, owner, make_contact):
    make_contact(owner, first_name="Wiesława", last_name="Grzybowska")

    found = login(owner).get("/search/", {"q": "grzybowska"}).content.decode()
    nothing = login(owner).get("/search/", {"q": "qqqxyz"}).content.decode()

    assert 'aria-label="Contacts"' in found
    assert 'aria-label="Leads"' not in found
    assert "Nothing found." not in found
    assert "Nothing found." in nothing
