"""``accord import contacts`` on files longer than one chunk of the bulk path (people.bulk)."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.core import global_search
from accord.core.models import AuditEntry, Event
from accord.people import importing
from accord.people.models import Company, Contact, EmailAddress, PhoneNumber
from accord.testing import run_command as accord

HEADER = "first_name,last_name,email,phone,company,external_id\n"


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 50 rows, so a file of a few hundred rows crosses several of them."""
    monkeypatch.setattr(importing, "CHUNK_SIZE", 50)
    monkeypatch.setattr(importing, "BATCH_SIZE", 50)


def people(count: int, *, bad_every: int = 0) -> list[str]:
    """``count`` rows; every ``bad_every``-th one has a broken e-mail or phone or no name."""
    lines = []
    for i in range(count):
        email, phone, last = f"Person.{i}@Example.com", f"+48 601 {i // 1000:03d} {i % 1000:03d}", f"No{i}"
        if bad_every and i % bad_every == bad_every - 1:
            kind = (i // bad_every) % 3
            email = "broken@" if kind == 0 else email
            phone = "12" if kind == 1 else phone
            last = "" if kind == 2 else last
        first = "" if last == "" else "Person"
        lines.append(f"{first},{last},{email},{phone},Firm {i % 7},ext-{i}")
    return lines


def write(tmp_path: Path, lines: list[str], name: str = "contacts.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_every_malformed_row_is_reported_by_line_and_reason_and_nothing_is_written(owner, tmp_path):
    path = write(tmp_path, people(500, bad_every=100))  # 1% of the rows are bad

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.status == 1
    assert run.out.splitlines()[:5] == [
        "Rows read: 500",
        "Would be created: 495",
        "Would be changed: 0",
        "Unchanged: 0",
        "Failed: 5",
    ]
    # Data rows start on line 2: row i is on line i + 2.
    assert run.err.splitlines()[:5] == [
        "line 101: emails.0.email: broken@ is not an e-mail address.",
        "line 201: phones.0.number: 12 is not a valid phone number.",
        "line 301: last_name: Enter a first or a last name.",
        "line 401: emails.0.email: broken@ is not an e-mail address.",
        "line 501: phones.0.number: 12 is not a valid phone number.",
    ]
    assert "Nothing was written: 5 rows failed." in run.err
    assert not Contact.objects.exists()
    assert not Company.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not Event.objects.exists()


def test_partial_import_writes_the_good_rows_of_every_chunk(owner, tmp_path):
    path = write(tmp_path, people(500, bad_every=100))

    run = accord("import", "contacts", str(path), "--owner", "owner", "--partial")

    assert run.status == 0
    assert Contact.objects.count() == 495
    assert Company.objects.count() == 7
    assert not Contact.objects.filter(external_id__in=["ext-99", "ext-199", "ext-299"]).exists()
    assert AuditEntry.objects.filter(entity="people.contact", action="create").count() == 495


def test_reimporting_a_long_file_creates_no_duplicates_and_changes_nothing(owner, tmp_path):
    path = write(tmp_path, people(300))
    accord("import", "contacts", str(path), "--owner", "owner")
    versions = dict(Contact.objects.values_list("pk", "version"))
    audit, events = AuditEntry.objects.count(), Event.objects.count()

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.out.splitlines()[:5] == ["Rows read: 300", "Created: 0", "Updated: 0", "Unchanged: 300", "Failed: 0"]
    assert dict(Contact.objects.values_list("pk", "version")) == versions
    assert (EmailAddress.objects.count(), PhoneNumber.objects.count(), Company.objects.count()) == (300, 300, 7)
    assert (AuditEntry.objects.count(), Event.objects.count()) == (audit, events)


def test_rows_about_one_person_in_different_chunks_make_one_contact(owner, tmp_path):
    lines = people(120)
    lines.append("Person,No5,person.5@example.com,+48 500 000 005,Firm 5,")  # same e-mail as row 5
    lines.append("Person,No7,other@example.com,,,ext-7")  # same external id as row 7

    run = accord("import", "contacts", str(write(tmp_path, lines)), "--owner", "owner")

    assert run.out.splitlines()[:5] == ["Rows read: 122", "Created: 120", "Updated: 2", "Unchanged: 0", "Failed: 0"]
    five = Contact.objects.get(external_id="ext-5")
    assert list(five.phones.values_list("number", flat=True)) == ["+48601000005", "+48500000005"]
    seven = Contact.objects.get(external_id="ext-7")
    assert list(seven.emails.values_list("email", flat=True)) == ["person.7@example.com", "other@example.com"]


def test_dry_run_of_a_long_file_counts_everything_and_writes_nothing(owner, tmp_path):
    run = accord("import", "contacts", str(write(tmp_path, people(260))), "--owner", "owner", "--dry-run")

    assert run.status == 0
    assert run.out.splitlines() == [
        "Rows read: 260",
        "Would be created: 260",
        "Would be changed: 0",
        "Unchanged: 0",
        "Failed: 0",
        "Companies created: 7",
        "Dry run: nothing was written.",
    ]
    assert not Contact.objects.exists()
    assert not Company.objects.exists()
    assert not AuditEntry.objects.exists()


def test_imported_contacts_are_in_the_search_index(owner, outsider, tmp_path):
    lines = [*people(60), "Łucja,Brzęczyszczykiewicz,lucja@firma.pl,+48 790 111 222,Kuźnia Sp. z o.o.,ext-x"]
    accord("import", "contacts", str(write(tmp_path, lines)), "--owner", "owner")

    by_name = global_search.search_all(owner, "brzeczyszczyk")
    by_phone = global_search.search_all(owner, "790 111 222")
    by_company = global_search.search_all(owner, "kuznia")

    assert [(h.type, h.title) for h in by_name] == [("contact", "Łucja Brzęczyszczykiewicz")]
    assert [h.title for h in by_phone] == ["Łucja Brzęczyszczykiewicz"]
    assert {(h.type, h.title) for h in by_company} == {
        ("contact", "Łucja Brzęczyszczykiewicz"),
        ("company", "Kuźnia Sp. z o.o."),
    }
    assert global_search.search_all(outsider, "brzeczyszczyk") == []


def test_a_company_named_in_many_rows_is_created_once_and_reused_by_a_later_file(owner, tmp_path):
    accord("import", "contacts", str(write(tmp_path, people(140))), "--owner", "owner")
    firm = Company.objects.get(name="Firm 3")

    accord(
        "import",
        "contacts",
        str(write(tmp_path, ["Ann,Late,late@example.com,,FIRM 3,ext-late"], "b.csv")),
        "--owner",
        "owner",
    )

    assert Company.objects.count() == 7
    assert Contact.objects.get(external_id="ext-late").company_links.get().company == firm
    assert firm.contact_links.count() == 21
    assert AuditEntry.objects.filter(entity="people.company", action="create").count() == 7


def test_a_nul_character_in_a_cell_is_reported_not_a_crash(owner, tmp_path):
    lines = people(60)
    lines[10] = "Ann\x00a,Nowak,anna.nowak@example.com,,Firm 1,ext-nul"
    path = write(tmp_path, lines)

    run = accord("import", "contacts", str(path), "--owner", "owner")

    assert run.status == 1
    assert "line 12: first_name:" in run.err
    assert not Contact.objects.exists()
