"""Files an import must refuse clearly rather than crash on or choke over: headers by the thousand,
zip bombs dressed as workbooks, damaged workbooks, NUL bytes; and no stored file is left behind
when an upload fails."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat

from accord.core import import_jobs, importers, tables
from accord.core.models import ImportJob
from accord.core.tables import ImportFileError, open_table

pytestmark = pytest.mark.usefixtures("private_files")  # uploads go to a temporary private storage

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
SHEETS = '<sheets><sheet name="Kontakty" sheetId="1" r:id="rId1"/></sheets>'
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{sheets}</workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
SHARED = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<si><t>last_name</t></si><si><t>Nowak</t></si><si><t>Kowalska</t></si></sst>"
)
SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<dimension ref="A1:A3"/><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>1</v></c></row>'
    '<row r="3"><c r="A3" t="s"><v>2</v></c></row>'
    "</sheetData>{padding}</worksheet>"
)


def workbook(
    path: Path,
    *,
    shared: str = SHARED,
    sheet: str = SHEET.format(padding=""),
    sheets: str = SHEETS,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """A workbook written part by part, as Excel lays it out (shared strings included)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(sheets=sheets))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/sharedStrings.xml", shared)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open_table(path) as table:
        return table.headers, [values for _line, values in table]


def stored_files(location: Path) -> list[Path]:
    return [p for p in location.rglob("*") if p.is_file()]


def upload(actor: Any, name: str, data: bytes, importer_name: str = "contacts") -> ImportJob:
    importer = importers.get(importer_name)
    assert importer is not None
    return import_jobs.upload(actor=actor, importer=importer, file=SimpleUploadedFile(name, data))


# --- headers ---------------------------------------------------------------------------------------------


def test_a_well_made_workbook_with_shared_strings_reads(tmp_path):
    assert read(workbook(tmp_path / "ok.xlsx")) == (["last_name"], [{"last_name": "Nowak"}, {"last_name": "Kowalska"}])


def test_five_hundred_repeated_headers_are_numbered_at_once(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["Email"] * 499 + ["Email (2)"]) + "\n" + ",".join(["x"] * 500) + "\n")

    headers, rows = read(path)  # the quadratic-times-n numbering took minutes here

    assert headers[:3] == ["Email", "Email (2)", "Email (3)"]
    assert headers[498] == "Email (499)"
    assert headers[499] == "Email (2) (2)"  # a header that looks numbered keeps its own name apart
    assert len(set(headers)) == 500
    assert len(rows[0]) == 500


def test_a_header_repeating_a_numbered_one_skips_the_number_taken():
    assert tables._unique_headers(["A", "A (2)", "A", ""]) == ["A", "A (2)", "A (3)", "column 4"]


def test_more_than_five_hundred_columns_are_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["Email"] * 20_000) + "\nx\n")

    with pytest.raises(ImportFileError) as caught:
        read(path)

    assert str(caught.value) == "The file has more than 500 columns; remove the columns you do not import."


def test_a_header_longer_than_two_hundred_characters_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("last_name," + "x" * 201 + "\nNowak,1\n")

    with pytest.raises(ImportFileError) as caught:
        read(path)

    assert str(caught.value) == ("The header of column 2 is longer than 200 characters; is the first row a header?")


def test_a_nul_in_a_header_is_refused_and_in_a_cell_left_to_the_importer_to_report(tmp_path):
    header = tmp_path / "header.csv"
    header.write_bytes(b"last_name,no\x00te\nNowak,x\n")
    cell = tmp_path / "cell.csv"
    cell.write_bytes(b"last_name,notes\nNo\x00wak,x\n")

    with pytest.raises(ImportFileError) as caught:
        read(header)

    assert str(caught.value) == (
        "The header of column 2 contains a NUL character: the file is not plain text. "
        "Save it as CSV UTF-8 or as an Excel workbook."
    )
    assert read(cell) == (["last_name", "notes"], [{"last_name": "No\x00wak", "notes": "x"}])


# --- workbooks -------------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_from_its_directory_before_it_is_unpacked(tmp_path, settings):
    settings.ACCORD_IMPORT_MAX_BYTES = 50 * 1024 * 1024
    # 40 MB of spaces pack into some 40 KB: a thousand to one, where a spreadsheet packs twenty.
    path = workbook(tmp_path / "bomb.xlsx", sheet=SHEET.format(padding=" " * 40_000_000))
    assert path.stat().st_size < 100_000

    with pytest.raises(ImportFileError) as caught:
        read(path)

    assert str(caught.value).startswith("The workbook is compressed ")
    assert str(caught.value).endswith(" times, far more than a spreadsheet is: it is not imported.")


def test_a_workbook_unpacking_past_ten_times_the_upload_limit_is_refused(tmp_path, settings):
    settings.ACCORD_IMPORT_MAX_BYTES = 10 * 1024
    # Random bytes do not pack: the ratio is honest, the total is not.
    path = workbook(tmp_path / "big.xlsx", extra={"xl/media/image1.bin": os.urandom(120 * 1024)})

    with pytest.raises(ImportFileError) as caught:
        read(path)

    unpacked = sum(entry.file_size for entry in zipfile.ZipFile(path).infolist())
    assert str(caught.value) == (
        f"The workbook unpacks to {filesizeformat(unpacked)}, more than 100.0\xa0KB: split it into smaller files."
    )


