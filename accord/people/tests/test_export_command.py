"""``accord export``: the UI's columns, the access policy, strict filters, and a clean round trip."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from accord.core.models import AuditEntry, CustomFieldDefinition, Event
from accord.identity.models import Role
from accord.people import selectors
from accord.people.models import Company, Contact
from accord.testing import run_command as accord


def table(text: str) -> list[dict[str, str]]:
    assert not text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def exporting_reps(db):
    Role.objects.filter(code=Role.SALES_REP).update(can_export=True)


@pytest.fixture
def rich_records(owner, teammate, make_company, make_contact):
    """Records using every exported column, custom fields of each kind, and cells a spreadsheet
    would take for formulas."""
    for key, kind, choices in (
        ("vip", "boolean", []),
        ("budget", "money", []),
        ("interests", "multi_choice", ["cars", "boats", "planes"]),
        ("since", "date", []),
        ("score", "number", []),
    ):
        CustomFieldDefinition.objects.create(
            entity="people.contact", key=key, label=key.title(), field_type=kind, choices=choices
        )
    CustomFieldDefinition.objects.create(entity="people.company", key="tier", label="Tier", field_type="text")
    acme = make_company(
        owner,
        name="Acme Polska",
        nip="1234563218",
        vat_id="PL1234563218",
        regon="123456785",
        industry="steel",
        size="10-49",
        website="acme.pl",
        country="PL",
        emails=[{"email": "biuro@acme.pl"}],
        phones=[{"number": "22 123 45 67", "label": "work"}],
        addresses=[{"street": "Długa 1", "city": "Kraków", "country": "PL"}],
        tags=["key account"],
        notes='=HYPERLINK("http://evil.example")',
        custom={"tier": "gold"},
    )
    make_company(teammate, name="Beta", external_id="erp-7")
    make_contact(
        owner,
        first_name="Anna",
        last_name="Nowak",
        emails=[{"email": "anna@acme.pl"}, {"email": "anna@home.example", "label": "home"}],
        phones=[{"number": "601 234 567"}, {"number": "+44 20 7946 0958", "label": "work"}],
        companies=[{"company": acme, "job_title": "CEO", "department": "Board"}],
        birthday=datetime.date(1980, 2, 29),
        preferred_language="pl",
        preferred_channel="email",
        source="referral",
        tags=["vip", "newsletter"],
        notes="Likes sailing,\nhates =cells\n@home too",
        custom={"vip": True, "budget": "1200.5 EUR", "interests": ["boats", "cars"], "since": "2020-01-31", "score": 7},
    )
    make_contact(teammate, first_name="Jan", last_name="-Kowalski", external_id="shop-42")
    make_contact(owner, first_name="", last_name="Bez Maila", preferred_channel="phone")


# --- what is exported ------------------------------------------------------------------------------------


def test_csv_goes_to_stdout_with_the_ui_columns(owner, rich_records):
    run = accord("export", "contacts")

    assert run.status == 0
    rows = table(run.out)
    assert list(rows[0]) == [c.name for c in selectors.contact_columns()]
    anna = next(r for r in rows if r["last_name"] == "Nowak")
    assert anna["email"] == "anna@acme.pl"
    assert anna["phone"] == "+48 601 234 567"
    assert anna["emails"] == "anna@acme.pl; anna@home.example"
    assert anna["company"] == "Acme Polska"
    assert anna["job_title"] == "CEO"
    assert anna["owner"] == "owner"
    assert anna["cf.vip"] == "Yes"
    assert anna["cf.budget"] == "1200.50 EUR"
    assert [r["last_name"] for r in rows] == ["'-Kowalski", "Bez Maila", "Nowak"]


def test_cells_that_could_run_as_formulas_are_neutralised(owner, rich_records):
    contacts = table(accord("export", "contacts").out)
    companies = table(accord("export", "companies").out)

    assert next(r for r in contacts if r["first_name"] == "Jan")["last_name"] == "'-Kowalski"
    assert next(r for r in contacts if r["last_name"] == "Nowak")["phone"] == "+48 601 234 567"
    assert next(r for r in companies if r["name"] == "Acme Polska")["notes"] == '\'=HYPERLINK("http://evil.example")'


def test_xlsx_needs_an_output_file_and_writes_strings_not_formulas(owner, rich_records, tmp_path):
    refused = accord("export", "companies", "--format", "xlsx")
    assert refused.status == 1
    assert "An XLSX export needs a file: add -o FILE.xlsx." in refused.err

    path = tmp_path / "companies.xlsx"
    run = accord("export", "companies", "-o", str(path))

    assert run.status == 0
    assert run.out.strip() == f"2 companies exported to {path}."
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.name for c in selectors.company_columns()]
    notes = rows[0].index("notes")
    assert rows[1][notes] == '=HYPERLINK("http://evil.example")'


def test_filters_narrow_the_export(owner, rich_records):
    rows = table(accord("export", "contacts", "--filter", "tag=vip").out)
    by_channel = table(accord("export", "contacts", "--filter", "preferred_channel=phone").out)
    either = table(accord("export", "contacts", "--filter", "external_id=shop-42", "--filter", "external_id=x").out)

    assert [r["last_name"] for r in rows] == ["Nowak"]
    assert [r["last_name"] for r in by_channel] == ["Bez Maila"]
    assert [r["external_id"] for r in either] == ["shop-42"]


def test_an_unknown_filter_is_rejected_with_the_allowed_names(owner, rich_records):
    run = accord("export", "contacts", "--filter", "colour=red")

    assert run.status == 1
    assert run.out == ""
    assert run.err.startswith(
        "--filter colour: Unknown filter. Allowed: abc_margin, abc_revenue, birthday_after, birthday_before"
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("created_after=yesterday", "--filter created_after: Enter a date and time in ISO 8601."),
        ("cf.nothing=1", "--filter cf.nothing: Unknown custom field."),
        ("limit=5", "--filter limit: Not a filter of an export."),
        ("colour", "Write a filter as name=value, not colour."),
    ],
)
def test_bad_filters_are_rejected(owner, rich_records, option, message):
    run = accord("export", "contacts", "--filter", option)

    assert run.status == 1
    assert message in run.err


# --- whose records ----------------------------------------------------------------------------------------


def test_as_a_sales_rep_only_their_visible_records_are_exported(owner, outsider, make_contact, exporting_reps):
    make_contact(owner, last_name="Mine")
    make_contact(outsider, last_name="Theirs")

    mine = table(accord("export", "contacts", "--as", "owner").out)
    theirs = table(accord("export", "contacts", "--as", "outsider").out)
    everything = table(accord("export", "contacts").out)

    assert [r["last_name"] for r in mine] == ["Mine"]
    assert [r["last_name"] for r in theirs] == ["Theirs"]
    assert [r["last_name"] for r in everything] == ["Mine", "Theirs"]


def test_a_rep_sees_the_teams_records_too(owner, teammate, outsider, make_company, exporting_reps):
    make_company(owner, name="Ours")
    make_company(teammate, name="Teammates")
    make_company(outsider, name="Other Team")

    rows = table(accord("export", "companies", "--as", "owner").out)

    assert [r["name"] for r in rows] == ["Ours", "Teammates"]


def test_a_user_without_the_export_permission_is_refused(owner, make_contact):
    make_contact(owner, last_name="Mine")

    run = accord("export", "contacts", "--as", "owner")

    assert run.status == 1
    assert run.out == ""
    assert "owner may not export." in run.err


def test_an_unknown_user_is_refused(db):
    run = accord("export", "contacts", "--as", "ghost")

    assert run.status == 1
    assert "No user named ghost." in run.err


# --- round trip -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "model"), [("contacts", Contact), ("companies", Company)])
@pytest.mark.parametrize(
    ("fmt", "headers", "language"),
    [
        ("csv", "keys", "en"),
        ("xlsx", "keys", "en"),
        ("csv", "labels", "pl"),
        ("csv_excel", "labels", "pl"),
        ("xlsx", "labels", "en"),
    ],
)
def test_an_export_reimports_without_creating_or_changing_anything(
    rich_records, tmp_path, kind, model, fmt, headers, language
):
    path = tmp_path / f"{kind}.{'xlsx' if fmt == 'xlsx' else 'csv'}"
    exported = accord("export", kind, "-o", str(path), "--format", fmt, "--headers", headers, "--language", language)
    assert exported.status == 0, exported.err
    count = model.objects.count()
    versions = dict(model.objects.values_list("pk", "version"))
    audit, events = AuditEntry.objects.count(), Event.objects.count()

    run = accord("import", kind, str(path))

    assert run.status == 0, run.err
    assert run.out.splitlines() == [
        f"Rows read: {count}",
        "Created: 0",
        "Updated: 0",
        f"Unchanged: {count}",
        "Failed: 0",
    ]
    assert dict(model.objects.values_list("pk", "version")) == versions
    assert AuditEntry.objects.count() == audit
    assert Event.objects.count() == events


def test_an_edited_export_updates_only_what_was_edited(owner, rich_records, tmp_path):
    path = tmp_path / "contacts.csv"
    accord("export", "contacts", "-o", str(path))
    text = path.read_text(encoding="utf-8-sig").replace("Likes sailing,", "Likes rowing,")
    path.write_text(text, encoding="utf-8")

    run = accord("import", "contacts", str(path))

    assert run.out.splitlines()[1:4] == ["Created: 0", "Updated: 1", "Unchanged: 2"]
    anna = Contact.objects.get(last_name="Nowak")
    assert anna.notes == "Likes rowing,\nhates =cells\n@home too"
    assert AuditEntry.objects.get(action="update", object_id=anna.pk).changes == {
        "notes": ["Likes sailing,\nhates =cells\n@home too", "Likes rowing,\nhates =cells\n@home too"]
    }


def test_stdout_export_can_be_saved_and_reimported(owner, rich_records, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(accord("export", "contacts").out, encoding="utf-8", newline="")

    run = accord("import", "contacts", str(path))

    assert run.out.splitlines()[1:4] == ["Created: 0", "Updated: 0", "Unchanged: 3"]


def test_labels_are_the_screens_headers_in_the_language_asked_for(owner, rich_records):
    run = accord("export", "contacts", "--headers", "labels", "--language", "pl", "--format", "csv_excel")

    assert run.out.startswith("\ufeff")
    header = run.out[1:].splitlines()[0].split(";")
    assert header[:4] == ["ID", "Imię", "Nazwisko", "E-mail"]
    assert header[-5:] == ["Budget", "Interests", "Score", "Since", "Vip"]  # custom fields: their labels


def test_the_export_file_name_picks_the_format(owner, rich_records, tmp_path):
    path = tmp_path / "out.XLSX"

    accord("export", "contacts", "-o", str(path))

    assert Path(path).read_bytes()[:4] == b"PK\x03\x04"
