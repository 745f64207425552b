"""Importing contacts and companies from CSV and XLSX files.

Three steps, each usable on its own: ``open_table`` streams a file as ``(line, {header: text})``
rows, ``map_headers`` decides which column feeds which field, and ``import_rows`` writes the mapped
rows through the people services, so an import validates exactly like a form or the API does.

Each row is first matched to an existing record, which makes importing the same file twice create
nothing new. A matched record is only ever added to: an empty cell leaves its field alone, and the
e-mails, phones, tags and company links in the file join the record's own instead of replacing
them, so an import cannot lose what people typed in by hand.

Files are read one row at a time and written in batches, so memory stays flat however long the
file is.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import enum
import gc
import itertools
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal, NamedTuple, Self

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from accord.core import customfields, exports
from accord.core.errors import message_dict
from accord.core.models import entity_label
from accord.identity.models import User
from accord.people import bulk, services
from accord.people.models import (
    Channel,
    Company,
    CompanySize,
    Contact,
    EmailAddress,
    Language,
    PartyModel,
    PhoneNumber,
    Source,
)
from accord.people.validators import normalize_nip, normalize_vat_id

Kind = Literal["contacts", "companies"]
KINDS: tuple[Kind, ...] = ("contacts", "companies")
Row = tuple[int, dict[str, str]]

BATCH_SIZE = 500
# Rows of contacts checked and written together by the fast path (people.bulk).
CHUNK_SIZE = 5000
DELIMITERS = (",", ";", "\t")


class ImportFileError(Exception):
    """The file as a whole cannot be read (missing, not UTF-8, not a workbook, no header)."""


# --- reading ---------------------------------------------------------------------------------------


class Table:
    """A spreadsheet opened for streaming: ``headers`` at once, then rows one at a time.

    Headers are made unique ("Email", "Email (2)") so that no column silently hides another.
    Rows whose cells are all blank are skipped; short rows are padded with empty cells.
    """

    headers: list[str]

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


def _unique_headers(cells: Iterable[str]) -> list[str]:
    headers: list[str] = []
    for position, cell in enumerate(cells, start=1):
        name = cell.strip() or _("column %(number)d") % {"number": position}
        candidate, copy = name, 1
        while candidate in headers:
            copy += 1
            candidate = f"{name} ({copy})"
        headers.append(candidate)
    return headers


def _sniff_delimiter(first_line: str) -> str:
    """The delimiter that splits the header into the most columns (comma when in doubt)."""
    widths = {d: len(next(csv.reader([first_line], delimiter=d), [])) for d in DELIMITERS}
    return max(widths, key=lambda d: widths[d])


class CsvTable(Table):
    """A UTF-8 CSV file, with or without a byte order mark, comma- or semicolon-separated.

    Line numbers are the file's own: a row starts on the line after the previous row ended, so a
    note spanning three lines does not shift the numbers of the rows below it. Lines are decoded
    one by one, so a line that is not UTF-8 is named exactly.
    """

    def __init__(self, path: Path) -> None:
        self._file: IO[bytes] = path.open("rb")
        self._decoded = 0
        lines = self._lines()
        try:
            first = next(lines, "")
            self._reader = csv.reader(itertools.chain([first], lines), delimiter=_sniff_delimiter(first))
            header = next((cells for cells in self._reader if any(c.strip() for c in cells)), None)
        except (UnicodeDecodeError, csv.Error) as exc:
            self._file.close()
            raise _read_error(self._decoded, exc) from exc
        if header is None:
            self._file.close()
            raise ImportFileError(_("The file is empty."))
        self.headers = _unique_headers(header)

    def _lines(self) -> Iterator[str]:
        for raw in self._file:
            self._decoded += 1
            yield raw.decode("utf-8-sig" if self._decoded == 1 else "utf-8")

    def __iter__(self) -> Iterator[Row]:
        previous = self._reader.line_num
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise _read_error(self._decoded, exc) from exc
            except csv.Error as exc:
                raise _read_error(previous + 1, exc) from exc
            line, previous = previous + 1, self._reader.line_num
            values = self._row(cells)
            if values is not None:
                yield line, values

    def close(self) -> None:
        self._file.close()


def _read_error(line: int, exc: Exception) -> ImportFileError:
    if isinstance(exc, UnicodeDecodeError):
        return ImportFileError(
            _("Line %(line)d is not UTF-8 text. Save the file as “CSV UTF-8” and import it again.") % {"line": line}
        )
    return ImportFileError(_("Line %(line)d cannot be read: %(reason)s") % {"line": line, "reason": exc})


def _cell_text(value: Any) -> str:
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


class XlsxTable(Table):
    """The first sheet of an XLSX workbook, read in openpyxl's read-only (streaming) mode."""

    def __init__(self, path: Path) -> None:
        try:
            self._book = load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise ImportFileError(_("%(file)s is not a readable XLSX workbook.") % {"file": path.name}) from exc
        sheet: Any = self._book.worksheets[0]
        sheet.reset_dimensions()  # some writers store wrong dimensions, which would cut rows off
        self._rows: Iterator[tuple[int, tuple[Any, ...]]] = enumerate(sheet.iter_rows(values_only=True), start=1)
        header = next((cells for _number, cells in self._rows if any(_cell_text(c).strip() for c in cells)), None)
        if header is None:
            self.close()
            raise ImportFileError(_("The file is empty."))
        self.headers = _unique_headers(_cell_text(c) for c in header)

    def __iter__(self) -> Iterator[Row]:
        for number, cells in self._rows:
            values = self._row(_cell_text(c) for c in cells)
            if values is not None:
                yield number, values

    def close(self) -> None:
        self._book.close()


