"""``accord import_leads FILE``: leads from a spreadsheet, checked row by row like the form."""

from __future__ import annotations

from pathlib import Path

from django.utils import translation

from accord.sales.models import Lead, ScoringRule
from accord.testing import run_command as accord

HEADER = "First name,Last name,Company,E-mail,Phone,Source,Notes,Shoe size\n"
ROWS = [
    "Zofia,Wójcik,Stalprodukt,Zofia@Stalprodukt.pl,601 234 567,Referral,Wants two welders,38",
    "Jonas,Petrauskas,UAB Vilnius,jonas@example.lt,,website,,44",
    "Ioana,Popescu,,ioana@example.ro,+40 721 234 567,Partner,,37",
]


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_leads_are_created_with_their_source_and_score_and_a_second_run_creates_no_duplicates(owner, tmp_path):
    ScoringRule.objects.create(field="source", value="referral", points=30)
    path = write(tmp_path, ROWS)

    run = accord("import_leads", str(path), "--owner", "owner")

    assert run.status == 0, run.err
    assert "Ignored columns: Shoe size" in run.out
    assert "Created: 3" in run.out
    zofia = Lead.objects.get(last_name="Wójcik")
    assert (zofia.email, zofia.phone, zofia.source, zofia.owner_id) == (
        "zofia@stalprodukt.pl",
        "+48601234567",
        "referral",
        owner.pk,
    )
    assert zofia.score == 30
    assert Lead.objects.get(last_name="Petrauskas").source == "website"

    again = accord("import_leads", str(path), "--owner", "owner")

    assert again.status == 0, again.err
    assert again.out.splitlines()[1:] == ["Rows read: 3", "Created: 0", "Updated: 0", "Unchanged: 3", "Failed: 0"]
    assert Lead.objects.count() == 3
    assert set(Lead.objects.values_list("version", flat=True)) == {1}


def test_bad_rows_are_reported_by_line_and_nothing_is_written(owner, tmp_path):
    rows = [*ROWS, "Anna,Nowak,,not-an-email,,web,,", ",,,,,,,", "Piotr,Lis,,piotr@example.pl,12,phone,,"]
    path = write(tmp_path, rows)

    run = accord("import_leads", str(path), "--owner", "owner")

    assert run.status == 1
    assert "line 5: email: not-an-email is not an e-mail address." in run.err
    assert "line 5: source: Choose one of:" in run.err
    assert "line 7: phone:" in run.err
    assert "Nothing was written: 2 rows failed" in run.err
    assert not Lead.objects.exists()

    partial = accord("import_leads", str(path), "--owner", "owner", "--partial")

    assert partial.status == 0
    assert Lead.objects.count() == 3


def test_a_dry_run_writes_nothing_and_an_owner_is_required(owner, tmp_path):
    path = write(tmp_path, ROWS)

    dry = accord("import_leads", str(path), "--owner", "owner", "--dry-run")
    without_owner = accord("import_leads", str(path))

    assert "Would be created: 3" in dry.out
    assert "Dry run: nothing was written." in dry.out
    assert without_owner.status == 1
    assert "--owner" in without_owner.err
    assert not Lead.objects.exists()


def test_the_screens_export_in_any_language_and_format_imports_back_unchanged(login, manager, owner, tmp_path):
    from django.urls import reverse

    path = write(tmp_path, ROWS)
    assert accord("import", "leads", str(path), "--owner", "owner").status == 0
    manager.language = "pl"
    manager.save(update_fields=["language"])
    client = login(manager)

    for fmt, suffix in (("csv", "csv"), ("csv_excel", "csv"), ("xlsx", "xlsx")):
        exported = tmp_path / f"leady.{suffix}"
        with translation.override("en"):  # the request activates Polish in this thread; this puts English back
            exported.write_bytes(b"".join(client.get(reverse("sales:lead-export"), {"format": fmt}).streaming_content))

        run = accord("import", "leads", str(exported), "--owner", "owner")

        assert run.status == 0, run.err
        assert run.out.splitlines() == ["Rows read: 3", "Created: 0", "Updated: 0", "Unchanged: 3", "Failed: 0"]
    assert Lead.objects.count() == 3


def test_the_separator_and_encoding_can_be_given_on_the_command_line(owner, tmp_path):
    path = tmp_path / "leady.csv"
    path.write_bytes("Nazwisko,E-mail\nŻak,zak@example.pl\n".encode("cp1250"))

    detected = accord("import", "leads", str(path), "--owner", "owner", "--dry-run")
    given = accord("import", "leads", str(path), "--owner", "owner", "--delimiter", ";", "--encoding", "windows-1250")

    assert detected.out.splitlines()[:3] == [
        "Read as Windows-1250 (Central European).",
        "Rows read: 1",
        "Would be created: 1",
    ]
    assert given.out.splitlines()[0] == "Ignored columns: Nazwisko,E-mail"
    assert given.err.splitlines()[0] == (
        "line 2: last_name: Give at least a name, a company, an e-mail or a phone number."
    )
