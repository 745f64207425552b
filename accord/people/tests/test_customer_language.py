"""Which language Accord writes to a customer in: the contact's, else their main company's, else
the site's, skipping languages the interface has no catalogue for; and a company's own language
on its form and in the API."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from accord.core import languages
from accord.people import selectors
from accord.people.models import Company
from accord.people.selectors import customer_language

pytestmark = pytest.mark.django_db


def test_the_contacts_own_language_comes_first(owner, make_company, make_contact):
    company = make_company(owner, preferred_language="ro")
    contact = make_contact(owner, preferred_language="pl", companies=[{"company": company}])

    assert customer_language(contact=contact) == "pl"


def test_a_contact_without_one_is_written_to_in_their_main_companys(owner, make_company, make_contact):
    main = make_company(owner, name="Vilniaus Prekyba UAB", preferred_language="lt")
    other = make_company(owner, name="Moscow Trading", preferred_language="ru")
    contact = make_contact(
        owner, companies=[{"company": main, "is_primary": True}, {"company": other, "is_primary": False}]
    )

    assert customer_language(contact=contact) == "lt"


def test_a_language_without_a_catalogue_falls_through_to_the_next(owner, make_company, make_contact):
    company = make_company(owner, preferred_language="uk")
    german_at_a_romanian_firm = make_contact(
        owner, preferred_language="de", companies=[{"company": make_company(owner, preferred_language="ro")}]
    )
    german_at_a_ukrainian_firm = make_contact(owner, preferred_language="de", companies=[{"company": company}])

    assert customer_language(contact=german_at_a_romanian_firm) == "ro"
    # Neither German nor Ukrainian has a catalogue: the site's language, not untranslated text.
    assert customer_language(contact=german_at_a_ukrainian_firm) == "en"
    with override_settings(LANGUAGE_CODE="pl"):
        assert customer_language(contact=german_at_a_ukrainian_firm) == "pl"


def test_with_nothing_known_the_sites_language_applies(owner, make_contact):
    contact = make_contact(owner)

    assert customer_language(contact=contact) == "en"
    assert customer_language() == "en"
    with override_settings(LANGUAGE_CODE="ro"):
        assert customer_language(contact=contact) == "ro"


def test_the_given_company_stands_in_when_the_contact_and_their_employer_name_none(owner, make_company, make_contact):
    deal_company = make_company(owner, preferred_language="ru")

    assert customer_language(contact=make_contact(owner), company=deal_company) == "ru"
    assert customer_language(company=deal_company) == "ru"


def test_codes_are_taken_as_the_interface_speaks_them():
    assert languages.supported("pl") == "pl"
    assert languages.supported("pl-PL") == "pl"
    assert languages.supported("RO_ro") == "ro"
    assert languages.supported("de") == ""
    assert languages.supported("") == ""
    assert languages.supported(None) == ""
    assert languages.first_supported("de", "", "lt") == "lt"
    assert languages.first_supported("uk") == "en"


def test_messages_to_users_are_in_their_profiles_language_else_the_sites(make_user):
    from accord.identity.models import Role

    polish = make_user(Role.SALES_REP, [], username="ola")
    polish.language = "pl"
    undecided = make_user(Role.SALES_REP, [], username="kim")

    with translation.override("ru"):  # whoever's request it is, it is not theirs
        with languages.writing_to_user(polish) as code:
            assert (code, translation.get_language(), translation.gettext("Customer")) == ("pl", "pl", "Klient")
        with languages.writing_to_user(undecided) as code:
            assert (code, translation.gettext("Customer")) == ("en", "Customer")
        assert translation.get_language() == "ru"
    with override_settings(LANGUAGE_CODE="ro"), languages.writing_to_user(undecided) as code:
        assert (code, translation.gettext("Customer")) == ("ro", "Client")


def test_a_companys_language_is_set_on_its_form_and_shown_on_its_page(login, owner):
    client = login(owner)

    response = client.post("/companies/new/", {"name": "Lietuvos Pienas AB", "preferred_language": "lt"})

    company = Company.objects.get(name="Lietuvos Pienas AB")
    assert response.status_code == 302
    assert company.preferred_language == "lt"
    page = client.get(f"/companies/{company.pk}/").content.decode()
    assert "Lithuanian" in page
    edit = client.get(f"/companies/{company.pk}/edit/").content.decode()
    assert '<option value="lt" selected>' in edit


def test_a_companys_language_through_the_api(api, owner):
    created = api(owner).post("/companies", {"name": "Moldova Vin SRL", "preferred_language": "ro"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["preferred_language"] == "ro"

    changed = api(owner).patch(f"/companies/{body['id']}", {"preferred_language": "xx", "version": body["version"]})
    assert changed.status_code == 422
    assert "preferred_language" in str(changed.json())

    changed = api(owner).patch(f"/companies/{body['id']}", {"preferred_language": "", "version": body["version"]})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["preferred_language"] == ""


def test_a_companys_language_is_exported_and_imported_by_its_name_in_any_language(owner, make_company, tmp_path):
    from accord.people.tests.test_import import write_csv
    from accord.testing import run_command as accord

    exported = make_company(owner, name="Vilniaus Duona UAB", preferred_language="lt")
    column = next(c for c in selectors.company_columns() if c.name == "preferred_language")
    assert column.read(exported, human=False) == "lt"
    path = write_csv(tmp_path / "firmy.csv", "Nazwa;Język\nCluj Lemn SRL;Rumuński\nMoskva Trade;Russian\n")

    run = accord("import", "companies", str(path), "--owner", "owner")

    assert run.status == 0, run.err
    languages_by_name = dict(Company.objects.values_list("name", "preferred_language"))
    assert languages_by_name == {"Vilniaus Duona UAB": "lt", "Cluj Lemn SRL": "ro", "Moskva Trade": "ru"}


def test_many_companies_language_is_set_at_once_from_the_list(login, manager, owner, make_company):
    first = make_company(owner, name="Kauno Baldai UAB", country="LT")
    second = make_company(owner, name="Klaipėdos Uostas AB", country="LT")

    response = login(manager).post(
        "/lists/company/bulk/",
        {"action": "field", "field": "preferred_language", "value": "lt", "confirm": "1", "id": [first.pk, second.pk]},
    )

    assert response.status_code == 302
    assert set(Company.objects.values_list("preferred_language", flat=True)) == {"lt"}


def test_many_contacts_at_once_get_what_each_gets_alone(owner, make_company, make_contact, django_assert_num_queries):
    from accord.people.selectors import customer_languages

    lithuanian = make_company(owner, name="Vilniaus Prekyba UAB", preferred_language="lt")
    romanian = make_company(owner, name="Bucharest SRL", preferred_language="ro")
    contacts = [
        make_contact(owner, preferred_language="pl", companies=[{"company": romanian, "is_primary": True}]),
        make_contact(owner, preferred_language="de", companies=[{"company": lithuanian, "is_primary": True}]),
        make_contact(owner, companies=[{"company": romanian, "is_primary": False}]),
        make_contact(owner),
    ]
    alone = {contact.pk: customer_language(contact=contact) for contact in contacts}
    with django_assert_num_queries(1):
        together = customer_languages(contacts)
    assert together == alone
    # (A contact's only company is their main one.)
    assert list(together.values()) == ["pl", "lt", "ro", languages.site_language()]