def open_table(path: str | Path) -> Table:
    """Open a CSV or XLSX file for streaming; XLSX is recognised by its name or its content."""
    path = Path(path)
    try:
        with path.open("rb") as probe:
            is_zip = probe.read(4) == b"PK\x03\x04"
    except OSError as exc:
        raise ImportFileError(_("Cannot open %(file)s: %(reason)s") % {"file": path, "reason": exc.strerror}) from exc
    if is_zip or path.suffix.lower() in (".xlsx", ".xlsm"):
        return XlsxTable(path)
    return CsvTable(path)


# --- mapping headers to fields ---------------------------------------------------------------------

_COMMON_FIELDS: dict[str, tuple[str, ...]] = {
    "email": (
        "e-mail",
        "mail",
        "email address",
        "e-mail address",
        "adres e-mail",
        "adres email",
        "el. paštas",
        "el paštas",
        "электронная почта",
    ),
    "emails": ("e-mails", "email addresses", "e-mail addresses", "adresy e-mail"),
    "phone": (
        "telephone",
        "tel",
        "tel.",
        "mobile",
        "mobile phone",
        "cell",
        "cell phone",
        "phone number",
        "telephone number",
        "telefon",
        "telefon komórkowy",
        "komórka",
        "nr telefonu",
        "numer telefonu",
        "telefonas",
        "телефон",
    ),
    "phones": ("phone numbers", "telephones", "telefony"),
    "tags": ("tag", "labels", "tagi", "etykiety", "žymos", "etichete", "теги"),
    "owner": ("owner username", "account owner", "assigned to", "opiekun", "właściciel"),
    "external_id": ("external key", "external reference", "ext id", "id zewnętrzne"),
    "notes": ("note", "comment", "comments", "remarks", "uwagi", "notatka", "notatki", "pastabos"),
    "id": (),
}

_CONTACT_FIELDS: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "given name", "forename", "imię", "imie", "vardas", "prenume", "имя"),
    "last_name": ("lastname", "surname", "family name", "nazwisko", "pavardė", "pavarde", "nume", "фамилия"),
    "company": (
        "company name",
        "organisation",
        "organization",
        "employer",
        "firma",
        "nazwa firmy",
        "įmonė",
        "companie",
        "компания",
    ),
    "job_title": ("job title", "position", "stanowisko", "pareigos", "funcție", "должность"),
    "department": ("dział", "departament", "skyrius", "отдел"),
    "birthday": ("birth date", "date of birth", "dob", "data urodzenia", "urodziny", "gimimo data", "data nașterii"),
    "preferred_language": ("language", "język", "kalba", "limba", "язык"),
    "preferred_channel": ("channel", "preferred contact method", "kanał"),
    "source": ("lead source", "źródło", "zrodlo"),
    "classification": ("klasyfikacja",),
    **_COMMON_FIELDS,
}

