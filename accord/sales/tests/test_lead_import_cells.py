"""Lead imports read cells the way people fill them in: the owner column under its Polish name,
the owner by username, e-mail or full name, sources by their label in any language; each bad cell
gets one reason; the preview shows labels and phone numbers as people read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from accord.core import import_jobs, importers
from accord.identity.models import User
from accord.people import importing as people_importing
from accord.sales.models import Lead, LeadSource
from accord.sales.services import leads as lead_services
from accord.testing import run_command as accord

pytestmark = pytest.mark.usefixtures("private_files")  # uploads go to a temporary private storage


def named(make_user: Any, username: str, first_name: str, last_name: str, email: str = "") -> User:
    user = make_user(username=username)
    user.first_name, user.last_name, user.email = first_name, last_name, email or user.email
    user.save()
    return user


def leads() -> importers.Importer:
    found = importers.get("leads")
    assert found is not None
    return found


def polish(choice: Any) -> str:
    with translation.override("pl"):
        return str(choice.label)


@pytest.mark.parametrize("header", ["Opiekun", "OPIEKUN", "Opiekun klienta", "Właściciel", "Owner", "Assigned to"])
def test_the_owner_column_is_recognised_in_both_languages(header):
    proposed = leads().propose(["Imię", "Nazwisko", "E-mail", header], None)

    assert proposed == {"Imię": "first_name", "Nazwisko": "last_name", "E-mail": "email", header: "owner"}


def test_a_polish_source_label_imports_on_an_english_screen_as_well_as_the_code(owner):
    rows = [
        (2, {"Nazwisko": "Wójcik", "E-mail": "zofia@example.pl", "Źródło": polish(LeadSource.REFERRAL)}),
        (3, {"Nazwisko": "Lis", "E-mail": "piotr@example.pl", "Źródło": "partner"}),
        (4, {"Nazwisko": "Nowak", "E-mail": "anna@example.pl", "Źródło": "Website"}),
    ]
    mapping = {"Nazwisko": "last_name", "E-mail": "email", "Źródło": "source"}

    with translation.override("en"):
        report = leads().run(rows, mapping, actor=owner, owner=owner)

    assert (report.created, report.failed, report.errors) == (3, 0, [])
    assert dict(Lead.objects.values_list("last_name", "source")) == {
        "Wójcik": "referral",
        "Lis": "partner",
        "Nowak": "website",
    }


def test_a_bad_cell_gets_one_reason(owner):
    rows = [(2, {"Nazwisko": "Wójcik", "Źródło": "gołąb pocztowy", "Opiekun": "nikt"})]
    mapping = {"Nazwisko": "last_name", "Źródło": "source", "Opiekun": "owner"}

    report = leads().run(rows, mapping, actor=owner, owner=owner)

    assert [(e.field, e.message) for e in report.errors] == [
        ("source", f"Choose one of: {', '.join(LeadSource.values)}."),
        ("owner", "No user nikt: write a username, e-mail or full name."),
    ]
    assert not Lead.objects.exists()


def test_the_owner_cell_names_a_user_by_username_e_mail_or_full_name(owner, make_user):
    anna = named(make_user, "akowalska", "Anna", "Kowalska", "Anna.K@Example.pl")
    rows = [
        (2, {"Nazwisko": "A", "Opiekun": "AKOWALSKA"}),
        (3, {"Nazwisko": "B", "Opiekun": "anna.k@example.PL"}),
        (4, {"Nazwisko": "C", "Opiekun": "anna  KOWALSKA"}),
        (5, {"Nazwisko": "D", "Opiekun": "Kowalska Anna"}),
    ]
    mapping = {"Nazwisko": "last_name", "Opiekun": "owner"}

    report = leads().run(rows, mapping, actor=None, owner=owner)

    assert (report.created, report.errors) == (4, [])
    assert set(Lead.objects.values_list("owner", flat=True)) == {anna.pk}


def test_a_full_name_two_users_share_is_refused_with_a_reason(owner, make_user):
    named(make_user, "jnowak1", "Jan", "Nowak")
    named(make_user, "jnowak2", "Jan", "Nowak")

    report = leads().run(
        [(2, {"Nazwisko": "A", "Opiekun": "Jan Nowak"})],
        {"Nazwisko": "last_name", "Opiekun": "owner"},
        actor=None,
        owner=owner,
    )

    assert [str(e) for e in report.errors] == [
        "line 2: owner: Several users are called Jan Nowak: write the username or e-mail instead."
    ]
    assert not Lead.objects.exists()


def test_a_contact_import_finds_the_owner_the_same_way(owner, make_user):
    anna = named(make_user, "akowalska", "Anna", "Kowalska")
    found = people_importing.Owners()

    assert found.find("Anna Kowalska") == anna
    assert found.find("nobody@example.pl") == "No user nobody@example.pl: write a username, e-mail or full name."


def test_the_preview_shows_source_and_status_labels_and_phones_as_people_read_them(owner):
    data = "Imię;Nazwisko;Telefon;Źródło;Opiekun\nZofia;Wójcik;601234567;polecenie;" + owner.username + "\n"
    job = import_jobs.upload(actor=owner, importer=leads(), file=SimpleUploadedFile("leady.csv", data.encode()))

    with translation.override("pl"):
        shown = import_jobs.preview(actor=owner, job=job)

    assert [label for _name, label in shown.fields] == ["Imię", "Nazwisko", "Telefon", "Źródło", "Właściciel"]
    assert shown.rows[0].values == ["Zofia", "Wójcik", "+48 601 234 567", "Polecenie", owner.username]
    assert shown.rows[0].errors == []


def test_a_lead_import_adds_to_the_typed_message(owner, tmp_path: Path):
    lead = lead_services.create_lead(
        actor=owner, data={"last_name": "Lis", "email": "lis@example.pl", "message": "Pilne."}
    )
    path = tmp_path / "l.csv"
    path.write_text("last_name,email,message\nLis,lis@example.pl,Chce demo.\n")

    accord("import", "leads", str(path), "--owner", owner.username)
    again = accord("import", "leads", str(path), "--owner", owner.username)

    assert Lead.objects.get(pk=lead.pk).message == "Pilne.\n\nChce demo."
    assert again.out.splitlines()[:4] == ["Rows read: 1", "Created: 0", "Updated: 0", "Unchanged: 1"]