def test_a_workbook_of_thousands_of_parts_is_refused(tmp_path):
    path = workbook(tmp_path / "parts.xlsx", extra={f"xl/media/{n}.bin": b"" for n in range(1000)})

    with pytest.raises(ImportFileError) as caught:
        read(path)

    assert str(caught.value) == "The workbook holds 1006 parts, more than 1000: it is not a plain spreadsheet."


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"shared": "<sst><si><t>last_name</t></si><si><t>Now"}, "The file is not a readable XLSX workbook."),
        ({"sheets": "<sheets/>"}, "The workbook has no sheets."),
    ],
    ids=["broken shared strings", "no sheets"],
)
def test_a_damaged_workbook_is_refused_clearly(tmp_path, parts, message):
    with pytest.raises(ImportFileError) as caught:
        read(workbook(tmp_path / "damaged.xlsx", **parts))

    assert str(caught.value) == message


def test_a_sheet_broken_below_its_header_is_a_file_error_where_it_breaks(tmp_path):
    sheet = SHEET.format(padding="")
    broken = sheet[: sheet.index('<row r="3">') + len('<row r="3"><c r="A3" t="s"><v>2')]

    with open_table(workbook(tmp_path / "cut.xlsx", sheet=broken)) as table:
        assert table.headers == ["last_name"]
        rows: Iterator[Any] = iter(table)
        with pytest.raises(ImportFileError) as caught:
            list(rows)

    assert str(caught.value) == "Row 3 of the workbook cannot be read: the file is damaged."


# --- uploads ---------------------------------------------------------------------------------------------


def _bytes(path: Path) -> bytes:
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("nul.csv", lambda tmp: b"last_name,no\x00te\nNowak,x\n", "contains a NUL character"),
        (
            "shared.xlsx",
            lambda tmp: _bytes(workbook(tmp / "w.xlsx", shared="<sst><si><t>x")),
            "The file is not a readable XLSX workbook.",
        ),
        ("empty.xlsx", lambda tmp: _bytes(workbook(tmp / "w.xlsx", sheets="<sheets/>")), "The workbook has no sheets."),
        (
            "bomb.xlsx",
            lambda tmp: _bytes(workbook(tmp / "w.xlsx", sheet=SHEET.format(padding=" " * 20_000_000))),
            "times, far more than a spreadsheet is",
        ),
    ],
    ids=["nul header", "broken shared strings", "no sheets", "zip bomb"],
)
def test_the_upload_screen_refuses_such_files_with_a_reason_and_keeps_nothing(
    login, owner, private_files, tmp_path, name, make, message
):
    client = login(owner)

    response = client.post("/imports/contacts/new/", {"file": SimpleUploadedFile(name, make(tmp_path))})

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()
    assert stored_files(private_files) == []


@pytest.fixture
def faulty_importer() -> Iterator[importers.Importer]:
    """An importer that fails unexpectedly while proposing a mapping (an app's bug)."""

    def propose(headers: Any, overrides: Any = None) -> dict[str, str]:
        raise RuntimeError("the importer broke")

    base = importers.get("contacts")
    assert base is not None
    faulty = importers.Importer(
        name="faulty",
        label="Faulty",
        title="Import faulty",
        list_url=base.list_url,
        fields=base.fields,
        propose=propose,
        run=base.run,
        preview=base.preview,
    )
    importers.register(faulty)
    yield faulty
    importers._importers.pop("faulty")


def test_an_upload_failing_unexpectedly_leaves_no_stored_file(owner, private_files, faulty_importer):
    with pytest.raises(RuntimeError):
        import_jobs.upload(
            actor=owner, importer=faulty_importer, file=SimpleUploadedFile("a.csv", b"last_name\nNowak\n")
        )

    assert not ImportJob.objects.exists()
    assert stored_files(private_files) == []


def test_an_upload_refused_for_its_content_leaves_no_stored_file(owner, private_files):
    with pytest.raises(ValidationError):
        upload(owner, "wide.csv", (",".join(["a"] * 501) + "\n" + "x\n").encode())

    assert stored_files(private_files) == []


def test_a_workbook_damaged_below_the_preview_stops_the_run(owner, tmp_path, django_capture_on_commit_callbacks):
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>Nowak{n}</t></is></c></row>' for n in range(2, 40))
    sheet = SHEET.format(padding="").replace('<row r="2">', rows + '<row r="99">')
    broken = sheet[: sheet.index('<row r="30">') + 12]
    job = upload(owner, "cut.xlsx", _bytes(workbook(tmp_path / "cut.xlsx", sheet=broken)))

    with django_capture_on_commit_callbacks(execute=True):
        import_jobs.start(actor=owner, job=job, dry_run=True)

    job.refresh_from_db()
    assert (job.state, job.message) == ("crashed", "Row 30 of the workbook cannot be read: the file is damaged.")


def test_a_row_repeated_in_the_file_is_flagged_in_the_preview_and_creates_one_record(login, owner):
    data = (
        "Imię;Nazwisko;E-mail\nAnna;Nowak;anna@example.pl\nPiotr;Lis;piotr@example.pl\nAnna; Nowak ;Anna@Example.pl\n"
    ).encode()
    job = upload(owner, "dwa-razy.csv", data)

    shown = import_jobs.preview(actor=owner, job=job)
    page = login(owner).get(f"/imports/{job.pk}/preview/").content.decode()

    assert [(row.line, row.repeats) for row in shown.rows] == [(2, None), (3, None), (4, 2)]
    assert [row.outcome for row in shown.rows] == ["created", "created", "unchanged"]
    assert "Line 4 repeats line 2" in page