_COMPANY_FIELDS: dict[str, tuple[str, ...]] = {
    "name": (
        "company",
        "company name",
        "account name",
        "organisation",
        "organization",
        "firma",
        "nazwa",
        "nazwa firmy",
        "pavadinimas",
        "įmonė",
        "denumire",
        "название",
    ),
    "vat_id": ("vat", "vat number", "vat no", "eu vat", "nip ue", "vat ue"),
    "nip": ("tax id", "tin"),
    "regon": (),
    "industry": ("sector", "branża", "branza", "sektor"),
    "size": ("company size", "employees", "wielkość", "liczba pracowników"),
    "website": ("www", "url", "web", "site", "web site", "homepage", "strona", "strona www", "strona internetowa"),
    "country": ("country code", "kraj", "šalis", "țara", "страна"),
    "city": ("town", "miasto", "miejscowość", "miestas", "oraș", "город"),
    **_COMMON_FIELDS,
}

FIELDS: dict[Kind, dict[str, tuple[str, ...]]] = {"contacts": _CONTACT_FIELDS, "companies": _COMPANY_FIELDS}
# Export columns that describe the record rather than feed it; mapped to nothing, without a notice.
READ_ONLY = frozenset({"created_at", "last_interaction_at", "updated_at"})
MODELS: dict[Kind, type[PartyModel]] = {"contacts": Contact, "companies": Company}

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalize_header(header: str) -> str:
    """A header as it is compared: any case, spaces, underscores and hyphens ignored."""
    return _SEPARATORS.sub("", header.strip().casefold())


def aliases(kind: Kind) -> dict[str, str]:
    """Every accepted header spelling (normalised) -> the field it feeds."""
    table: dict[str, str] = {}
    for name, spellings in FIELDS[kind].items():
        for spelling in (name, *spellings):
            table[normalize_header(spelling)] = name
    return table


class MappingError(ValueError):
    """A ``--map`` override names a column or a field that does not exist."""


@dataclass
class ColumnMap:
    """Which column feeds which field; ``ignored`` lists the columns that feed nothing."""

    fields: dict[str, str]
    ignored: list[str] = field(default_factory=list)

    def apply(self, rows: Iterable[Row]) -> Iterator[Row]:
        """Rows keyed by field instead of header; empty cells are dropped (they change nothing)."""
        for line, raw in rows:
            values: dict[str, str] = {}
            for header, name in self.fields.items():
                value = _restore(raw.get(header, "").strip())
                if value:
                    values[name] = value
            yield line, values

    def maps_to(self, name: str) -> bool:
        return name in self.fields.values()


def _restore(value: str) -> str:
    """Undo the export's formula neutralisation, so an exported "=SUM" cell re-imports as itself."""
    if value.startswith("'") and exports.neutralise(value[1:]) == value:
        return value[1:]
    return value


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """``["Header=field", ...]`` -> {header: field}; an empty field means "ignore this column"."""
    overrides: dict[str, str] = {}
    for item in items:
        header, sep, target = item.partition("=")
        if not sep or not header.strip():
            raise MappingError(_("Write a mapping as Header=field, not %(item)s.") % {"item": item})
        overrides[header.strip()] = target.strip()
    return overrides


def map_headers(kind: Kind, headers: Iterable[str], overrides: Mapping[str, str] | None = None) -> ColumnMap:
    """Map a file's headers to fields: overrides first, then ``cf.<key>``, names and aliases,
    then custom field labels. A field fed by two columns takes the first; the second is ignored."""
    headers = list(headers)
    spellings = aliases(kind)
    definitions = customfields.definitions(entity_label(MODELS[kind]))
    custom = {d.key.casefold(): d.key for d in definitions}
    custom_labels = {normalize_header(d.label): d.key for d in definitions}
    read_only = {normalize_header(name) for name in READ_ONLY}
    chosen = _check_overrides(kind, headers, overrides or {}, spellings, custom)
    mapping = ColumnMap(fields={})
    for header in headers:
        key = normalize_header(header)
        if key in chosen:
            target: str | None = chosen[key]
        elif header.casefold().startswith("cf."):
            found = custom.get(header[3:].strip().casefold())
            target = f"cf.{found}" if found else None
        elif key in read_only:
            continue
        else:
            target = spellings.get(key) or (f"cf.{custom_labels[key]}" if key in custom_labels else None)
        if target and not mapping.maps_to(target):
            mapping.fields[header] = target
        else:
            mapping.ignored.append(header)
    return mapping


