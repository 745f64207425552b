"""Exports: CSV and XLSX that a spreadsheet opens as data, never as formulas."""

import csv
import datetime
import decimal
import io
import zipfile

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from accord.core import exports
from accord.core.exports import Column

COLUMNS = [
    Column("name", lambda row: row["name"]),
    Column("amount", lambda row: row.get("amount")),
    Column("when", lambda row: row.get("when")),
]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+1+1", "'+1+1"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("+48 601 234 567", "+48 601 234 567"),
        ("+48 (22) 123-45-67", "+48 (22) 123-45-67"),
        ("+1 201-555-0123", "+1 201-555-0123"),
        ("-", "'-"),
        ("--1", "'--1"),
        ("-12.50", "-12.50"),
        ("-1 234,50", "-1 234,50"),
        ("+5", "+5"),
        ("Kowalski", "Kowalski"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_neutralise_defuses_formulas_and_leaves_numbers(value, safe):
    assert exports.neutralise(value) == safe


def test_cell_text_writes_values_the_way_an_import_reads_them():
    assert exports.cell_text(None) == ""
    assert exports.cell_text(True) == "true"
    assert exports.cell_text(False) == "false"
    assert exports.cell_text(datetime.date(2025, 3, 1)) == "2025-03-01"
    assert exports.cell_text(datetime.datetime(2025, 3, 1, 9, 30, tzinfo=datetime.UTC)) == "2025-03-01T09:30:00+00:00"
    assert exports.cell_text(["wine", "cheese"]) == "wine; cheese"
    assert exports.cell_text(decimal.Decimal("12.50")) == "12.50"


def test_plain_csv_is_utf8_with_commas_and_no_byte_order_mark():
    rows = [{"name": "Łukasz Nowak", "amount": decimal.Decimal("12.50")}, {"name": "=1+1", "amount": -3}]

    chunks = list(exports.csv_stream(COLUMNS, rows))

    assert chunks == [b"name,amount,when\r\n", "Łukasz Nowak,12.50,\r\n".encode(), b"'=1+1,-3,\r\n"]


def test_csv_for_excel_has_a_byte_order_mark_and_semicolons():
    rows = [{"name": "Gżegżółka; Łódź", "amount": decimal.Decimal("12.50")}]

    data = exports.csv_bytes(COLUMNS, rows, excel=True)

    assert data == '\ufeffname;amount;when\r\n"Gżegżółka; Łódź";12.50;\r\n'.encode()


def test_human_headers_are_the_labels_in_the_active_language():
    columns = [Column("first_name", lambda r: r, _("First name")), Column("cf.tier", lambda r: r, "Tier")]

    with translation.override("pl"):
        polish = exports.csv_bytes(columns, [], human=True)
    english = exports.csv_bytes(columns, [], human=True)
    keys = exports.csv_bytes(columns, [])

    assert polish == "Imię,Tier\r\n".encode()
    assert english == b"First name,Tier\r\n"
    assert keys == b"first_name,cf.tier\r\n"


def test_csv_reads_back_as_the_values_with_formulas_defused():
    rows = [
        {"name": 'Nowak, "Anna"\nline two', "when": datetime.date(2025, 3, 1)},
        {"name": "@SUM(A1)", "amount": "+48 601 234 567"},
    ]

    data = exports.csv_bytes(COLUMNS, rows)

    read = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert read == [
        ["name", "amount", "when"],
        ['Nowak, "Anna"\nline two', "", "2025-03-01"],
        ["'@SUM(A1)", "+48 601 234 567", ""],
    ]


def test_write_csv_counts_the_data_rows():
    out = io.BytesIO()

    count = exports.write_csv(COLUMNS, [{"name": "a"}, {"name": "b"}, {"name": "c"}], out)

    assert count == 3
    assert out.getvalue().count(b"\r\n") == 4


def test_an_empty_export_is_a_header_only():
    assert exports.csv_bytes(COLUMNS, []) == b"name,amount,when\r\n"


def load(stream):
    return load_workbook(stream)["Export"]


def test_xlsx_stores_formula_like_text_as_string_cells_holding_exactly_what_was_typed():
    typed = ["=1+1", "=SUM(A1:A9)", "@SUM(A1)", "-cmd|' /C calc'!A0", "+1+1", "\t=1+1", "\r=1+1"]
    rows = [{"name": value, "amount": value} for value in typed]
    out = io.BytesIO()

    count = exports.write_xlsx(COLUMNS, rows, out)

    sheet = load(io.BytesIO(out.getvalue()))
    assert count == len(typed)
    cells = [[(c.value, c.data_type) for c in row][:2] for row in sheet.iter_rows(min_row=2)]
    # XML reads a carriage return in text as a line feed: the one character that cannot come back.
    read_back = [value.replace("\r", "\n") for value in typed]
    assert cells == [[(value, "s"), (value, "s")] for value in read_back]
    # No apostrophe, no formula: the XML holds inline strings and not one <f> element.
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml
    assert xml.count('t="inlineStr"') == 3 + 2 * len(typed)
    assert "'=" not in xml


def test_xlsx_human_headers_and_sheet_name_follow_the_language():
    columns = [Column("first_name", lambda r: r["name"], _("First name"))]
    out = io.BytesIO()

    with translation.override("pl"):
        exports.write_xlsx(columns, [{"name": "Gżegżółka"}], out, human=True)

    book = load_workbook(io.BytesIO(out.getvalue()))
    assert book.sheetnames == ["Eksport"]
    assert [[c.value for c in row] for row in book.worksheets[0].iter_rows()] == [["Imię"], ["Gżegżółka"]]


def test_xlsx_keeps_numbers_as_numbers_dates_as_dates_and_the_rest_as_text():
    rows = [
        {
            "name": "+48 601 234 567",
            "amount": decimal.Decimal("1234.50"),
            "when": datetime.datetime(2025, 3, 1, 9, 30, tzinfo=datetime.UTC),
        },
        {"name": True, "amount": -3, "when": None},
        {"name": ["wine", "cheese"], "amount": 2.5, "when": datetime.date(2025, 3, 1)},
    ]
    out = io.BytesIO()

    exports.write_xlsx(COLUMNS, rows, out)

    sheet = load(io.BytesIO(out.getvalue()))
    cells = [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows(min_row=2)]
    assert cells == [
        [("+48 601 234 567", "s"), (1234.5, "n"), ("2025-03-01T09:30:00+00:00", "s")],
        [("true", "s"), (-3, "n"), (None, "n")],
        [("wine; cheese", "s"), (2.5, "n"), (datetime.datetime(2025, 3, 1), "d")],
    ]


def test_xlsx_drops_control_characters_a_spreadsheet_cannot_hold():
    out = io.BytesIO()

    exports.write_xlsx(COLUMNS, [{"name": "Anna\x00 Nowak\x0b", "amount": "tab\tand\nnewline"}], out)

    sheet = load(io.BytesIO(out.getvalue()))
    assert [c.value for c in next(sheet.iter_rows(min_row=2))] == ["Anna Nowak", "tab\tand\nnewline", None]


def test_xlsx_file_is_rewound_and_readable():
    with exports.xlsx_file(COLUMNS, [{"name": "Kowalski"}]) as stream:
        sheet = load(stream)

    assert [c.value for c in next(sheet.iter_rows(min_row=2))] == ["Kowalski", None, None]


# --- as people read them ---------------------------------------------------------------------------------

HUMAN_COLUMNS = [
    exports.Column("code", lambda r: r["code"], "Source", shown=lambda r: r["label"]),
    exports.Column("amount", lambda r: r["amount"], "Amount"),
    exports.Column("when", lambda r: r["when"], "When"),
    exports.Column("day", lambda r: r["day"], "Day"),
]
HUMAN_ROW = {
    "code": "referral",
    "label": "Polecenie",
    "amount": decimal.Decimal("1234.50"),
    "when": datetime.datetime(2025, 3, 1, 9, 30, 15, tzinfo=datetime.UTC),
    "day": datetime.date(2025, 3, 2),
}


def test_csv_for_excel_writes_labels_local_times_and_the_languages_decimal_comma(settings):
    settings.TIME_ZONE = "Europe/Warsaw"

    with translation.override("pl"):
        data = exports.csv_bytes(HUMAN_COLUMNS, [HUMAN_ROW], excel=True, human=True)

    assert data.decode("utf-8-sig").splitlines() == [
        "Source;Amount;When;Day",
        "Polecenie;1234,50;2025-03-01 10:30;2025-03-02",
    ]


def test_plain_csv_and_machine_exports_keep_codes_points_and_instants(settings):
    settings.TIME_ZONE = "Europe/Warsaw"

    with translation.override("pl"):
        plain = exports.csv_bytes(HUMAN_COLUMNS, [HUMAN_ROW], human=True)
        machine = exports.csv_bytes(HUMAN_COLUMNS, [HUMAN_ROW])

    assert plain.decode().splitlines()[1] == "Polecenie,1234.50,2025-03-01 10:30,2025-03-02"
    assert machine.decode().splitlines()[1] == "referral,1234.50,2025-03-01T09:30:15+00:00,2025-03-02"


def test_a_human_xlsx_has_real_date_and_time_cells_in_local_time(settings):
    settings.TIME_ZONE = "Europe/Warsaw"
    out = io.BytesIO()

    exports.write_xlsx(HUMAN_COLUMNS, [HUMAN_ROW], out, human=True)

    row = next(load(io.BytesIO(out.getvalue())).iter_rows(min_row=2))
    assert [(c.value, c.data_type) for c in row] == [
        ("Polecenie", "s"),
        (1234.5, "n"),
        (datetime.datetime(2025, 3, 1, 10, 30), "d"),
        (datetime.datetime(2025, 3, 2), "d"),
    ]
    assert (row[2].number_format, row[3].number_format) == ("yyyy-mm-dd hh:mm", "yyyy-mm-dd")


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("Zz;=1+1;x", "Zz;'=1+1;x"),
        ("a,=HYPERLINK(1),b", "a,'=HYPERLINK(1),b"),
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+48 601 234 567", "+48 601 234 567"),
        ("Kowalski; Nowak", "Kowalski; Nowak"),
        ("-5,50", "-5,50"),
    ],
)
def test_every_piece_a_spreadsheet_could_split_off_is_defused_and_reads_back(value, sent):
    assert exports.neutralise(value) == sent
    assert exports.restore(sent) == value


def test_a_cell_with_either_list_separator_is_quoted_in_both_csv_kinds():
    columns = [exports.Column("name", lambda r: r), exports.Column("n", lambda r: 1)]

    plain = b"".join(exports.csv_stream(columns, ["Zz;=1+1;x", "a,b", 'say "hi"']))
    excel = b"".join(exports.csv_stream(columns, ["Zz;=1+1;x", "a,b"], excel=True))

    assert plain.decode().splitlines() == ["name,n", '"Zz;\'=1+1;x",1', '"a,b",1', '"say ""hi""",1']
    assert excel.decode().lstrip("\ufeff").splitlines() == ["name;n", '"Zz;\'=1+1;x";1', '"a,b";1']
