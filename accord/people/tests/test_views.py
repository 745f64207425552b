"""The company and contact screens: forms with field-level errors, duplicates, conflicts, saved
views, exports, merging."""

import io

from django.utils import translation
from openpyxl import load_workbook

from accord.core import services as core
from accord.core.models import SavedView
from accord.people.models import Company, Contact


def contact_form(**fields):
    data = {"first_name": "Ewa", "last_name": "Nowak", "source": "manual"}
    data.update(fields)
    return data


def test_creating_a_contact_from_the_form(login, owner, make_company):
    client = login(owner)
    acme = make_company(owner, name="Acme")

    response = client.post(
        "/contacts/new/",
        contact_form(
            **{
                "emails-0-email": "Ewa@Acme.pl",
                "emails-0-label": "work",
                "phones-0-number": "601 234 567",
                "phones-0-label": "mobile",
                "companies-0-company": str(acme.pk),
                "companies-0-company_name": "Acme",
                "companies-0-job_title": "CFO",
                "tags": "VIP, trade fair",
                "birthday": "1985-03-07",
            }
        ),
    )

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert contact.primary_email == "ewa@acme.pl"
    assert contact.primary_phone == "+48601234567"
    assert contact.company_links.get().job_title == "CFO"
    assert sorted(t.name for t in contact.tags.all()) == ["VIP", "trade fair"]
    assert str(contact.birthday) == "1985-03-07"