def _check_overrides(
    kind: Kind,
    headers: list[str],
    overrides: Mapping[str, str],
    spellings: Mapping[str, str],
    custom: Mapping[str, str],
) -> dict[str, str]:
    """Normalised header -> field ("" to ignore), after checking both sides exist."""
    present = {normalize_header(h) for h in headers}
    chosen: dict[str, str] = {}
    for header, target in overrides.items():
        if normalize_header(header) not in present:
            raise MappingError(_("The file has no column %(header)s.") % {"header": header})
        if not target:
            chosen[normalize_header(header)] = ""
        elif target.casefold().startswith("cf.") and target[3:].strip().casefold() in custom:
            chosen[normalize_header(header)] = f"cf.{custom[target[3:].strip().casefold()]}"
        elif normalize_header(target) in spellings:
            chosen[normalize_header(header)] = spellings[normalize_header(target)]
        else:
            allowed = ", ".join([*FIELDS[kind], *(f"cf.{k}" for k in custom.values())])
            raise MappingError(
                _("%(field)s is not a field of %(kind)s. Fields: %(allowed)s.")
                % {"field": target, "kind": kind, "allowed": allowed}
            )
    return chosen


# --- the report ------------------------------------------------------------------------------------


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        if self.field in ("", "__all__"):
            return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}
        return _("line %(line)d: %(field)s: %(message)s") % {
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class ImportReport:
    """What an import did, or would have done: counts per outcome and every bad row's reasons.

    Without ``partial`` a single failed row means nothing was written; the counts then say what
    the good rows would have done, so the numbers of a fixed re-run are known in advance.
    """

    kind: Kind
    partial: bool = False
    dry_run: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    companies_created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return not self.dry_run and (self.partial or not self.failed)

    def fail(self, line: int, errors: Mapping[str, list[str]]) -> None:
        self.failed += 1
        for name, messages in errors.items():
            self.errors.extend(RowError(line, name, str(message)) for message in messages)

    def summary_lines(self) -> list[str]:
        lines = [
            _("Rows read: %(count)d") % {"count": self.read},
            _("Created: %(count)d") % {"count": self.created},
            _("Updated: %(count)d") % {"count": self.updated},
            _("Unchanged: %(count)d") % {"count": self.unchanged},
            _("Failed: %(count)d") % {"count": self.failed},
        ]
        if self.companies_created:
            lines.append(_("Companies created: %(count)d") % {"count": self.companies_created})
        return lines


# --- importing -------------------------------------------------------------------------------------


class _Result(NamedTuple):
    outcome: Outcome
    companies_created: int = 0


def import_rows(
    kind: Kind,
    rows: Iterable[Row],
    *,
    owner: User | None,
    partial: bool = False,
    dry_run: bool = False,
    create_companies: bool = True,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Create or update one record per mapped row, as the system, and report on every row.

    All-or-nothing by default: every row runs (so every bad row is reported) in one transaction
    that is rolled back if any row failed. ``partial`` commits each batch's good rows instead.
    ``dry_run`` runs everything and rolls it all back, so duplicates within the file and companies
    the file would create are counted exactly as a real run would count them.
    """
    importer: _Importer = (_ContactImporter if kind == "contacts" else _CompanyImporter)(
        default_owner=owner, create_companies=create_companies
    )
    report = ImportReport(kind=kind, partial=partial, dry_run=dry_run)
    rows = _refuse_nul(rows, report)
    if isinstance(importer, _ContactImporter):
        fast = _FastContacts(importer)
        batches = itertools.batched(rows, max(batch_size, CHUNK_SIZE))

        def run(batch: Sequence[Row]) -> None:
            fast.run(batch, report)

    else:
        batches = itertools.batched(rows, batch_size)

        def run(batch: Sequence[Row]) -> None:
            for line, values in batch:
                _import_one(importer, line, values, report)

    with _collector_paused():
        if partial and not dry_run:
            for batch in batches:
                with transaction.atomic():
                    run(batch)
            return report
        with transaction.atomic():
            for batch in batches:
                run(batch)
            if dry_run or report.failed:
                transaction.set_rollback(True)
    return report


def _refuse_nul(rows: Iterable[Row], report: ImportReport) -> Iterator[Row]:
    """Rows whose cells carry a NUL character (no database column stores one) fail as bad rows."""
    for line, values in rows:
        if "\x00" not in "".join(values.values()):  # one search per row: the cells are text
            yield line, values
            continue
        bad = [name for name, value in values.items() if value and "\x00" in value]
        if bad:
            report.read += 1
            report.fail(line, {name: [_("Text cannot contain NUL characters.")] for name in bad})
            continue
        yield line, values


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the import: the rows of a chunk are freed by reference
    counting anyway, and full collections over a chunk's many small objects cost a quarter of the
    import's time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _FastContacts:
    """New contacts a chunk at a time through ``people.bulk``; every other row one by one.

    A row takes the slow path (the importer and its services, in file order after the chunk's new
    contacts are written) when it names an existing contact by external id, e-mail or our id, when
    it shares a key with an earlier slow row of the chunk (so rows about one person keep their
    order), or when ``bulk.Preparer`` cannot vouch for it; a bad row is then reported exactly as
    the service words it.
    """

    def __init__(self, importer: _ContactImporter) -> None:
        self.importer = importer
        self.preparer = bulk.Preparer()
        self.writer = bulk.Writer()
        # What choice_value answers, worked out once: it compares with every (translated) label.
        self.choices = {name: _choice_table(choices) for name, choices in importer.choices.items()}

    def run(self, chunk: Sequence[Row], report: ImportReport) -> None:
        keyed = [(line, values, *_row_keys(values)) for line, values in chunk]
        external_ids = bulk.taken_external_ids(values.get("external_id", "") for _, values, *_ in keyed)
        emails = bulk.taken_emails(email for *_, lowered in keyed for email in lowered)
        taken = {f"x:{v}" for v in external_ids} | {f"e:{v}" for v in emails}
        if not self.importer.create_companies:
            self.writer.companies.load(values["company"] for _, values, *_ in keyed if values.get("company"))
        claimed: set[str] = set()
        fast: list[bulk.NewContact] = []
        slow: list[Row] = []
        for line, values, keys, row_emails, _lowered in keyed:
            new = None
            if "id" not in values and not (keys & claimed) and not (keys & taken):
                new = self._prepare(values, row_emails)
            claimed |= keys
            if new is None:
                slow.append((line, values))
            else:
                fast.append(new)
        written = self.writer.write(fast)
        report.read += written.contacts
        report.created += written.contacts
        report.companies_created += written.companies
        for line, values in slow:
            _import_one(self.importer, line, values, report)

    def _prepare(self, values: Mapping[str, str], emails: list[str]) -> bulk.NewContact | None:
        """The row as a new contact, built as ``_ContactImporter.import_row`` builds one."""
        importer = self.importer
        username = values.get("owner")
        owner = importer._user(username) if username else importer.default_owner
        if owner is None:
            return None
        data: dict[str, Any] = importer._plain_values(values)
        for name, choices in self.choices.items():
            if name in values:
                data[name] = choices.get(values[name].casefold(), values[name])
        if "birthday" in values:
            try:
                data["birthday"] = _date(values["birthday"])
            except ValidationError:
                return None
        data.setdefault("source", Source.IMPORT)
        data["owner"] = owner
        data["emails"] = [{"email": e} for e in emails]
        data["phones"] = [{"number": p} for p in _row_phones(values)]
        data["tags"] = _split(values.get("tags"))
        company = values.get("company", "")
        if company and not importer.create_companies and self.writer.companies.get(company) is None:
            return None
        return self.preparer.prepare(
            data, company=company, job_title=values.get("job_title", ""), department=values.get("department", "")
        )


def _row_keys(values: Mapping[str, str]) -> tuple[set[str], list[str], list[str]]:
    """What the importer matches a contact by (its external id and its e-mails in lower case),
    the row's e-mails and their lower-case forms."""
    emails = _row_emails(values)
    lowered = [email.lower() for email in emails]
    keys = {f"e:{email}" for email in lowered}
    if external_id := values.get("external_id"):
        keys.add(f"x:{external_id}")
    return keys, emails, lowered


def _choice_table(choices: type[models.TextChoices]) -> dict[str, str]:
    """Every spelling ``choice_value`` accepts (value or label, case-folded) -> the stored value."""
    table: dict[str, str] = {}
    for value, label in reversed(choices.choices):
        table[str(label).casefold()] = str(value)
        table[str(value).casefold()] = str(value)
    return table


def _import_one(importer: _Importer, line: int, values: dict[str, str], report: ImportReport) -> None:
    """One row in its own savepoint, so a bad row leaves no trace (not even a company it created)."""
    report.read += 1
    try:
        with transaction.atomic():
            result = importer.import_row(values)
    except ValidationError as exc:
        report.fail(line, message_dict(exc))
        return
    except IntegrityError as exc:
        report.fail(line, {"__all__": [_("The database refused this row: %(reason)s") % {"reason": exc}]})
        return
    report.companies_created += result.companies_created
    match result.outcome:
        case Outcome.CREATED:
            report.created += 1
        case Outcome.UPDATED:
            report.updated += 1
        case Outcome.UNCHANGED:
            report.unchanged += 1


def _split(value: str | None, separators: str = ";") -> list[str]:
    if not value:
        return []
    return [part.strip() for part in re.split(f"[{re.escape(separators)}]", value) if part.strip()]


def _unique(items: Iterable[str], key: Callable[[str], str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            result.append(item)
    return result


def _row_emails(values: Mapping[str, str]) -> list[str]:
    """The row's e-mails: the "email" column first, then "emails" (commas also separate them)."""
    found = [*_split(values.get("email"), ";,"), *_split(values.get("emails"), ";,")]
    return _unique(found, key=str.casefold)


def _row_phones(values: Mapping[str, str]) -> list[str]:
    found = [*_split(values.get("phone")), *_split(values.get("phones"))]
    return _unique(found, key=lambda p: re.sub(r"[^\d+]", "", p) or p)


def choice_value(choices: type[models.TextChoices], raw: str) -> str:
    """A choice by its stored value or its label, in any case; unknown values pass through for
    the service to reject with the list of allowed ones."""
    wanted = raw.casefold()
    for value, label in choices.choices:
        if wanted in (str(value).casefold(), str(label).casefold()):
            return str(value)
    return raw


def _date(raw: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return datetime.datetime.strptime(raw, "%d.%m.%Y").date()  # noqa: DTZ007 - a date, no time zone
    except ValueError as exc:
        raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc


def _as_uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def _shift_errors(errors: dict[str, list[str]], prefix: str, offset: int) -> dict[str, list[str]]:
    """Renumber ``emails.7.email`` to the row's own ``emails.2.email`` when the record's five
    e-mails were put before the row's."""
    if not offset:
        return errors
    shifted: dict[str, list[str]] = {}
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == prefix and len(parts) > 1 and parts[1].isdigit():
            parts[1] = str(int(parts[1]) - offset)
        shifted[".".join(parts)] = messages
    return shifted


def _company_named(name: str) -> Company | None:
    """The oldest company with exactly this name, in any case. Narrowed by the indexed sort name
    and compared in Python, because SQLite's case-insensitive match ignores all but ASCII."""
    wanted = name.strip().casefold()
    candidates = Company.objects.filter(sort_name=services.sort_name(name)).order_by("created_at", "pk")
    return next((c for c in candidates if c.name.strip().casefold() == wanted), None)


class _Importer:
    """What contact and company rows share: owners, lists, custom fields, and the update step."""

    scalars: tuple[str, ...] = ()  # fields copied from the row as they are

    def __init__(self, *, default_owner: User | None, create_companies: bool) -> None:
        self.default_owner = default_owner
        self.create_companies = create_companies
        self._users: dict[str, User | None] = {}

    def import_row(self, values: Mapping[str, str]) -> _Result:
        raise NotImplementedError

    def _user(self, username: str) -> User | None:
        if username not in self._users:
            user = User.objects.filter(username=username).first()
            if user is None:
                matches = list(User.objects.filter(username__iexact=username)[:2])
                user = matches[0] if len(matches) == 1 else None
            self._users[username] = user
        return self._users[username]

    def _row_owner(self, values: Mapping[str, str], errors: dict[str, list[str]]) -> User | None:
        username = values.get("owner")
        if not username:
            return None
        user = self._user(username)
        if user is None:
            errors["owner"] = [_("No user named %(name)s.") % {"name": username}]
        return user

    def _owner_for_new(self, owner: User | None, errors: dict[str, list[str]]) -> User | None:
        owner = owner or (None if "owner" in errors else self.default_owner)
        if owner is None and "owner" not in errors:
            errors["owner"] = [_("No owner: fill in the owner column or choose a default owner.")]
        return owner

    def _plain_values(self, values: Mapping[str, str]) -> dict[str, Any]:
        """The row's scalar fields and custom fields, as the service takes them."""
        data: dict[str, Any] = {name: values[name] for name in self.scalars if name in values}
        if custom := {name[3:]: value for name, value in values.items() if name.startswith("cf.")}:
            data["custom"] = custom
        return data

    def _lists(self, record: PartyModel | None, values: Mapping[str, str], data: dict[str, Any]) -> dict[str, int]:
        """Put the row's e-mails, phones and tags in ``data``, after the record's own ones if it
        has any; returns how many of the record's items precede the row's, per list."""
        offsets: dict[str, int] = {}
        emails, phones, tags = _row_emails(values), _row_phones(values), _split(values.get("tags"))
        owned_by = {"contact": record} if isinstance(record, Contact) else {"company": record}
        if emails:
            kept_emails = list(EmailAddress.objects.filter(**owned_by).values("email", "label")) if record else []
            data["emails"] = [*kept_emails, *({"email": e} for e in emails)]
            offsets["emails"] = len(kept_emails)
        if phones:
            kept_phones = list(PhoneNumber.objects.filter(**owned_by).values("number", "label")) if record else []
            data["phones"] = [*kept_phones, *({"number": p} for p in phones)]
            offsets["phones"] = len(kept_phones)
        if tags:
            data["tags"] = [*(record.tags.values_list("name", flat=True) if record else []), *tags]
        return offsets

    def _save(
        self,
        record: PartyModel | None,
        data: dict[str, Any],
        errors: dict[str, list[str]],
        offsets: Mapping[str, int],
    ) -> Outcome:
        """Create or update through the service. Errors found before (an unknown owner) are
        reported together with the service's, the earlier ones winning for the same field."""
        before = record.version if record is not None else 0
        try:
            saved = self._write(record, data)
        except ValidationError as exc:
            found = message_dict(exc)
            for prefix, offset in offsets.items():
                found = _shift_errors(found, prefix, offset)
            raise ValidationError({**found, **errors}) from exc
        if errors:
            raise ValidationError(errors)
        if record is None:
            return Outcome.CREATED
        # The services leave the version alone when a write changes nothing.
        return Outcome.UPDATED if saved.version != before else Outcome.UNCHANGED

    def _write(self, record: PartyModel | None, data: Mapping[str, Any]) -> PartyModel:
        raise NotImplementedError


class _ContactImporter(_Importer):
    scalars = ("first_name", "last_name", "classification", "notes", "external_id")
    choices: Mapping[str, type[models.TextChoices]] = {
        "preferred_language": Language,
        "preferred_channel": Channel,
        "source": Source,
    }
    companies_created = 0  # by the current row

    def import_row(self, values: Mapping[str, str]) -> _Result:
        errors: dict[str, list[str]] = {}
        contact = self._match(values)
        owner = self._row_owner(values, errors)
        data = self._plain_values(values)
        for name, choices in self.choices.items():
            if name in values:
                data[name] = choice_value(choices, values[name])
        if "birthday" in values:
            try:
                data["birthday"] = _date(values["birthday"])
            except ValidationError as exc:
                errors["birthday"] = exc.messages
        if contact is None:
            owner = self._owner_for_new(owner, errors)
            data.setdefault("source", Source.IMPORT)
            if owner is not None:
                data["owner"] = owner
        elif owner is not None and owner.pk != contact.owner_id:
            data["owner"] = owner  # only when it differs: giving an owner also resets the team
        offsets = self._lists(contact, values, data)
        self.companies_created = 0
        links = self._links(values, contact, owner or (contact.owner if contact else None), errors)
        if links is not None:
            data["companies"] = links
        return _Result(self._save(contact, data, errors, offsets), self.companies_created)

    def _match(self, values: Mapping[str, str]) -> Contact | None:
        """The contact this row is about: by external id, then any of its e-mails, then our id."""
        if external_id := values.get("external_id"):
            found = Contact.objects.filter(external_id=external_id).first()
            if found is not None:
                return found
        for email in _row_emails(values):
            found = Contact.objects.filter(emails__email=email.lower()).order_by("pk").first()
            if found is not None:
                return found
        if pk := _as_uuid(values.get("id")):
            return Contact.objects.filter(pk=pk).first()
        return None

    def _links(
        self, values: Mapping[str, str], contact: Contact | None, owner: User | None, errors: dict[str, list[str]]
    ) -> list[dict[str, Any]] | None:
        """The contact's company links with the row's company (and job title) among them, or None
        when the row says nothing about companies."""
        name, job_title, department = values.get("company"), values.get("job_title"), values.get("department")
        if not (name or job_title or department):
            return None
        links: list[dict[str, Any]] = []
        if contact is not None:
            for link in contact.company_links.select_related("company"):
                links.append(
                    {
                        "company": link.company,
                        "job_title": link.job_title,
                        "department": link.department,
                        "is_primary": link.is_primary,
                    }
                )
        if name:
            company = self._company(name, owner, errors)
            if company is None:
                return None
            target = next((link for link in links if link["company"].pk == company.pk), None)
            if target is None:
                target = {"company": company, "is_primary": not links}
                links.append(target)
        else:
            target = next((link for link in links if link["is_primary"]), links[0] if links else None)
            if target is None:
                errors["company"] = [_("A job title or department needs a company.")]
                return None
        if job_title:
            target["job_title"] = job_title
        if department:
            target["department"] = department
        return links

    def _company(self, name: str, owner: User | None, errors: dict[str, list[str]]) -> Company | None:
        found = _company_named(name)
        if found is not None:
            return found
        if not self.create_companies:
            errors["company"] = [_("No company named %(name)s.") % {"name": name}]
            return None
        if owner is None:
            return None  # the missing owner is already reported
        try:
            company = services.create_company(actor=None, data={"name": name, "owner": owner})
        except ValidationError as exc:
            errors["company"] = [f"{key}: {m}" for key, messages in message_dict(exc).items() for m in messages]
            return None
        self.companies_created += 1
        return company

    def _write(self, record: PartyModel | None, data: Mapping[str, Any]) -> PartyModel:
        if record is None:
            return services.create_contact(actor=None, data=data)
        assert isinstance(record, Contact)
        return services.update_contact(actor=None, contact=record, data=data)


class _CompanyImporter(_Importer):
    scalars = ("name", "vat_id", "nip", "regon", "industry", "website", "country", "notes", "external_id")

    def import_row(self, values: Mapping[str, str]) -> _Result:
        errors: dict[str, list[str]] = {}
        company = self._match(values)
        owner = self._row_owner(values, errors)
        data = self._plain_values(values)
        if "size" in values:
            data["size"] = choice_value(CompanySize, values["size"])
        if company is None:
            owner = self._owner_for_new(owner, errors)
            if owner is not None:
                data["owner"] = owner
        elif owner is not None and owner.pk != company.owner_id:
            data["owner"] = owner
        offsets = self._lists(company, values, data)
        if (city := values.get("city")) and (addresses := self._addresses(company, city, values)) is not None:
            data["addresses"] = addresses
        return _Result(self._save(company, data, errors, offsets))

    def _match(self, values: Mapping[str, str]) -> Company | None:
        """By external id, then NIP, then VAT id, then exact name, then our id."""
        if external_id := values.get("external_id"):
            found = Company.objects.filter(external_id=external_id).first()
            if found is not None:
                return found
        for name, normalize in (("nip", normalize_nip), ("vat_id", normalize_vat_id)):
            if raw := values.get(name):
                try:
                    number = normalize(raw)
                except ValidationError:
                    continue  # the service reports it
                found = Company.objects.filter(**{name: number}).order_by("created_at", "pk").first()
                if found is not None:
                    return found
        if (company_name := values.get("name")) and (found := _company_named(company_name)) is not None:
            return found
        if pk := _as_uuid(values.get("id")):
            return Company.objects.filter(pk=pk).first()
        return None

    @staticmethod
    def _addresses(company: Company | None, city: str, values: Mapping[str, str]) -> list[Mapping[str, Any]] | None:
        """The row's city as the company's first address, unless one of its addresses is there.
        The old addresses stay, after it."""
        kept: list[Mapping[str, Any]] = (
            list(company.addresses.values("label", "street", "postal_code", "city", "region", "country"))
            if company
            else []
        )
        if any(a["city"].casefold() == city.casefold() for a in kept):
            return None
        country = values.get("country") or (company.country if company else "")
        return [{"city": city, "country": country}, *kept]

    def _write(self, record: PartyModel | None, data: Mapping[str, Any]) -> PartyModel:
        if record is None:
            return services.create_company(actor=None, data=data)
        assert isinstance(record, Company)
        return services.update_company(actor=None, company=record, data=data)
