"""CSV and XLSX exports, streamed, with spreadsheet formula injection neutralised.

A cell that starts with ``= + - @`` (or a tab or carriage return) can run as a formula when the
file is opened in a spreadsheet; such cells get a leading apostrophe. Plain numbers and phone
numbers ("+48 601 234 567", "-12.50") cannot carry a formula and are left as they are.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A sign, then digits and the punctuation of numbers and phone numbers ("+1 201-555-0123"): at
# worst a spreadsheet does arithmetic on it; with no letters there is no function to call.
_HARMLESS = re.compile(r"^[+-]?[\d\s().,/][\d\s().,/-]*$")


def neutralise(value: str) -> str:
    if value and value.startswith(_TRIGGERS) and not _HARMLESS.match(value):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    name: str  # the header: a stable key, also what an import maps back
    value: Callable[[Any], Any]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(columns: Sequence[Column], rows: Iterable[Any]) -> Iterator[bytes]:
    """The CSV, one chunk per row, with a UTF-8 BOM so spreadsheets pick the right encoding."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    yield writer.writerow([c.name for c in columns]).encode()
    for row in rows:
        yield writer.writerow([neutralise(cell_text(c.value(row))) for c in columns]).encode()


def write_csv(columns: Sequence[Column], rows: Iterable[Any], out: IO[bytes]) -> int:
    """Write the CSV to ``out``; returns the number of data rows."""
    chunks = csv_stream(columns, rows)
    out.write(next(chunks))  # byte order mark
    out.write(next(chunks))  # header
    count = 0
    for chunk in chunks:
        out.write(chunk)
        count += 1
    return count


def write_xlsx(columns: Sequence[Column], rows: Iterable[Any], out: IO[bytes]) -> int:
    """Write an XLSX workbook in openpyxl's write-only mode (constant memory); returns row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Export")
    sheet.append([c.name for c in columns])
    count = 0
    for row in rows:
        cells: list[Any] = []
        for column in columns:
            value = column.value(row)
            if value is None:
                cells.append(None)  # an empty cell
            elif isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
                cells.append(value)
            else:
                # XML cannot hold most control characters; openpyxl would refuse the whole file.
                text = ILLEGAL_CHARACTERS_RE.sub("", cell_text(value))
                cell = WriteOnlyCell(sheet, value=neutralise(text))
                cell.data_type = "s"  # a string, never a formula, whatever it starts with
                cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(out)
    return count


def xlsx_file(columns: Sequence[Column], rows: Iterable[Any]) -> IO[bytes]:
    """The workbook in a temporary file (spooled to disk when large), rewound for reading."""
    buffer: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - the caller closes it
    write_xlsx(columns, rows, buffer)
    buffer.seek(0)
    return buffer


def csv_bytes(columns: Sequence[Column], rows: Iterable[Any]) -> bytes:
    out = io.BytesIO()
    write_csv(columns, rows, out)
    return out.getvalue()
