"""CSV and XLSX exports, streamed, in three formats, with spreadsheet formula injection defused.

* ``csv``: plain UTF-8, comma-separated.
* ``csv_excel``: semicolon-separated with a UTF-8 byte order mark, which Excel in a Polish (or any
  comma-decimal) locale opens in columns with every letter intact.
* ``xlsx``: a workbook; text cells are typed as strings, so a value that starts like a formula
  (``= + - @``, a tab or a carriage return) shows exactly as it was typed and never runs.

A CSV cannot type its cells, so there a formula-looking value gets a leading apostrophe (which an
import takes off again). Plain numbers and phone numbers ("+48 601 234 567", "-12.50") cannot
carry a formula and are left as they are.

Headers are what people read ("First name", "Imię") on the screens' exports, and stable keys
("first_name") where a machine reads the file back (``accord export`` by default); an import
accepts both.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import decimal
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import BadRequest
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.formats import get_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from accord.core.listing import ListQuery, ListSpec, paginate

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A sign, then digits and the punctuation of numbers and phone numbers ("+1 201-555-0123"): at
# worst a spreadsheet does arithmetic on it; with no letters there is no function to call.
_HARMLESS = re.compile(r"^[+-]?[\d\s().,/][\d\s().,/-]*$")
_BOM = "\ufeff"

CSV, CSV_EXCEL, XLSX = "csv", "csv_excel", "xlsx"
FORMATS: dict[str, Any] = {
    CSV: gettext_lazy("CSV"),
    CSV_EXCEL: gettext_lazy("CSV for Excel"),
    XLSX: gettext_lazy("Excel (XLSX)"),
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# A spreadsheet may split a CSV cell on either list separator (Excel in Poland uses ";", in
# England ","), whatever separator the file was written with: every piece is judged on its own.
_PIECES = re.compile(r"([,;])")


def _formula_like(piece: str) -> bool:
    return bool(piece) and piece.startswith(_TRIGGERS) and not _HARMLESS.match(piece)


def neutralise(value: str) -> str:
    """A leading apostrophe on the value, and on each piece of it between commas or semicolons,
    that a spreadsheet would take for a formula ("=1+1", "Zz;=HYPERLINK(...)")."""
    if not value:
        return value
    parts = _PIECES.split(value)
    return "".join("'" + part if i % 2 == 0 and _formula_like(part) else part for i, part in enumerate(parts))


def restore(value: str) -> str:
    """Undo ``neutralise``, so an exported "=SUM" cell re-imports as itself."""
    parts = _PIECES.split(value)
    restored = "".join(
        part[1:] if i % 2 == 0 and part.startswith("'") and _formula_like(part[1:]) else part
        for i, part in enumerate(parts)
    )
    return restored if neutralise(restored) == value else value


def _csv_row(cells: Sequence[str], delimiter: str) -> str:
    """One CSV line. A cell holding either list separator is quoted, whichever the file uses, so a
    spreadsheet set to the other one does not split it into cells of its own (a plain number such
    as "1234,50" in a semicolon file is left as Excel in that language reads it)."""
    out = []
    for cell in cells:
        own = any(ch in cell for ch in (delimiter, '"', "\r", "\n"))
        if own or (any(ch in cell for ch in ",;") and not _HARMLESS.match(cell)):
            cell = '"' + cell.replace('"', '""') + '"'
        out.append(cell)
    return delimiter.join(out) + "\r\n"


@dataclass(frozen=True)
class Column:
    name: str  # the machine header: a stable key, also what an import maps back
    value: Callable[[Any], Any]
    label: Any = None  # the human header (usually a lazy translation); ``name`` when None
    # What a person reads in the screens' exports when it differs from the stored value: a
    # choice's label ("Referral", "Polecenie") rather than its code. An import reads both back.
    shown: Callable[[Any], Any] | None = None
    choices: Any = None  # a TextChoices: its label is shown for the stored value

    @property
    def header(self) -> str:
        return self.name if self.label is None else str(self.label)

    def read(self, row: Any, *, human: bool) -> Any:
        """The cell's value: as people read it (labels, local time) in a human export."""
        if not human:
            return self.value(row)
        value = (self.shown or self.value)(row)
        if self.choices is not None and value not in (None, ""):
            return _labels(self.choices).get(str(value), value)
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            # The user's own clock, without seconds or an offset a spreadsheet cannot use.
            return timezone.localtime(value).replace(tzinfo=None, second=0, microsecond=0)
        return value


