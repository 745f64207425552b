"""Dates as people write them (DD.MM.YYYY, YYYY-MM-DD, DD/MM/YYYY), listed on the mapping screen;
a dry run, and an import a bad row stopped, say what would be created or changed, not what was."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.core import import_jobs, importers
from accord.core.models import CustomFieldDefinition
from accord.people.models import Contact
from accord.testing import run_command as accord

pytestmark = pytest.mark.usefixtures("private_files")  # uploads go to a temporary private storage


def test_birthdays_and_custom_dates_are_read_in_each_accepted_format(owner, tmp_path):
    CustomFieldDefinition.objects.create(entity="people.contact", key="signed", label="Signed", field_type="date")
    path = tmp_path / "dates.csv"
    path.write_text(
        "last_name,birthday,cf.signed\n"
        "Nowak,07.03.1985,01.12.2026\n"
        "Lis,1985-03-07,2026-12-01\n"
        "Wójcik,07/03/1985,01/12/2026\n"
    )

    run = accord("import", "contacts", str(path), "--owner", owner.username)

    assert run.status == 0, run.err
    found = {c.last_name: (c.birthday, c.custom["signed"]) for c in Contact.objects.all()}
    assert found == {name: (datetime.date(1985, 3, 7), "2026-12-01") for name in ("Nowak", "Lis", "Wójcik")}


def test_a_date_in_no_accepted_format_names_the_formats(owner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("last_name,birthday\nNowak,March 7th\n")

    run = accord("import", "contacts", str(path), "--owner", owner.username)

    assert run.status == 1
    assert run.err.splitlines()[0] == "line 2: birthday: Enter a date as DD.MM.YYYY, YYYY-MM-DD, DD/MM/YYYY."


def test_the_mapping_screen_lists_the_date_formats(login, owner):
    importer = importers.get("contacts")
    assert importer is not None
    job = import_jobs.upload(
        actor=owner, importer=importer, file=SimpleUploadedFile("a.csv", b"last_name,birthday\nNowak,07.03.1985\n")
    )

    page = login(owner).get(f"/imports/{job.pk}/columns/")

    assert "Dates may be written as DD.MM.YYYY, YYYY-MM-DD, DD/MM/YYYY." in page.content.decode()


def test_a_dry_run_says_what_would_be_created_and_changed(owner, make_contact, tmp_path):
    make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.pl"}])
    path = tmp_path / "a.csv"
    path.write_text("last_name,email,notes\nNowak,anna@example.pl,VIP\nLis,piotr@example.pl,\n")

    dry = accord("import", "contacts", str(path), "--owner", owner.username, "--dry-run")
    real = accord("import", "contacts", str(path), "--owner", owner.username)

    assert dry.out.splitlines() == [
        "Rows read: 2",
        "Would be created: 1",
        "Would be changed: 1",
        "Unchanged: 0",
        "Failed: 0",
        "Dry run: nothing was written.",
    ]
    assert real.out.splitlines() == ["Rows read: 2", "Created: 1", "Updated: 1", "Unchanged: 0", "Failed: 0"]


def test_the_summary_of_a_dry_run_on_screen_says_would_be_changed(
    login, owner, make_contact, django_capture_on_commit_callbacks
):
    make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.pl"}])
    importer = importers.get("contacts")
    assert importer is not None
    job = import_jobs.upload(
        actor=owner,
        importer=importer,
        file=SimpleUploadedFile("a.csv", b"last_name,email,notes\nNowak,anna@example.pl,VIP\n"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_jobs.start(actor=owner, job=job, dry_run=True)

    page = login(owner).get(f"/imports/{job.pk}/").content.decode()

    assert "Would be created" in page
    assert "Would be changed" in page
    assert "Would be updated" not in page


def test_an_import_adds_to_typed_notes_instead_of_replacing_them_and_settles(owner, teammate, make_contact, tmp_path):
    anna = make_contact(
        owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna@example.pl"}], notes="Dzwonić po 15."
    )
    path = tmp_path / "a.csv"
    path.write_text("last_name,email,notes\nNowak,anna@example.pl,Zainteresowana ofertą B.\n")

    first = accord("import", "contacts", str(path), "--owner", teammate.username)
    second = accord("import", "contacts", str(path), "--owner", teammate.username)

    anna.refresh_from_db()
    assert anna.notes == "Dzwonić po 15.\n\nZainteresowana ofertą B."
    assert anna.owner == owner  # the default owner is for new records only
    assert first.out.splitlines()[:3] == ["Rows read: 1", "Created: 0", "Updated: 1"]
    assert second.out.splitlines()[:4] == ["Rows read: 1", "Created: 0", "Updated: 0", "Unchanged: 1"]
