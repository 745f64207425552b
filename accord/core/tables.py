"""Spreadsheets read for imports: CSV in the encodings people's spreadsheets save, and XLSX.

``open_table`` streams a file as ``(line, {header: text})`` rows. A CSV file's encoding is
detected unless given: UTF-8 (with or without a byte order mark) when the whole file is valid
UTF-8, otherwise the likeliest of the single-byte code pages Excel writes in Central and Eastern
Europe (Windows-1250, Windows-1257, Windows-1251, ISO-8859-2). Its separator (comma, semicolon or
tab) is detected from the header line unless given. A Polish Excel "CSV" (Windows-1250,
semicolons) is the common case.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import itertools
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import charset_normalizer
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

Row = tuple[int, dict[str, str]]

UTF8 = "utf-8"
# The encodings a file may be read in, as Python names them, with what users call them.
ENCODINGS: dict[str, Any] = {
    UTF8: "UTF-8",
    "cp1250": gettext_lazy("Windows-1250 (Central European)"),
    "cp1257": gettext_lazy("Windows-1257 (Baltic)"),
    "cp1251": gettext_lazy("Windows-1251 (Cyrillic)"),
    "iso8859-2": gettext_lazy("ISO-8859-2 (Latin-2)"),
}
# How the command line and error messages name them.
ENCODING_NAMES = ("utf-8", "windows-1250", "windows-1257", "windows-1251", "iso-8859-2")
SINGLE_BYTE = ("cp1250", "cp1257", "cp1251", "iso8859-2")  # the order breaks ties
DELIMITERS: dict[str, Any] = {
    ",": gettext_lazy("Comma"),
    ";": gettext_lazy("Semicolon"),
    "\t": gettext_lazy("Tab"),
}
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_BOM = codecs.BOM_UTF8


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, wrongly encoded, not a workbook, no header)."""


def encoding_label(code: str) -> str:
    return str(ENCODINGS.get(code, code))


def encoding_code(name: str) -> str:
    """A user's name for an encoding ("windows-1250", "UTF-8", "latin2") as one of ``ENCODINGS``."""
    try:
        code = codecs.lookup(name.strip()).name
    except LookupError:
        code = ""
    if code in ("utf-8-sig", "utf_8"):
        code = UTF8
    if code not in ENCODINGS:
        raise ImportFileError(
            _("%(name)s is not an encoding Accord reads. Choose one of: %(choices)s.")
            % {"name": name, "choices": ", ".join(ENCODING_NAMES)}
        )
    return code


# --- telling the encoding ---------------------------------------------------------------------------------

# Letters of the languages written in these code pages. The code pages decode each other's bytes
# into other real characters (ISO-8859-2's "ą" is Windows-1250's "±", Windows-1257's "ė" is
# Windows-1250's "ë"), so how garbled a decoding looks says little on a short file; whether its
# letters belong to one alphabet says a lot.
_ALPHABETS = [
    set(letters + letters.upper())
    for letters in (
        "ąćęłńóśźż",  # Polish
        "ąčęėįšųūž",  # Lithuanian
        "āčēģīķļņōŗšūž",  # Latvian
        "õäöüšž",  # Estonian
        "ăâîșțşţ",  # Romanian
        "áčďéěíňóřšťúůýž",  # Czech
        "áäčďéíĺľňóôŕšťúýž",  # Slovak
        "áéíóöőúüű",  # Hungarian
        "čćđšž",  # Croatian, Slovene
        "äöüß",  # German
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",  # Russian
        "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",  # Ukrainian
        "абвгдеёжзійклмнопрстуўфхцчшыьэюя",  # Belarusian
        "абвгдђежзијклљмнњопрстћуфхцчџш",  # Serbian
    )
]
# Punctuation the code pages carry that any text may use.
_NEUTRAL = frozenset("„”“‘’‚«»–—…€°§\xa0·•©®™±×")
_MIXED_WORD = re.compile(r"\b(?=\w*[A-Za-z])(?=\w*[\u0400-\u04ff])\w+\b")
_UTF8_CHUNK = 1 << 20
_SAMPLE_BYTES = 64 * 1024
_SAMPLE_SCAN = 8 << 20


