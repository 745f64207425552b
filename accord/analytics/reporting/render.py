"""A pivot as a table of cells, and that table as CSV, XLSX or PDF.

The page, the exports and the scheduled mail all read the same ``table``: the figures in a file are
the figures on the screen.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from accord.analytics.selectors.pivot import Pivot
from accord.core import exports, pdf
from accord.core.exports import Column

PDF_TYPE = "application/pdf"
CSV_TYPE = "text/csv"


@dataclass(frozen=True)
class Cell:
    value: Any
    row: str | None  # the keys a drill-down takes (None: the total along that axis)
    column: str | None
    measure: str
    money: bool
    column_label: str = ""


@dataclass(frozen=True)
class Line:
    label: str
    key: str | None
    cells: list[Cell]
    total: bool = False


@dataclass(frozen=True)
class Table:
    headers: list[str]  # flat: one per column of figures, "Column label · measure" when both
    column_heads: list[tuple[str, str | None, int]]  # (label, key, span) of the upper header row
    measure_heads: list[str]  # the lower header row
    lines: list[Line]
    row_label: str


def table(result: Pivot) -> Table:
    measures = result.measures
    column_keys: list[tuple[str, str | None]] = [(c.label, c.key) for c in result.columns]
    if column_keys:
        column_keys.append((_("Total"), None))
    else:
        column_keys = [("", None)]
    headers: list[str] = []
    for label, _key in column_keys:
        for m in measures:
            headers.append(f"{label} · {m.label}" if label and len(measures) > 1 else (label or m.label))
    rows: list[tuple[str, str | None]] = [(r.label, r.key) for r in result.rows] or [(_("Total"), None)]
    lines = []
    for label, key in rows:
        cells = [
            Cell(result.value(key, ck, m.key), key, ck, m.key, m.money, cl) for cl, ck in column_keys for m in measures
        ]
        lines.append(Line(label, key, cells, total=key is None))
    if result.rows:
        cells = [
            Cell(result.value(None, ck, m.key), None, ck, m.key, m.money, cl)
            for cl, ck in column_keys
            for m in measures
        ]
        lines.append(Line(_("Total"), None, cells, total=True))
    return Table(
        headers=headers,
        column_heads=[(label, key, len(measures)) for label, key in column_keys] if result.columns else [],
        measure_heads=[m.label for _l, _k in column_keys for m in measures],
        lines=lines,
        row_label=result.row_label or result.entity.label,
    )


def _columns(grid: Table) -> list[Column]:
    def cell(i: int) -> Any:
        return lambda line: line.cells[i].value

    columns = [Column("label", lambda line: line.label, grid.row_label)]
    columns += [Column(f"c{i}", cell(i), header) for i, header in enumerate(grid.headers)]
    return columns


def csv_bytes(result: Pivot) -> bytes:
    grid = table(result)
    return exports.csv_bytes(_columns(grid), grid.lines, human=True)


def xlsx_bytes(result: Pivot) -> bytes:
    grid = table(result)
    with exports.xlsx_file(_columns(grid), grid.lines, human=True) as handle:
        return handle.read()


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, decimal.Decimal):
        return pdf.number(value)
    return str(value)


def pdf_bytes(result: Pivot, title: str) -> bytes:
    """The table on A4 (landscape when wide), with its title, currency and the time it was made."""
    grid = table(result)
    wide = len(grid.headers) > 5
    document = FPDF(orientation="L" if wide else "P", unit="mm", format="A4")
    document.set_auto_page_break(auto=True, margin=12)
    pdf.add_fonts(document)
    document.add_page()
    document.set_text_color(*pdf.INK)
    document.set_font(pdf.FONT, "B", 14)
    document.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    document.set_font(pdf.FONT, "", 8)
    document.set_text_color(*pdf.MUTED)
    note = _("%(entity)s, made %(when)s; amounts in %(currency)s.") % {
        "entity": result.entity.label,
        "when": pdf.day(timezone.now()),
        "currency": result.currency,
    }
    document.cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
    if result.missing_rates:
        document.cell(
            0,
            5,
            _("No exchange rate for %(currencies)s: left out of the amounts.")
            % {"currencies": ", ".join(result.missing_rates)},
            new_x="LMARGIN",
            new_y="NEXT",
        )
    document.ln(2)
    document.set_text_color(*pdf.INK)
    headings = [grid.row_label, *grid.headers]
    with document.table(
        headings_style=pdf_heading_style(),
        line_height=5,
        text_align=["LEFT", *["RIGHT"] * len(grid.headers)],
        borders_layout="HORIZONTAL_LINES",
    ) as out:
        document.set_font(pdf.FONT, "", 7 if wide else 9)
        head = out.row()
        for text in headings:
            head.cell(text)
        for line in grid.lines:
            row = out.row()
            row.cell(line.label)
            for cell in line.cells:
                row.cell(_text(cell.value))
    return bytes(document.output())


def pdf_heading_style() -> Any:
    from fpdf.fonts import FontFace

    return FontFace(family=pdf.FONT, emphasis="BOLD", fill_color=pdf.SHADE)


def render(result: Pivot, fmt: str, title: str) -> tuple[bytes, str, str]:
    """The file of ``result`` in ``fmt`` (csv, xlsx or pdf): its bytes, content type and extension."""
    if fmt == "pdf":
        return pdf_bytes(result, title), PDF_TYPE, "pdf"
    if fmt == "xlsx":
        return xlsx_bytes(result), exports.XLSX_TYPE, "xlsx"
    return csv_bytes(result), CSV_TYPE, "csv"
