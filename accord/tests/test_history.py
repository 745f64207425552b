"""A record's history reads like a person wrote it: names instead of ids, field labels in the
reader's language, choices by their labels, dates, numbers and money in the reader's locale, and
nothing that did not change or that only the system keeps."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from accord.activities.selectors import interactions_about
from accord.core import services as core_services
from accord.core.models import AuditEntry, entity_label
from accord.core.selectors import audit_entries
from accord.core.selectors import history as history_of
from accord.people import merging
from accord.people import services as people
from accord.people.models import Contact
from accord.sales.models import Stage
from accord.sales.services import deals, products

pytestmark = pytest.mark.django_db
D = decimal.Decimal


def history(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response.context["history_rows"], response.content.decode()


def changes(row):
    return [(c.label, c.before, c.after) for c in row.changes]


@pytest.fixture
def region(admin_user):
    return core_services.create_custom_field(
        actor=admin_user,
        entity="people.contact",
        label="Sales region",
        field_type="choice",
        key="region",
        choices=["North", "South"],
    )


def test_an_update_names_people_and_records_and_shows_values_as_people_read_them(
    login, owner, teammate, admin_user, region, make_contact
):
    contact = make_contact(owner, first_name="Ewa", last_name="Nowak", phones=[{"number": "601234567"}])

    people.update_contact(
        actor=admin_user,
        contact=contact,
        data={
            "owner": teammate,
            "birthday": datetime.date(1985, 4, 23),
            "preferred_language": "pl",
            "preferred_channel": "phone",
            "custom": {"region": "North"},
            "tags": ["VIP"],
            "phones": [{"number": "601234567"}, {"number": "+44 20 7946 0958"}],
        },
    )

    rows, page = history(login(admin_user), f"/contacts/{contact.pk}/history/")
    update = rows[0]
    assert (update.title, update.actor) == ("Updated", "Admin")
    assert changes(update) == [
        ("Birthday", "", "04/23/1985"),
        ("Preferred language", "", "Polish"),
        ("Preferred channel", "", "Phone"),
        ("Owner", "Owner", "Teammate"),
        ("Sales region", "", "North"),
        ("Phone numbers", "+48 601 234 567", "+48 601 234 567, +44 20 7946 0958"),
        ("Tags", "", "VIP"),
    ]
    assert "<del>Owner</del> → <ins>Teammate</ins>" in page
    assert '<span class="muted">Birthday:</span> <span class="muted">—</span> → <ins>04/23/1985</ins>' in page
    assert str(teammate.pk) not in page


def test_the_history_speaks_the_readers_language(login, owner, teammate, make_contact):
    owner.language = "pl"
    owner.save()
    contact = make_contact(owner, first_name="Ewa", last_name="Nowak")
    people.update_contact(
        actor=owner, contact=contact, data={"birthday": datetime.date(1985, 4, 23), "preferred_channel": "phone"}
    )

    rows, _ = history(login(owner), f"/contacts/{contact.pk}/history/")

    assert rows[0].title == "Zaktualizowano"
    assert changes(rows[0]) == [("Data urodzenia", "", "23.04.1985"), ("Preferowany kanał kontaktu", "", "Telefon")]


def test_a_create_shows_only_what_was_filled_in(login, owner, make_contact):
    contact = make_contact(
        owner, first_name="Ewa", last_name="Nowak", emails=[{"email": "ewa@nowak.example"}], notes=""
    )

    rows, _ = history(login(owner), f"/contacts/{contact.pk}/history/")

    [created] = rows
    assert (created.action, created.title, created.actor) == ("create", "Created", "Owner")
    assert changes(created) == [
        ("First name", "", "Ewa"),
        ("Last name", "", "Nowak"),
        ("Source", "", "Entered by hand"),
        ("Owner", "", "Owner"),
        ("Team", "", "North"),
        ("E-mail addresses", "", "ewa@nowak.example"),
    ]


def test_fields_that_read_the_same_before_and_after_and_bookkeeping_are_left_out(login, owner, make_contact):
    contact = make_contact(owner, first_name="Ewa", last_name="Nowak")
    # Entries written before some fields counted as bookkeeping, and a value that went from
    # nothing to an empty text: none of it is news to a reader.
    AuditEntry.objects.create(
        actor=owner,
        action="update",
        entity=entity_label(Contact),
        object_id=contact.pk,
        changes={
            "sort_name": ["nowak ewa", "nowak-ewa"],
            "search_text": ["ewa nowak", "ewa nowak x"],
            "version": [1, 2],
            "notes": [None, ""],
            "tags": [[], None],
        },
    )
    AuditEntry.objects.create(
        actor=owner,
        action="update",
        entity=entity_label(Contact),
        object_id=contact.pk,
        changes={"notes": [None, "Prefers mornings"], "classification": ["", None]},
    )

    rows, _ = history(login(owner), f"/contacts/{contact.pk}/history/")

    assert [row.title for row in rows] == ["Updated", "Created"]
    assert changes(rows[0]) == [("Notes", "", "Prefers mornings")]


def test_a_record_deleted_since_shows_as_its_id_marked_deleted(login, owner, make_company):
    acme = make_company(owner, name="Acme")
    globex = make_company(owner, name="Globex")
    deal = deals.create_deal(actor=owner, data={"name": "Roll-out", "company": acme})
    deals.update_deal(actor=owner, deal=deal, data={"company": globex})
    people.delete_company(actor=owner, company=acme)

    rows, _ = history(login(owner), f"/sales/deals/{deal.pk}/history/")

    assert changes(rows[0]) == [("Company", f"{acme.pk} (deleted)", "Globex")]


def test_a_deal_shows_stages_statuses_dates_and_money_in_its_currency(login, owner, make_company):
    deal = deals.create_deal(actor=owner, data={"name": "Roll-out", "amount": D("1200"), "currency": "EUR"})
    deals.update_deal(
        actor=owner,
        deal=deal,
        data={"amount": D("15300.5"), "expected_close": datetime.date(2030, 6, 30), "next_step": "Call the CFO"},
    )
    deals.update_deal(actor=owner, deal=deal, data={"currency": "PLN", "amount": D("65000")})
    deals.move_deal(actor=owner, deal=deal, stage=Stage.objects.get(pipeline__is_default=True, name="Proposal"))

    rows, _ = history(login(owner), f"/sales/deals/{deal.pk}/history/")

    assert [changes(row) for row in rows[:3]] == [
        [("Stage", "Qualification", "Proposal"), ("Win probability (%)", "10", "50")],
        [("Amount", "15,300.50 EUR", "65,000.00 PLN"), ("Currency", "EUR", "PLN")],
        [
            ("Amount", "1,200.00 EUR", "15,300.50 EUR"),
            ("Expected close", "", "06/30/2030"),
            ("Next step", "", "Call the CFO"),
        ],
    ]
    created = rows[3]
    assert ("Amount", "", "1,200.00 EUR") in changes(created)
    assert ("Status", "", "Open") in changes(created)
    assert ("Pipeline", "", "New business") in changes(created)


def test_a_merge_says_which_records_were_merged_in(login, owner, make_contact):
    survivor = make_contact(owner, first_name="Ewa", last_name="Nowak")
    duplicate = make_contact(owner, first_name="Ewa", last_name="Nowakowa")

    merging.merge_contacts(actor=owner, survivor=survivor, duplicates=[duplicate])

    rows, page = history(login(owner), f"/contacts/{survivor.pk}/history/")
    merge = next(row for row in rows if row.action == "merge")
    assert (merge.title, merge.actor, merge.note, merge.changes) == ("Merged", "Owner", "Merged in: Ewa Nowakowa", [])
    assert str(duplicate.pk) not in page


def test_a_history_page_costs_the_same_queries_however_long_it_is(login, owner, teammate, admin_user, make_contact):
    contact = make_contact(owner, first_name="Ewa", last_name="Nowak")
    client = login(owner)
    people.update_contact(actor=admin_user, contact=contact, data={"owner": teammate})
    people.update_contact(actor=admin_user, contact=contact, data={"owner": owner})
    path = f"/contacts/{contact.pk}/history/"
    with CaptureQueriesContext(connection) as few:
        client.get(path)

    for i in range(15):
        data = {"owner": [teammate, owner][i % 2], "notes": f"{i}"}
        people.update_contact(actor=admin_user, contact=contact, data=data)
    with CaptureQueriesContext(connection) as many:
        rows, _ = history(client, path)

    assert len(rows) == 18
    assert len(many) == len(few)


def test_money_and_dates_follow_the_readers_locale(login, owner, make_company):
    owner.language = "pl"
    owner.save()
    deal = deals.create_deal(actor=owner, data={"name": "Roll-out", "amount": D("1200"), "currency": "EUR"})
    deals.update_deal(
        actor=owner, deal=deal, data={"amount": D("15300.5"), "expected_close": datetime.date(2030, 6, 30)}
    )

    rows, _ = history(login(owner), f"/sales/deals/{deal.pk}/history/")

    assert changes(rows[0]) == [
        ("Kwota", "1\xa0200,00\xa0€", "15\xa0300,50\xa0€"),
        ("Przewidywane zamknięcie", "", "30.06.2030"),
    ]


def test_a_products_history_shows_its_prices_and_yes_no(login, admin_user):
    product = products.create_product(
        actor=admin_user,
        data={"sku": "W-1", "name": "Widget", "vat_rate": "23", "prices": [{"currency": "PLN", "price": "1000"}]},
    )
    products.update_product(
        actor=admin_user,
        product=product,
        data={"active": False, "prices": [{"currency": "PLN", "price": "1250.5"}, {"currency": "EUR", "price": "300"}]},
    )

    rows, _ = history(login(admin_user), f"/sales/products/{product.pk}/")

    assert changes(rows[0]) == [
        ("Active", "Yes", "No"),
        ("Prices", "PLN: 1,000.00", "EUR: 300.00, PLN: 1,250.50"),
    ]
    assert ("VAT (%)", "", "23.00") in changes(rows[1])


def test_the_history_and_the_calls_about_a_record_out_of_sight_are_404(owner, outsider, make_contact):
    contact = make_contact(owner, first_name="Anna", last_name="Nowak")
    deal = deals.create_deal(actor=owner, data={"name": "North deal", "amount": D("10"), "currency": "PLN"})

    assert [row.title for row in history_of(owner, contact)] == ["Created"]
    assert [e.action for e in audit_entries(owner, deal)] == ["create"]
    assert interactions_about(owner, deal) == []
    for read in (lambda: history_of(outsider, contact), lambda: audit_entries(outsider, deal)):
        with pytest.raises(Http404):
            read()
    with pytest.raises(Http404):
        interactions_about(outsider, deal)
