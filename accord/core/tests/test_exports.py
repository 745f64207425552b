"""Exports: CSV and XLSX that a spreadsheet opens as data, never as formulas."""

import csv
import datetime
import decimal
import io

import pytest
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


def test_csv_starts_with_a_bom_then_the_header_then_one_line_per_row():
    rows = [{"name": "Łukasz Nowak", "amount": decimal.Decimal("12.50")}, {"name": "=1+1", "amount": -3}]

    chunks = list(exports.csv_stream(COLUMNS, rows))

    assert chunks[0] == "\ufeff".encode()
    assert chunks[1] == b"name,amount,when\r\n"
    assert chunks[2] == "Łukasz Nowak,12.50,\r\n".encode()
    assert chunks[3] == b"'=1+1,-3,\r\n"
    assert len(chunks) == 4


def test_csv_reads_back_as_the_values_with_formulas_defused():
    rows = [
        {"name": 'Nowak, "Anna"\nline two', "when": datetime.date(2025, 3, 1)},
        {"name": "@SUM(A1)", "amount": "+48 601 234 567"},
    ]

    data = exports.csv_bytes(COLUMNS, rows)

    assert data.startswith(b"\xef\xbb\xbf")
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
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
    assert exports.csv_bytes(COLUMNS, []) == "\ufeffname,amount,when\r\n".encode()


def load(stream):
    return load_workbook(stream)["Export"]


def test_xlsx_stores_formula_like_text_as_a_literal_string():
    rows = [{"name": "=1+1", "amount": "=SUM(A1:A9)"}, {"name": "@SUM(A1)", "amount": "-cmd|' /C calc'!A0"}]
    out = io.BytesIO()

    count = exports.write_xlsx(COLUMNS, rows, out)

    sheet = load(io.BytesIO(out.getvalue()))
    assert count == 2
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["name", "amount", "when"],
        ["'=1+1", "'=SUM(A1:A9)", None],
        ["'@SUM(A1)", "'-cmd|' /C calc'!A0", None],
    ]
    assert {c.data_type for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None} == {"s"}


def test_xlsx_keeps_numbers_as_numbers_and_the_rest_as_text():
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
        [("wine; cheese", "s"), (2.5, "n"), ("2025-03-01", "s")],
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