def _plausibility(text: str) -> int:
    """How much ``text`` reads like one language: +1 per letter of its best alphabet, -1 per
    other letter, -2 per other symbol, -2 per word mixing Latin and Cyrillic letters."""
    others = [c for c in text if ord(c) > 127 and c not in _NEUTRAL]
    best = None
    for alphabet in _ALPHABETS:
        score = sum(1 if c in alphabet else (-1 if c.isalpha() else -2) for c in others)
        best = score if best is None else max(best, score)
    return (best or 0) - 2 * len(_MIXED_WORD.findall(text))


def _is_utf8(file: IO[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder(UTF8)()
    try:
        while chunk := file.read(_UTF8_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _sample(file: IO[bytes]) -> bytes:
    """Lines with bytes beyond ASCII (the only ones that tell encodings apart), up to 64 KiB."""
    found: list[bytes] = []
    size = scanned = 0
    for line in file:
        scanned += len(line)
        if not line.isascii():
            found.append(line)
            size += len(line)
        if size >= _SAMPLE_BYTES or scanned >= _SAMPLE_SCAN:
            break
    return b"".join(found)


def guess_single_byte(sample: bytes) -> str:
    """The likeliest single-byte code page of ``sample``.

    charset-normalizer measures how garbled each decoding is; the decodings are ranked by the
    plausibility of their letters first, since the code pages are too alike for that measure to
    tell apart on a few names, then by charset-normalizer's measure, then by ``SINGLE_BYTE``'s order.
    """
    matches = charset_normalizer.from_bytes(sample, cp_isolation=list(SINGLE_BYTE), threshold=1.0)
    chaos = {codecs.lookup(match.encoding).name: match.chaos for match in matches}
    ranked: dict[str, tuple[int, float, int]] = {}
    for position, code in enumerate(SINGLE_BYTE):
        try:
            text = sample.decode(code)
        except UnicodeDecodeError:
            continue
        ranked[code] = (_plausibility(text), -chaos.get(code, 1.0), -position)
    return max(ranked, key=lambda code: ranked[code]) if ranked else SINGLE_BYTE[0]


def detect_encoding(path: Path) -> str:
    """UTF-8 when the whole file is valid UTF-8 (a byte order mark allowed), else the likeliest
    single-byte code page."""
    with path.open("rb") as file:
        if _is_utf8(file):
            return UTF8
        file.seek(0)
        return guess_single_byte(_sample(file))


def sniff_delimiter(first_line: str) -> str:
    """The delimiter that splits the header into the most columns (comma when in doubt)."""
    widths = {d: len(next(csv.reader([first_line], delimiter=d), [])) for d in DELIMITERS}
    return max(widths, key=lambda d: widths[d])


# --- reading ----------------------------------------------------------------------------------------------


class Table:
    """A spreadsheet opened for streaming: ``headers`` at once, then rows one at a time.

    Headers are made unique ("Email", "Email (2)") so that no column silently hides another.
    Rows whose cells are all blank are skipped; short rows are padded with empty cells.
    ``encoding`` and ``delimiter`` say how a CSV file was read (None for a workbook).
    """

    headers: list[str]
    encoding: str | None = None
    delimiter: str | None = None

    def __iter__(self) -> Iterator[Row]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _row(self, cells: Iterable[str]) -> dict[str, str] | None:
        values = dict(zip(self.headers, cells, strict=False))
        if not any(v.strip() for v in values.values()):
            return None
        return {header: values.get(header, "") for header in self.headers}


# A header row wider or longer than any real spreadsheet's is refused rather than processed: the
# rows are kept as {header: text}, so both sizes are paid for on every row of the file.
MAX_COLUMNS = 500
MAX_HEADER_LENGTH = 200


def _unique_headers(cells: Iterable[str]) -> list[str]:
    """The header row with blank headers named by position and repeated ones numbered ("Email",
    "Email (2)"); refused when it is too wide, a header too long, or a header holds a NUL."""
    headers: list[str] = []
    taken: set[str] = set()
    copies: dict[str, int] = {}  # the last number given to each repeated name
    for position, cell in enumerate(cells, start=1):
        if position > MAX_COLUMNS:
            raise ImportFileError(
                _("The file has more than %(limit)d columns; remove the columns you do not import.")
                % {"limit": MAX_COLUMNS}
            )
        name = cell.strip() or _("column %(number)d") % {"number": position}
        if "\x00" in name:
            # Typically a UTF-16 ("Unicode text") file, whose every other byte is a NUL.
            raise ImportFileError(
                _(
                    "The header of column %(number)d contains a NUL character: the file is not plain text. "
                    "Save it as CSV UTF-8 or as an Excel workbook."
                )
                % {"number": position}
            )
        if len(name) > MAX_HEADER_LENGTH:
            raise ImportFileError(
                _("The header of column %(number)d is longer than %(limit)d characters; is the first row a header?")
                % {"number": position, "limit": MAX_HEADER_LENGTH}
            )
        candidate = name
        if candidate in taken:
            copy = copies.get(name, 1)
            while candidate in taken:
                copy += 1
                candidate = f"{name} ({copy})"
            copies[name] = copy
        taken.add(candidate)
        headers.append(candidate)
    return headers


class CsvTable(Table):
    """A CSV file in one of ``ENCODINGS``, separated by one of ``DELIMITERS``.

    Line numbers are the file's own: a row starts on the line after the previous row ended, so a
    note spanning three lines does not shift the numbers of the rows below it. Lines are decoded
    one by one, so a line the encoding cannot read is named exactly.
    """

    def __init__(self, path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> None:
        if delimiter is not None and delimiter not in DELIMITERS:
            raise ImportFileError(_("Separate columns with a comma, a semicolon or a tab."))
        self.encoding = encoding_code(encoding) if encoding else detect_encoding(path)
        self._file: IO[bytes] = path.open("rb")
        self._decoded = 0
        lines = self._lines()
        try:
            first = next(lines, "")
            self.delimiter = delimiter or sniff_delimiter(first)
            # Strict: a quotation mark never closed is an error naming its line, not the rest of
            # the file silently read as one cell.
            self._reader = csv.reader(itertools.chain([first], lines), delimiter=self.delimiter, strict=True)
            header = next((cells for cells in self._reader if any(c.strip() for c in cells)), None)
        except (UnicodeDecodeError, csv.Error) as exc:
            self._file.close()
            raise self._error(self._decoded, exc) from exc
        if header is None:
            self._file.close()
            raise ImportFileError(_("The file is empty."))
        try:
            self.headers = _unique_headers(header)
        except ImportFileError:
            self._file.close()
            raise

    def _lines(self) -> Iterator[str]:
        assert self.encoding is not None
        for raw in self._file:
            self._decoded += 1
            if self._decoded == 1 and self.encoding == UTF8 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            yield raw.decode(self.encoding)

    def __iter__(self) -> Iterator[Row]:
        previous = self._reader.line_num
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise self._error(self._decoded, exc) from exc
            except csv.Error as exc:
                raise self._error(previous + 1, exc) from exc
            line, previous = previous + 1, self._reader.line_num
            values = self._row(cells)
            if values is not None:
                yield line, values

    def close(self) -> None:
        self._file.close()

    def _error(self, line: int, exc: Exception) -> ImportFileError:
        if isinstance(exc, UnicodeDecodeError):
            return ImportFileError(
                _("Line %(line)d is not %(encoding)s text: choose the file's encoding.")
                % {"line": line, "encoding": encoding_label(self.encoding or UTF8)}
            )
        if "unexpected end of data" in str(exc):
            return ImportFileError(
                _(
                    "Line %(line)d opens a quotation mark that is never closed, so the rest of the file "
                    "would be read as one cell. Close the quotation mark or remove it."
                )
                % {"line": line}
            )
        return ImportFileError(_("Line %(line)d cannot be read: %(reason)s") % {"line": line, "reason": exc})


def cell_text(value: Any) -> str:
    """A workbook cell as the text a CSV would hold (whole numbers without ".0", dates in ISO)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# What a workbook may unpack to, from its zip's central directory, before openpyxl opens it: a
# real spreadsheet's XML packs 5 to 20 times smaller, a zip bomb's thousands of times.
# zipfile stops reading a member at the size the directory declares (and then fails its CRC
# check), so a directory that lies about sizes cannot get past these limits either.
MAX_WORKBOOK_ENTRIES = 1000
MAX_UNPACKED_FACTOR = 10  # the whole workbook unpacked: up to ten times the largest upload
MAX_RATIO = 100  # one part unpacked against packed ...
RATIO_FROM = 1 << 20  # ... checked on the parts above 1 MiB unpacked (small parts pack erratically)


def max_file_bytes() -> int:
    """The largest file an import takes (ACCORD_IMPORT_MAX_BYTES)."""
    return int(settings.ACCORD_IMPORT_MAX_BYTES)


def check_workbook_archive(path: Path) -> None:
    """Refuse a workbook whose zip would unpack into far more than a spreadsheet holds."""
    not_readable = _("The file is not a readable XLSX workbook.")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(not_readable) from exc
    if len(entries) > MAX_WORKBOOK_ENTRIES:
        raise ImportFileError(
            _("The workbook holds %(count)d parts, more than %(limit)d: it is not a plain spreadsheet.")
            % {"count": len(entries), "limit": MAX_WORKBOOK_ENTRIES}
        )
    unpacked = sum(entry.file_size for entry in entries)
    limit = MAX_UNPACKED_FACTOR * max_file_bytes()
    if unpacked > limit:
        raise ImportFileError(
            _("The workbook unpacks to %(size)s, more than %(limit)s: split it into smaller files.")
            % {"size": filesizeformat(unpacked), "limit": filesizeformat(limit)}
        )
    for entry in entries:
        if entry.file_size > RATIO_FROM and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            raise ImportFileError(
                _("The workbook is compressed %(ratio)d times, far more than a spreadsheet is: it is not imported.")
                % {"ratio": entry.file_size // max(entry.compress_size, 1)}
            )


# What openpyxl raises on a workbook whose parts are missing or whose XML is broken.
_BROKEN_WORKBOOK = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    OSError,
    EOFError,
    SyntaxError,  # xml.etree.ElementTree.ParseError (defusedxml's refusals are ValueErrors)
)


class XlsxTable(Table):
    """The first sheet of an XLSX workbook, read in openpyxl's read-only (streaming) mode."""

    def __init__(self, path: Path) -> None:
        check_workbook_archive(path)
        try:
            self._book = load_workbook(path, read_only=True, data_only=True)
        except _BROKEN_WORKBOOK as exc:
            raise ImportFileError(_("The file is not a readable XLSX workbook.")) from exc
        try:
            if not self._book.worksheets:
                raise ImportFileError(_("The workbook has no sheets."))
            sheet: Any = self._book.worksheets[0]
            sheet.reset_dimensions()  # some writers store wrong dimensions, which would cut rows off
            rows = enumerate(sheet.iter_rows(values_only=True), start=1)
            self._rows: Iterator[tuple[int, tuple[Any, ...]]] = rows
            header = next((cells for _number, cells in self._read() if any(cell_text(c).strip() for c in cells)), None)
            if header is None:
                raise ImportFileError(_("The file is empty."))
            self.headers = _unique_headers(cell_text(c) for c in header)
        except ImportFileError:
            self.close()
            raise

    def _read(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """The sheet's rows; broken XML met on the way is a file error, not a crash."""
        number = 0
        try:
            for number, cells in self._rows:
                yield number, cells
        except _BROKEN_WORKBOOK as exc:
            raise ImportFileError(
                _("Row %(row)d of the workbook cannot be read: the file is damaged.") % {"row": number + 1}
            ) from exc

    def __iter__(self) -> Iterator[Row]:
        for number, cells in self._read():
            values = self._row(cell_text(c) for c in cells)
            if values is not None:
                yield number, values

    def close(self) -> None:
        self._book.close()


def is_workbook(path: Path) -> bool:
    """XLSX is recognised by its name or its content (a zip archive)."""
    with path.open("rb") as probe:
        return probe.read(4) == b"PK\x03\x04" or path.suffix.lower() in XLSX_SUFFIXES


def open_table(path: str | Path, *, encoding: str | None = None, delimiter: str | None = None) -> Table:
    """Open a CSV or XLSX file for streaming; ``encoding`` and ``delimiter`` apply to CSV only,
    and are detected when not given."""
    path = Path(path)
    try:
        workbook = is_workbook(path)
    except OSError as exc:
        raise ImportFileError(_("Cannot open %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror}) from exc
    if workbook:
        return XlsxTable(path)
    return CsvTable(path, encoding=encoding, delimiter=delimiter)


def first_lines(path: Path, encoding: str, count: int = 6, width: int = 300) -> list[str]:
    """The file's first lines as ``encoding`` decodes them (undecodable bytes shown as �), so a
    wrong encoding is visible before anything is imported."""
    lines: list[str] = []
    with path.open("rb") as file:
        for raw in itertools.islice(file, count):
            if not lines and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            text = raw.decode(encoding, errors="replace").rstrip("\r\n")
            lines.append(text if len(text) <= width else text[:width] + "…")
    return lines


# --- headers ----------------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalize_header(header: str) -> str:
    """A header as it is compared: any case, spaces, underscores and hyphens ignored."""
    return _SEPARATORS.sub("", header.strip().casefold())