def headers(columns: Sequence[Column], *, human: bool) -> list[str]:
    """The header row, worked out at once (in the language active now, not when a stream is read)."""
    return [c.header if human else c.name for c in columns]


def cell_text(value: Any, *, decimal_separator: str = ".") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.isoformat(sep=" ", timespec="minutes")  # a local time, as a person reads it
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, float | decimal.Decimal) and decimal_separator != ".":
        return str(value).replace(".", decimal_separator)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


def csv_stream(
    columns: Sequence[Column], rows: Iterable[Any], *, excel: bool = False, human: bool = False
) -> Iterator[bytes]:
    """The CSV, one chunk per row: plain (comma, no byte order mark) or for Excel (semicolon, BOM,
    and numbers with the decimal separator of the user's language, "12,50" in Polish, as Excel in
    that locale reads them)."""
    # A streamed response is read after the request's language and time zone are switched off:
    # the rows are written in the ones in force now, when the export is asked for.
    context = (translation.get_language(), timezone.get_current_timezone())
    return _csv_chunks(headers(columns, human=human), columns, rows, excel=excel, human=human, context=context)


def _csv_chunks(
    header: list[str],
    columns: Sequence[Column],
    rows: Iterable[Any],
    *,
    excel: bool,
    human: bool,
    context: tuple[str | None, Any],
) -> Iterator[bytes]:
    delimiter = ";" if excel else ","
    language, zone = context
    with translation.override(language):
        separator = str(get_format("DECIMAL_SEPARATOR")) if excel else "."
    yield ((_BOM if excel else "") + _csv_row([neutralise(h) for h in header], delimiter)).encode()
    for row in rows:
        with _in_force(language, zone):
            cells = [cell_text(c.read(row, human=human), decimal_separator=separator) for c in columns]
        yield _csv_row([neutralise(cell) for cell in cells], delimiter).encode()


@contextlib.contextmanager
def _in_force(language: str | None, zone: Any) -> Iterator[None]:
    """``language`` and ``zone`` while a row is written (switched only when they are not already)."""
    if translation.get_language() == language and timezone.get_current_timezone() is zone:
        yield
        return
    with translation.override(language), timezone.override(zone):
        yield


# Labels of a set of choices by stored value, per class and language, made once: a model's
# get_FOO_display translates every label of the field on every call.
_LABELS: dict[tuple[Any, str | None], dict[str, str]] = {}


def _labels(choices: Any) -> dict[str, str]:
    key = (choices, translation.get_language())
    found = _LABELS.get(key)
    if found is None:
        found = _LABELS[key] = {str(value): str(label) for value, label in choices.choices}
    return found


def write_csv(
    columns: Sequence[Column], rows: Iterable[Any], out: IO[bytes], *, excel: bool = False, human: bool = False
) -> int:
    """Write the CSV to ``out``; returns the number of data rows."""
    chunks = csv_stream(columns, rows, excel=excel, human=human)
    out.write(next(chunks))  # header
    count = 0
    for chunk in chunks:
        out.write(chunk)
        count += 1
    return count


def _text_cell(sheet: Any, value: Any) -> Any:
    # XML cannot hold most control characters; openpyxl would refuse the whole file.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", cell_text(value)))
    cell.data_type = "s"  # a string, never a formula, whatever it starts with
    return cell