def test_form_errors_are_shown_beside_the_field_and_nothing_is_stored(login, owner):
    client = login(owner)

    response = client.post(
        "/contacts/new/",
        contact_form(
            first_name="",
            last_name="",
            **{"emails-0-email": "ewa@", "emails-0-label": "work", "phones-0-number": "12", "phones-0-label": "mobile"},
        ),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a first or a last name." in page
    assert "ewa@ is not an e-mail address." in page
    assert "12 is not a valid phone number." in page or "12 is not a phone number." in page
    assert 'value="ewa@"' in page  # what was typed is kept
    assert Contact.objects.count() == 0


def test_likely_duplicate_is_flagged_before_it_is_created(login, owner, make_contact):
    existing = make_contact(owner, first_name="Ewa", last_name="Nowak", emails=[{"email": "ewa@acme.pl"}])
    client = login(owner)
    data = contact_form(**{"emails-0-email": "ewa@acme.pl", "emails-0-label": "work"})

    warned = client.post("/contacts/new/", data)

    page = warned.content.decode()
    assert warned.status_code == 200
    assert "This may already exist" in page
    assert f"/contacts/{existing.pk}/" in page
    assert Contact.objects.count() == 1

    confirmed = client.post("/contacts/new/", {**data, "confirm_duplicates": "1"})

    assert confirmed.status_code == 302
    assert Contact.objects.count() == 2


def test_edit_form_keeps_the_birthday_in_every_language(login, owner, make_contact):
    contact = make_contact(owner, birthday="1985-03-07")
    owner.language = "pl"
    owner.save()
    client = login(owner)

    page = client.get(f"/contacts/{contact.pk}/edit/").content.decode()

    assert 'name="birthday" value="1985-03-07"' in page


def test_editing_someone_elses_newer_version_is_refused(login, owner, teammate, make_contact):
    from accord.people import services

    contact = make_contact(owner, first_name="Anna")
    services.update_contact(actor=teammate, contact=contact, data={"first_name": "Hanna"})
    client = login(owner)

    response = client.post(f"/contacts/{contact.pk}/edit/", contact_form(first_name="Joanna", version=1))

    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    contact.refresh_from_db()
    assert contact.first_name == "Hanna"


def test_custom_fields_on_form_detail_and_filter(login, admin_user, owner):
    core.create_custom_field(
        actor=admin_user,
        entity="people.contact",
        label="Segment",
        field_type="choice",
        choices=["SMB", "Enterprise"],
        required=True,
    )
    client = login(owner)

    missing = client.post("/contacts/new/", contact_form())
    created = client.post("/contacts/new/", contact_form(cf_segment="SMB"))
    contact = Contact.objects.get()
    detail = client.get(f"/contacts/{contact.pk}/").content.decode()
    filtered = client.get("/contacts/?cf.segment=Enterprise").content.decode()

    assert "This field is required." in missing.content.decode()
    assert created.status_code == 302
    assert contact.custom == {"segment": "SMB"}
    assert "Segment" in detail
    assert "SMB" in detail
    assert "0 records" in filtered


def test_custom_dates_and_money_on_a_record_page_are_written_the_readers_way(login, admin_user, owner):
    core.create_custom_field(actor=admin_user, entity="people.contact", label="Renewal", field_type="date")
    core.create_custom_field(actor=admin_user, entity="people.contact", label="Budget", field_type="money")
    client = login(owner)
    client.post("/contacts/new/", contact_form(cf_renewal="2026-12-31", cf_budget="1234.5 EUR"))
    contact = Contact.objects.get()
    owner.language = "pl"
    owner.save(update_fields=["language"])

    with translation.override("en"):  # the request activates Polish in this thread
        detail = client.get(f"/contacts/{contact.pk}/").content.decode().replace("&nbsp;", "\xa0")

    assert contact.custom == {"renewal": "2026-12-31", "budget": {"amount": "1234.50", "currency": "EUR"}}
    assert "31.12.2026" in detail
    assert "1\xa0234,50\xa0€" in detail


def test_saved_views_keep_filters_under_a_name(login, owner, make_contact):
    make_contact(owner, first_name="Ola", last_name="Polska", preferred_language="pl")
    make_contact(owner, first_name="John", last_name="Smith", preferred_language="en")
    client = login(owner)

    client.post(
        "/views/",
        {"entity": "people.contact", "name": "Polish", "query": "preferred_language=pl", "path": "/contacts/"},
    )
    view = SavedView.objects.get()
    page = client.get("/contacts/").content.decode()
    applied = client.get(f"/contacts/?{view.query}").content.decode()
    client.post(f"/views/{view.pk}/delete/", {"next": "/contacts/"})

    assert view.user == owner
    assert "Polish" in page
    assert "Polska" in applied
    assert "Smith" not in applied
    assert not SavedView.objects.exists()


def test_others_cannot_delete_my_saved_view(login, owner, teammate):
    view = core.save_view(actor=owner, entity="people.contact", name="Mine", query="source=import")

    response = login(teammate).post(f"/views/{view.pk}/delete/")

    # Not shared, the view is out of the teammate's sight: as absent as a missing one.
    assert response.status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_others_cannot_delete_a_view_shared_with_them(login, owner, teammate):
    view = core.save_view(actor=owner, entity="people.contact", name="Ours", query="source=import", shared=True)

    response = login(teammate).post(f"/views/{view.pk}/delete/")

    assert response.status_code == 403
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_xlsx_export_neutralises_formulas(login, manager, make_company):
    make_company(manager, name='=HYPERLINK("http://evil.example")', phones=[{"number": "+48 22 123 45 67"}])
    client = login(manager)

    response = client.get("/companies/export/?format=xlsx")

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert row["Name"].value == '=HYPERLINK("http://evil.example")'
    assert row["Name"].data_type == "s"
    assert row["Phone"].value == "+48 22 123 45 67"


def test_company_lookup_offers_matching_companies(login, owner, outsider, make_company):
    make_company(owner, name="Stalprodukt")
    make_company(outsider, name="Stalmet")
    client = login(owner)

    page = client.get("/companies/lookup/?q=stal").content.decode()

    assert "Stalprodukt" in page
    assert "Stalmet" not in page


def test_merging_duplicates_from_the_screen(login, owner, make_company):
    keep = make_company(owner, name="Acme Sp. z o.o.", nip="5260001246")
    twin = make_company(owner, name="ACME sp z o o", emails=[{"email": "biuro@acme.pl"}], website="acme.pl")
    client = login(owner)

    suggested = client.get(f"/companies/{keep.pk}/merge/").content.decode()
    merged = client.post(f"/companies/{keep.pk}/merge/", {"duplicate": [str(twin.pk)], "version": keep.version})

    assert "ACME sp z o o" in suggested
    assert merged.status_code == 302
    keep.refresh_from_db()
    assert keep.website == "https://acme.pl"
    assert keep.primary_email == "biuro@acme.pl"
    assert list(Company.objects.all()) == [keep]


def test_custom_field_settings_are_for_admins(login, owner, admin_user):
    assert login(owner).get("/settings/custom-fields/").status_code == 403

    client = login(admin_user)
    response = client.post(
        "/settings/custom-fields/new/",
        {"entity": "people.company", "label": "Credit limit", "field_type": "money", "position": 1, "active": "on"},
    )

    assert response.status_code == 302
    assert "Credit limit" in client.get("/settings/custom-fields/").content.decode()
    assert "credit_limit" in client.get("/companies/new/").content.decode()
