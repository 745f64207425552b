"""``accord import``: reading CSV and XLSX, mapping headers, matching, validating, all-or-nothing."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import Workbook

from accord.core.models import AuditEntry, CustomFieldDefinition, Event, Tag
from accord.people import importing, selectors, services
from accord.people.models import Company, Contact, ContactCompany, EmailAddress, PhoneNumber, Source
from accord.testing import run_command as accord


def write_csv(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


THREE_CONTACTS = (
    "first_name,last_name,email,phone\n"
    "Anna,Nowak,Anna.Nowak@Example.COM,601 234 567\n"
    "Jan,Kowalski,jan@example.com,+48 22 123 45 67\n"
    "Ewa,Wiśniewska,ewa@example.com,0048 501 000 111\n"
)


@pytest.fixture
def three(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "contacts.csv", THREE_CONTACTS)


# --- creating and re-importing ----------------------------------------------------------------------


def test_csv_import_creates_contacts_with_normalised_phones_and_emails(owner, three):
    run = accord("import", "contacts", str(three), "--owner", "owner")

    assert run.status == 0
    assert run.out.splitlines() == ["Rows read: 3", "Created: 3", "Updated: 0", "Unchanged: 0", "Failed: 0"]
    assert run.err == ""
    rows = Contact.objects.order_by("last_name").values_list(
        "first_name", "last_name", "primary_email", "primary_phone", "owner__username", "source"
    )
    assert list(rows) == [
        ("Jan", "Kowalski", "jan@example.com", "+48221234567", "owner", Source.IMPORT),
        ("Anna", "Nowak", "anna.nowak@example.com", "+48601234567", "owner", Source.IMPORT),
        ("Ewa", "Wiśniewska", "ewa@example.com", "+48501000111", "owner", Source.IMPORT),
    ]
    assert AuditEntry.objects.filter(entity="people.contact", action="create").count() == 3


def test_reimporting_the_same_file_creates_nothing_and_changes_nothing(owner, three):
    accord("import", "contacts", str(three), "--owner", "owner")
    versions = dict(Contact.objects.values_list("pk", "version"))
    audit, events = AuditEntry.objects.count(), Event.objects.count()

    run = accord("import", "contacts", str(three), "--owner", "owner")

    assert run.status == 0
    assert run.out.splitlines() == ["Rows read: 3", "Created: 0", "Updated: 0", "Unchanged: 3", "Failed: 0"]
    assert Contact.objects.count() == 3
    assert dict(Contact.objects.values_list("pk", "version")) == versions
    assert AuditEntry.objects.count() == audit
    assert Event.objects.count() == events


def _two_hundred(tmp_path: Path) -> Path:
    lines = ["first_name,last_name,email,phone"]
    for i in range(200):
        email = "x@" if i == 49 else f"person{i}@example.com"
        phone = "12" if i == 149 else f"601 234 {i:03d}"
        lines.append(f"Person,No{i},{email},{phone}")
    return write_csv(tmp_path / "big.csv", "\n".join(lines) + "\n")


def test_bad_rows_are_reported_by_line_and_field_and_nothing_is_stored(owner, tmp_path):
    run = accord("import", "contacts", str(_two_hundred(tmp_path)), "--owner", "owner")

    assert run.status == 1
    assert run.out.splitlines() == [
        "Rows read: 200",
        "Would be created: 198",
        "Would be changed: 0",
        "Unchanged: 0",
        "Failed: 2",
    ]
    assert run.err.splitlines() == [
        "line 51: emails.0.email: x@ is not an e-mail address.",
        "line 151: phones.0.number: 12 is not a valid phone number.",
        "Nothing was written: 2 rows failed. Fix them, or use --partial to import the good rows.",
    ]
    assert Contact.objects.count() == 0
    assert EmailAddress.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert Event.objects.count() == 0


def test_partial_stores_the_good_rows_and_reports_the_bad_ones(owner, tmp_path):
    run = accord("import", "contacts", str(_two_hundred(tmp_path)), "--owner", "owner", "--partial")

    assert run.status == 0
    assert run.out.splitlines() == ["Rows read: 200", "Created: 198", "Updated: 0", "Unchanged: 0", "Failed: 2"]
    assert run.err.splitlines() == [
        "line 51: emails.0.email: x@ is not an e-mail address.",
        "line 151: phones.0.number: 12 is not a valid phone number.",
    ]
    assert Contact.objects.count() == 198
    assert not Contact.objects.filter(last_name__in=["No49", "No149"]).exists()
    assert PhoneNumber.objects.filter(number="+48601234000").count() == 1


def test_partial_commits_in_batches_and_still_reports_every_row(owner, tmp_path):
    rows = [(line, {"last_name": f"Batch{line}"}) for line in range(2, 13)]
    rows[4][1]["email"] = "bad@"

    report = importing.import_rows("contacts", rows, owner=owner, partial=True, batch_size=3)

    assert (report.read, report.created, report.failed) == (11, 10, 1)
    assert [str(e) for e in report.errors] == ["line 6: emails.0.email: bad@ is not an e-mail address."]
    assert Contact.objects.count() == 10


def test_dry_run_reports_what_would_happen_and_writes_nothing(owner, make_contact, three):
    make_contact(owner, first_name="Anna", last_name="Nowak", emails=[{"email": "anna.nowak@example.com"}])
    audit = AuditEntry.objects.count()

    run = accord("import", "contacts", str(three), "--owner", "owner", "--dry-run")

    assert run.status == 0
    assert run.out.splitlines() == [
        "Rows read: 3",
        "Would be created: 2",
        "Would be changed: 1",
        "Unchanged: 0",
        "Failed: 0",
        "Dry run: nothing was written.",
    ]
    assert Contact.objects.count() == 1
    assert Contact.objects.get().primary_phone == ""
    assert AuditEntry.objects.count() == audit


def test_dry_run_with_a_bad_row_exits_with_status_one(owner, tmp_path):
    path = write_csv(tmp_path / "c.csv", "last_name,email\nNowak,nowak@\n")

    run = accord("import", "contacts", str(path), "--owner", "owner", "--dry-run")

    assert run.status == 1
    assert run.err.splitlines() == ["line 2: emails.0.email: nowak@ is not an e-mail address.", "1 row would fail."]
    assert Contact.objects.count() == 0


# --- reading files ---------------------------------------------------------------------------------------


def test_semicolon_csv_with_bom_and_polish_headers(owner, tmp_path):
    path = write_csv(
        tmp_path / "kontakty.csv",
        "Imię;Nazwisko;E-mail;Telefon\r\nŁukasz;Żółć;LUKASZ@FIRMA.PL;601-234-567\r\nZofia;Nowak;zofia@firma.pl;\r\n",
        bom=True,
    )

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.status == 0, run.err
    assert "Ignored columns" not in run.out
    assert list(Contact.objects.order_by("last_name").values_list("first_name", "last_name", "primary_email")) == [
        ("Zofia", "Nowak", "zofia@firma.pl"),
        ("Łukasz", "Żółć", "lukasz@firma.pl"),
    ]
    assert Contact.objects.get(last_name="Żółć").primary_phone == "+48601234567"


def test_xlsx_import(owner, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["First name", "Last name", "E-mail address", "Mobile", "Date of birth", "Tags"])
    sheet.append(["Anna", "Nowak", "anna@example.com", "601234567", datetime.datetime(1985, 3, 14), "vip; newsletter"])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["Piotr", "Zieliński", "piotr@example.com", 48601000222, None, None])
    path = tmp_path / "contacts.xlsx"
    workbook.save(path)

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.status == 0, run.err
    assert run.out.splitlines()[:2] == ["Rows read: 2", "Created: 2"]
    anna = Contact.objects.get(last_name="Nowak")
    assert anna.birthday == datetime.date(1985, 3, 14)
    assert anna.primary_phone == "+48601234567"
    assert sorted(anna.tags.values_list("name", flat=True)) == ["newsletter", "vip"]
    assert Contact.objects.get(last_name="Zieliński").primary_phone == "+48601000222"


def test_xlsx_errors_carry_the_sheet_row_number(owner, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["last_name", "email"])
    sheet.append(["Nowak", "nowak@example.com"])
    sheet.append([None, None])
    sheet.append(["Kowalski", "kowalski@"])
    path = tmp_path / "contacts.xlsx"
    workbook.save(path)

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.status == 1
    assert run.err.splitlines()[0] == "line 4: emails.0.email: kowalski@ is not an e-mail address."


def test_line_numbers_count_the_lines_of_multi_line_cells(owner, tmp_path):
    path = write_csv(
        tmp_path / "c.csv",
        'last_name,notes,email\nNowak,"first line\nsecond line\nthird line",nowak@example.com\n\nKowalski,,kowalski@\n',
    )

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.err.splitlines()[0] == "line 6: emails.0.email: kowalski@ is not an e-mail address."


def test_a_windows_1250_file_is_read_in_its_encoding(owner, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes("last_name;city\nŻółć;Łódź\n".encode("cp1250"))

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.status == 0, run.err
    assert run.out.splitlines()[0] == "Read as Windows-1250 (Central European)."
    assert list(Contact.objects.values_list("last_name", flat=True)) == ["Żółć"]


def test_a_file_not_in_the_encoding_given_is_refused_by_line(owner, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes("last_name\nNowak\nŻółć\n".encode("cp1250"))

    run = accord("import", "contacts", str(path), "--owner", "owner", "--encoding", "utf-8")

    assert run.status == 1
    assert run.err.strip() == "Line 3 is not UTF-8 text: choose the file's encoding."
    assert Contact.objects.count() == 0


def test_an_encoding_accord_does_not_read_is_refused(owner, three):
    run = accord("import", "contacts", str(three), "--owner", "owner", "--encoding", "klingon")

    assert run.status == 1
    assert run.err.strip() == (
        "klingon is not an encoding Accord reads. Choose one of: utf-8, windows-1250, windows-1257, windows-1251, "
        "iso-8859-2."
    )


def test_a_missing_file_is_a_clear_error(owner, tmp_path):
    run = accord("import", "contacts", str(tmp_path / "nope.csv"), "--owner", "owner")

    assert run.status == 1
    assert "Cannot open" in run.err


# --- mapping headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("E-mail", "email"),
        ("mail", "email"),
        ("Email Address", "email"),
        ("Telephone", "phone"),
        ("mobile", "phone"),
        ("TEL", "phone"),
        ("FirstName", "first_name"),
        ("first-name", "first_name"),
        ("Imię", "first_name"),
        ("surname", "last_name"),
        ("Nazwisko", "last_name"),
        ("Company Name", "company"),
        ("firma", "company"),
        ("Job Title", "job_title"),
        ("external_id", "external_id"),
        ("Owner", "owner"),
    ],
)
def test_contact_headers_map_in_any_spelling(db, header, field):
    assert importing.map_headers("contacts", [header]).fields == {header: field}


@pytest.mark.parametrize(
    ("header", "field"),
    [("Company name", "name"), ("firma", "name"), ("Tax ID", "nip"), ("NIP", "nip"), ("VAT number", "vat_id")],
)
def test_company_headers_map_in_any_spelling(db, header, field):
    assert importing.map_headers("companies", [header]).fields == {header: field}


@pytest.mark.parametrize("kind", importing.KINDS)
def test_no_spelling_means_two_fields(kind):
    seen: dict[str, str] = {}
    for name, spellings in importing.FIELDS[kind].items():
        for spelling in (name, *spellings):
            key = importing.normalize_header(spelling)
            assert seen.setdefault(key, name) == name, f"{spelling!r} means both {seen[key]} and {name}"


def test_every_export_column_maps_back_to_its_field(db):
    CustomFieldDefinition.objects.create(entity="people.contact", key="score", label="Score", field_type="number")
    CustomFieldDefinition.objects.create(entity="people.company", key="tier", label="Tier", field_type="text")
    for kind, columns in (("contacts", selectors.contact_columns()), ("companies", selectors.company_columns())):
        names = [c.name for c in columns]
        mapping = importing.map_headers(kind, names)
        assert mapping.ignored == []
        assert {h: f for h, f in mapping.fields.items() if h != f} == {}
        assert set(names) - set(mapping.fields) == {"created_at", "last_interaction_at"}


def test_unknown_columns_are_reported_once_and_ignored(owner, tmp_path):
    path = write_csv(tmp_path / "c.csv", "last_name,Shoe size,Email,E-mail\nNowak,44,a@example.com,b@example.com\n")

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.status == 0
    assert run.out.splitlines()[0] == "Ignored columns: Shoe size, E-mail"
    assert list(EmailAddress.objects.values_list("email", flat=True)) == ["a@example.com"]


def test_map_option_overrides_the_guess(owner, tmp_path):
    path = write_csv(tmp_path / "c.csv", "Who,Nr kom.,Email\nNowak,601 234 567,keep-out@example.com\n")

    run = accord(
        "import", "contacts", str(path), "--owner", "owner", "--map", "who=last_name", "--map", "Nr kom.=phone"
    )
    assert run.status == 0, run.err
    contact = Contact.objects.get()
    assert (contact.last_name, contact.primary_phone) == ("Nowak", "+48601234567")

    run = accord("import", "contacts", str(path), "--owner", "owner", "--map", "Who=last_name", "--map", "email=")
    assert run.out.splitlines()[0] == "Ignored columns: Nr kom., Email"


def test_map_option_rejects_unknown_columns_and_fields(owner, tmp_path):
    path = write_csv(tmp_path / "c.csv", "Who\nNowak\n")

    missing = accord("import", "contacts", str(path), "--owner", "owner", "--map", "Whom=last_name")
    unknown = accord("import", "contacts", str(path), "--owner", "owner", "--map", "Who=shoe_size")

    assert missing.status == unknown.status == 1
    assert "The file has no column Whom." in missing.err
    assert "shoe_size is not a field of contacts. Fields: first_name, last_name" in unknown.err


def test_custom_field_columns_are_coerced_and_checked(owner, tmp_path):
    CustomFieldDefinition.objects.create(entity="people.contact", key="score", label="Score", field_type="number")
    CustomFieldDefinition.objects.create(entity="people.contact", key="vip", label="Is VIP", field_type="boolean")
    path = write_csv(tmp_path / "c.csv", 'last_name,cf.score,Is VIP,cf.nothing\nNowak,"12,5",tak\nKowalski,lots,no\n')

    run = accord("import", "contacts", str(path), "--owner", "owner", "--partial")

    assert run.out.splitlines()[0] == "Ignored columns: cf.nothing"
    assert run.err.splitlines() == ["line 3: custom.score: Enter a number."]
    assert Contact.objects.get().custom == {"score": 12.5, "vip": True}


# --- matching and updating ------------------------------------------------------------------------------


def test_a_matched_contact_gets_the_rows_values_and_loses_nothing(owner, make_contact, tmp_path):
    contact = make_contact(
        owner,
        first_name="Anna",
        last_name="Nowak",
        notes="Met at the fair",
        emails=[{"email": "anna@example.com"}, {"email": "anna@home.example", "label": "home"}],
        phones=[{"number": "601 234 567"}],
        tags=["vip"],
    )
    path = write_csv(
        tmp_path / "c.csv",
        "first_name,last_name,email,phone,notes,tags\nAnna,Nowak-Kowalska,ANNA@example.com,501 000 111,,customer\n",
    )

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.out.splitlines()[:4] == ["Rows read: 1", "Created: 0", "Updated: 1", "Unchanged: 0"]
    contact.refresh_from_db()
    assert contact.last_name == "Nowak-Kowalska"
    assert contact.notes == "Met at the fair"
    assert list(contact.emails.values_list("email", "label")) == [
        ("anna@example.com", "work"),
        ("anna@home.example", "home"),
    ]
    assert list(contact.phones.values_list("number", flat=True)) == ["+48601234567", "+48501000111"]
    assert sorted(contact.tags.values_list("name", flat=True)) == ["customer", "vip"]
    update = AuditEntry.objects.get(action="update", object_id=contact.pk)
    assert set(update.changes) == {"last_name", "phones", "tags"}


def test_errors_in_a_matched_records_lists_are_numbered_as_in_the_row(owner, make_contact, tmp_path):
    make_contact(owner, emails=[{"email": "a@example.com"}, {"email": "b@example.com"}])
    path = write_csv(tmp_path / "c.csv", "emails\na@example.com; nope@\n")

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.err.splitlines()[0] == "line 2: emails.1.email: nope@ is not an e-mail address."


def test_external_id_is_matched_before_email_and_id_last(owner, make_contact, tmp_path):
    by_key = make_contact(owner, last_name="Keyed", external_id="crm-1", emails=[{"email": "keyed@example.com"}])
    by_email = make_contact(owner, last_name="Mailed", emails=[{"email": "mailed@example.com"}])
    by_id = make_contact(owner, last_name="Plain")
    path = write_csv(
        tmp_path / "c.csv",
        "id,external_id,email,classification\n"
        f"{by_key.pk},,mailed@example.com,B\n"
        ",crm-1,mailed@example.com,A\n"
        f"{by_id.pk},,,C\n",
    )

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.status == 0, run.err
    assert run.out.splitlines()[:3] == ["Rows read: 3", "Created: 0", "Updated: 3"]
    assert Contact.objects.get(pk=by_key.pk).classification == "A"
    assert Contact.objects.get(pk=by_email.pk).classification == "B"
    assert Contact.objects.get(pk=by_id.pk).classification == "C"


def test_duplicate_rows_in_one_file_make_one_record(owner, tmp_path):
    path = write_csv(
        tmp_path / "c.csv",
        "last_name,email,phone\nNowak,anna@example.com,601 234 567\nNowak,ANNA@example.com,501 000 111\n",
    )

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.out.splitlines()[:3] == ["Rows read: 2", "Created: 1", "Updated: 1"]
    contact = Contact.objects.get()
    assert list(contact.phones.values_list("number", flat=True)) == ["+48601234567", "+48501000111"]


def test_owner_column_names_the_owner_and_unknown_usernames_fail(owner, teammate, tmp_path):
    path = write_csv(tmp_path / "c.csv", "last_name,owner\nNowak,teammate\nKowalski,ghost\nZieliński,\n")

    run = accord("import", "contacts", str(path), "--owner", "owner", "--partial")

    assert run.err.splitlines() == ["line 3: owner: No user ghost: write a username, e-mail or full name."]
    assert dict(Contact.objects.values_list("last_name", "owner__username")) == {
        "Nowak": "teammate",
        "Zieliński": "owner",
    }


def test_owner_is_required_when_the_file_has_no_owner_column(owner, three):
    run = accord("import", "contacts", str(three))

    assert run.status == 1
    assert "The file has no owner column: name the owner of new records with --owner." in run.err
    assert Contact.objects.count() == 0


def test_a_row_without_an_owner_fails_when_there_is_no_default(owner, tmp_path):
    path = write_csv(tmp_path / "c.csv", "last_name,owner\nNowak,owner\nKowalski,\n")

    run = accord("import", "contacts", str(path))

    assert run.status == 1
    assert run.err.splitlines()[0] == "line 3: owner: No owner: fill in the owner column or choose a default owner."


def test_company_column_links_existing_companies_and_creates_missing_ones(owner, teammate, make_company, tmp_path):
    acme = make_company(owner, name="Acme Polska")
    path = write_csv(
        tmp_path / "c.csv",
        "last_name,company,job_title,owner\nNowak,ACME POLSKA,CEO,owner\nKowalski,Nowa Firma,,teammate\n"
        "Zieliński,nowa firma,CFO,owner\n",
    )

    run = accord("import", "contacts", str(path))

    assert run.status == 0, run.err
    assert "Companies created: 1" in run.out.splitlines()
    assert Company.objects.count() == 2
    new = Company.objects.get(name="Nowa Firma")
    assert new.owner == teammate
    links = ContactCompany.objects.order_by("contact__sort_name").values_list(
        "contact__last_name", "company__name", "job_title", "is_primary"
    )
    assert list(links) == [
        ("Kowalski", "Nowa Firma", "", True),
        ("Nowak", "Acme Polska", "CEO", True),
        ("Zieliński", "Nowa Firma", "CFO", True),
    ]
    assert acme.contacts.count() == 1


def test_no_create_companies_makes_an_unknown_company_a_row_error(owner, tmp_path):
    path = write_csv(tmp_path / "c.csv", "last_name,company\nNowak,Nowhere Ltd\n")

    run = accord("import", "contacts", str(path), "--owner", "owner", "--no-create-companies")

    assert run.status == 1
    assert run.err.splitlines()[0] == "line 2: company: No company named Nowhere Ltd."
    assert Company.objects.count() == 0


def test_a_failed_row_leaves_no_company_behind_with_partial(owner, tmp_path):
    path = write_csv(tmp_path / "c.csv", "last_name,email,company\nNowak,bad@,Orphan Ltd\n")

    run = accord("import", "contacts", str(path), "--owner", "owner", "--partial")

    assert run.status == 0
    assert run.out.splitlines()[:5] == ["Rows read: 1", "Created: 0", "Updated: 0", "Unchanged: 0", "Failed: 1"]
    assert Company.objects.count() == 0


def test_every_reason_of_a_row_is_reported(owner, tmp_path):
    path = write_csv(tmp_path / "c.csv", "first_name,email,phone,birthday,owner\nAnna,a@,12,31.02.1990,ghost\n")

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert sorted(run.err.splitlines()[:-1]) == [
        "line 2: birthday: Enter a date as DD.MM.YYYY, YYYY-MM-DD, DD/MM/YYYY.",
        "line 2: emails.0.email: a@ is not an e-mail address.",
        "line 2: owner: No user ghost: write a username, e-mail or full name.",
        "line 2: phones.0.number: 12 is not a valid phone number.",
    ]


# --- companies -------------------------------------------------------------------------------------------


def test_companies_import_validates_nip(owner, tmp_path):
    path = write_csv(
        tmp_path / "firmy.csv",
        "Nazwa;NIP;Miasto;WWW\nAcme;PL 123-456-32-18;Kraków;acme.pl\nZła Firma;1234563219;Gdańsk;\n",
    )

    run = accord("import", "companies", str(path), "--owner", "owner")

    assert run.status == 1
    assert run.err.splitlines()[0] == "line 3: nip: This NIP's check digit is wrong; please check the number."
    assert Company.objects.count() == 0

    run = accord("import", "companies", str(path), "--owner", "owner", "--partial")

    company = Company.objects.get()
    assert (company.name, company.nip, company.website) == ("Acme", "1234563218", "https://acme.pl")
    assert list(company.addresses.values_list("city", flat=True)) == ["Kraków"]


def test_companies_match_by_nip_then_vat_id_then_name(owner, make_company, tmp_path):
    by_nip = make_company(owner, name="Old Name", nip="1234563218")
    by_vat = make_company(owner, name="Vat Co", vat_id="DE136695976")
    by_name = make_company(owner, name="Łódź Metal")
    path = write_csv(
        tmp_path / "c.csv",
        "name,nip,vat_id,industry\nNew Name,123-456-32-18,,steel\nVat Co GmbH,,de 136695976,cars\nŁÓDŹ METAL,,,metal\n",
    )

    run = accord("import", "companies", str(path), "--owner", "owner")

    assert run.status == 0, run.err
    assert run.out.splitlines()[:3] == ["Rows read: 3", "Created: 0", "Updated: 3"]
    assert Company.objects.get(pk=by_nip.pk).name == "New Name"
    assert Company.objects.get(pk=by_vat.pk).industry == "cars"
    assert Company.objects.get(pk=by_name.pk).industry == "metal"


def test_reimporting_companies_changes_nothing(owner, tmp_path):
    path = write_csv(tmp_path / "c.csv", "name,nip,city,tags,size\nAcme,1234563218,Kraków,vip,10–49 employees\n")
    accord("import", "companies", str(path), "--owner", "owner")
    assert Company.objects.get().size == "10-49"
    audit = AuditEntry.objects.count()

    run = accord("import", "companies", str(path), "--owner", "owner")

    assert run.out.splitlines()[:4] == ["Rows read: 1", "Created: 0", "Updated: 0", "Unchanged: 1"]
    assert AuditEntry.objects.count() == audit
    assert Tag.objects.count() == 1


def test_a_company_row_adds_a_new_city_before_the_old_addresses(owner, make_company, tmp_path):
    company = make_company(owner, name="Acme", addresses=[{"street": "Długa 1", "city": "Gdańsk"}])
    path = write_csv(tmp_path / "c.csv", "name,city\nAcme,Kraków\n")

    accord("import", "companies", str(path), "--owner", "owner")

    assert list(company.addresses.values_list("city", "street")) == [("Kraków", ""), ("Gdańsk", "Długa 1")]


def test_a_new_contact_is_written_as_the_service_writes_it(owner, tmp_path):
    """The bulk path and services.create_contact store the same columns, lists, search text and audit."""
    path = write_csv(
        tmp_path / "c.csv",
        "first_name,last_name,email,phone,company,job_title,tags,birthday,language,external_id\n"
        "Łucja,Żak,Lucja@Example.com,601 234 567,Acme Sp. z o.o.,CEO,VIP;Fair,1990-02-03,Polish,ext-1\n",
    )
    accord("import", "contacts", str(path), "--owner", "owner")
    imported = Contact.objects.get(external_id="ext-1")
    acme = Company.objects.get(name="Acme Sp. z o.o.")
    by_service = services.create_contact(
        actor=None,
        data={
            "first_name": "Łucja",
            "last_name": "Żak",
            "emails": [{"email": "lucja@example.com"}],
            "phones": [{"number": "601 234 567"}],
            "companies": [{"company": acme, "job_title": "CEO", "is_primary": True}],
            "tags": ["VIP", "Fair"],
            "birthday": datetime.date(1990, 2, 3),
            "preferred_language": "pl",
            "source": Source.IMPORT,
            "owner": owner,
            "external_id": "ext-2",
        },
    )
    columns = [f.attname for f in Contact._meta.concrete_fields if f.name not in ("id", "created_at", "updated_at")]
    mine = Contact.objects.filter(pk=imported.pk).values(*columns).get()
    theirs = Contact.objects.filter(pk=by_service.pk).values(*columns).get()
    assert {**mine, "external_id": "ext-2", "search_text": mine["search_text"].replace("ext-1", "ext-2")} == theirs

    def lists(contact: Contact) -> tuple:
        return (
            list(contact.emails.values_list("email", "label", "position")),
            list(contact.phones.values_list("number", "label", "position")),
            list(contact.company_links.values_list("company__name", "job_title", "department", "is_primary")),
            sorted(contact.tags.values_list("name", flat=True)),
        )

    assert lists(imported) == lists(by_service)
    audit = {e.object_id: e for e in AuditEntry.objects.filter(entity="people.contact", action="create")}
    assert audit[imported.pk].changes == {**audit[by_service.pk].changes, "external_id": [None, "ext-1"]}
    assert audit[imported.pk].object_repr == "Łucja Żak"


@pytest.mark.parametrize("kind", importing.KINDS)
@pytest.mark.parametrize("language", ["en", "pl"])
def test_the_exports_human_headers_map_back_in_every_language(db, kind, language):
    CustomFieldDefinition.objects.create(entity="people.contact", key="score", label="Score", field_type="number")
    CustomFieldDefinition.objects.create(entity="people.company", key="tier", label="Tier", field_type="text")
    with translation.override(language):
        headers = {column.header: column.name for column in importing.columns(kind)}

    mapping = importing.map_headers(kind, list(headers))

    assert mapping.ignored == []
    assert mapping.fields == {h: name for h, name in headers.items() if name not in importing.READ_ONLY}