def _date_cell(sheet: Any, value: Any, number_format: str) -> Any:
    """A real date (or date and time) cell, which a spreadsheet sorts and filters as one."""
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def write_xlsx(columns: Sequence[Column], rows: Iterable[Any], out: IO[bytes], *, human: bool = False) -> int:
    """Write an XLSX workbook in openpyxl's write-only mode (constant memory); returns row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(pgettext("spreadsheet tab", "Export") if human else "Export")
    sheet.append([_text_cell(sheet, h) for h in headers(columns, human=human)])
    count = 0
    for row in rows:
        cells: list[Any] = []
        for column in columns:
            value = column.read(row, human=human)
            if value is None:
                cells.append(None)  # an empty cell
            elif isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
                cells.append(value)
            elif isinstance(value, datetime.datetime) and value.tzinfo is None:
                cells.append(_date_cell(sheet, value, "yyyy-mm-dd hh:mm"))
            elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                cells.append(_date_cell(sheet, value, "yyyy-mm-dd"))
            else:
                cells.append(_text_cell(sheet, value))
        sheet.append(cells)
        count += 1
    workbook.save(out)
    return count


def write(fmt: str, columns: Sequence[Column], rows: Iterable[Any], out: IO[bytes], *, human: bool = False) -> int:
    """Write ``rows`` in one of ``FORMATS``; returns the number of data rows."""
    if fmt == XLSX:
        return write_xlsx(columns, rows, out, human=human)
    return write_csv(columns, rows, out, excel=fmt == CSV_EXCEL, human=human)


def xlsx_file(columns: Sequence[Column], rows: Iterable[Any], *, human: bool = False) -> IO[bytes]:
    """The workbook in a temporary file (spooled to disk when large), rewound for reading."""
    buffer: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - the caller closes it
    write_xlsx(columns, rows, buffer, human=human)
    buffer.seek(0)
    return buffer


def csv_bytes(columns: Sequence[Column], rows: Iterable[Any], *, excel: bool = False, human: bool = False) -> bytes:
    out = io.BytesIO()
    write_csv(columns, rows, out, excel=excel, human=human)
    return out.getvalue()


def download(
    request: HttpRequest, columns: Sequence[Column], rows: Iterable[Any], basename: str, *, fmt: str | None = None
) -> HttpResponseBase:
    """The response of every export screen: ``?format=csv|csv_excel|xlsx`` (csv when absent), human
    headers in the user's language, a file name with the local date and time."""
    fmt = fmt or request.GET.get("format") or CSV
    if fmt not in FORMATS:
        raise BadRequest(_("Choose one of: %(choices)s.") % {"choices": ", ".join(FORMATS)})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == XLSX:
        workbook = FileResponse(
            xlsx_file(columns, rows, human=True),
            as_attachment=True,
            filename=f"{basename}-{stamp}.xlsx",
            content_type=XLSX_TYPE,
        )
        return _announced(request, workbook)
    response = StreamingHttpResponse(
        csv_stream(columns, rows, excel=fmt == CSV_EXCEL, human=True), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{basename}-{stamp}.csv")
    return _announced(request, response)


DOWNLOAD_COOKIE = "accord_download"
_TOKEN = re.compile(r"^[A-Za-z0-9]{1,40}$")


def _announced(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """Tell the page the download started: the export menu shows "Preparing…" from the click
    until a cookie with the token it sent comes back with the file's first bytes."""
    token = request.GET.get("download_token", "")
    if _TOKEN.match(token):
        response.set_cookie(DOWNLOAD_COOKIE, token, max_age=120, samesite="Lax", secure=request.is_secure())
    return response


def walk(spec: ListSpec[Any], query: ListQuery, queryset: QuerySet[Any], size: int = 1000) -> Iterator[Any]:
    """Every row of a filtered list in the list's own order, one page in memory at a time."""
    page_query = dataclasses.replace(query, cursor="", before="", limit=size)
    while True:
        page = paginate(spec, page_query, queryset)
        yield from page.items
        if not page.next_cursor:
            return
        page_query.cursor = page.next_cursor
