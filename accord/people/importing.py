"""Importing contacts and companies from CSV and XLSX files.

Three steps, each usable on its own: ``open_table`` (core.tables) streams a file as ``(line,
{header: text})`` rows, ``map_headers`` decides which column feeds which field, and ``import_rows``
writes the mapped rows through the people services, so an import validates exactly like a form or
the API does. ``people.importers`` registers both kinds with the core's import screens and command.

Each row is first matched to an existing record, which makes importing the same file twice create
nothing new. A matched record is only ever added to: an empty cell leaves its field alone, and the
e-mails, phones, tags and company links in the file join the record's own instead of replacing
them, so an import cannot lose what people typed in by hand.

An import runs as the system (``actor`` None: an administrator's command line) or as a user, who
then matches only the records they can see, changes only those they may change, and gives new
records only to owners they may assign to, as on the screens.

Files are read one row at a time and written in batches, so memory stays flat however long the
file is.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import itertools
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core import access, customfields, exports, importers
from accord.core.access import AccessDenied, Action
from accord.core.errors import message_dict
from accord.core.importers import ImportReport as _BaseReport
from accord.core.importers import MappingError, Observer, Outcome, Progress, RowError
from accord.core.models import CustomFieldType, entity_label
from accord.core.tables import ImportFileError, Row, Table, normalize_header, open_table
from accord.identity.models import User
from accord.people import bulk, selectors, services
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

__all__ = [
    "ImportFileError",
    "MappingError",
    "Outcome",
    "Row",
    "RowError",
    "Table",
    "normalize_header",
    "open_table",
]

Kind = Literal["contacts", "companies"]
KINDS: tuple[Kind, ...] = ("contacts", "companies")

BATCH_SIZE = 500
# Rows of contacts checked and written together by the fast path (people.bulk).
CHUNK_SIZE = 5000


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
    "preferred_language": ("language", "język", "kalba", "limba", "язык"),
    "city": ("town", "miasto", "miejscowość", "miestas", "oraș", "город"),
    **_COMMON_FIELDS,
}

# Consent columns of a contact import: ``consent_<channel>_<purpose>`` holding yes or no (in any
# of Accord's languages; empty leaves the consent alone), and ``consent_text``, the wording the
# file's consents were given to. People keeps no consent: the answers go to marketing as proof
# (method "import", the file as source) through the ``people.contact.consents_imported`` event.
# The channels and purposes are marketing's (marketing.models.ConsentChannel / ConsentPurpose).
CONSENT_CHANNELS = ("email", "sms", "phone", "letter")
CONSENT_PURPOSES = ("newsletter", "offers", "greetings")
CONSENT_COLUMNS = {f"consent_{c}_{p}": f"{c}.{p}" for c in CONSENT_CHANNELS for p in CONSENT_PURPOSES}
_YES = frozenset({"yes", "y", "true", "1", "x", "tak", "t", "taip", "da", "да"})
_NO = frozenset({"no", "n", "false", "0", "nie", "ne", "nu", "нет"})
_CONTACT_FIELDS.update(dict.fromkeys(CONSENT_COLUMNS, ()))
_CONTACT_FIELDS["consent_text"] = ("consent wording", "treść zgody", "tresc zgody")

FIELDS: dict[Kind, dict[str, tuple[str, ...]]] = {"contacts": _CONTACT_FIELDS, "companies": _COMPANY_FIELDS}
# Export columns that describe the record rather than feed it; mapped to nothing, without a notice.
READ_ONLY = frozenset({"created_at", "last_interaction_at", "updated_at"})
MODELS: dict[Kind, type[PartyModel]] = {"contacts": Contact, "companies": Company}
# Labels of the fields an export has no column for.
EXTRA_LABELS: dict[str, Any] = {
    "department": gettext_lazy("Department"),
    "consent_text": gettext_lazy("Consent text"),
}


def columns(kind: Kind) -> list[exports.Column]:
    """The export's columns of ``kind`` (custom fields included): what an import maps back."""
    return selectors.contact_columns() if kind == "contacts" else selectors.company_columns()


def _labels(kind: Kind) -> dict[str, list[str]]:
    """Each export column's human header in every language Accord speaks, by column name."""
    found: dict[str, list[str]] = {}
    cols = columns(kind)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column in cols:
                found.setdefault(column.name, []).append(column.header)
    return found


def aliases(kind: Kind) -> dict[str, str]:
    """Every accepted header spelling (normalised) -> the field it feeds: field names, their
    aliases, and the export's human headers in any language (so an exported file maps back)."""
    table: dict[str, str] = {}
    for name, labels in _labels(kind).items():
        if name in FIELDS[kind]:
            for label in labels:
                table[normalize_header(label)] = name
    for name, spellings in FIELDS[kind].items():
        for spelling in (name, *spellings):
            table[normalize_header(spelling)] = name
    return table


def _read_only_headers(kind: Kind) -> set[str]:
    """Normalised headers of the export columns that describe a record rather than feed it."""
    labels = _labels(kind)
    return {normalize_header(h) for name in READ_ONLY for h in (name, *labels.get(name, []))}


def fields(kind: Kind) -> list[tuple[str, str]]:
    """(field, label) pairs a column may feed, in the export's order, custom fields included."""
    found: list[tuple[str, str]] = []
    for column in columns(kind):
        if column.name in FIELDS[kind] or column.name.startswith("cf."):
            found.append((column.name, column.header))
    named = {name for name, _label in found}
    found.extend((name, str(EXTRA_LABELS.get(name, name))) for name in FIELDS[kind] if name not in named)
    return found


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
                value = exports.restore(raw.get(header, "").strip())
                if value:
                    values[name] = value
            yield line, values

    def maps_to(self, name: str) -> bool:
        return name in self.fields.values()


def map_headers(kind: Kind, headers: Iterable[str], overrides: Mapping[str, str] | None = None) -> ColumnMap:
    """Map a file's headers to fields: overrides first, then ``cf.<key>``, names and aliases,
    then custom field labels. A field fed by two columns takes the first; the second is ignored."""
    headers = list(headers)
    spellings = aliases(kind)
    definitions = customfields.definitions(entity_label(MODELS[kind]))
    custom = {d.key.casefold(): d.key for d in definitions}
    custom_labels = {normalize_header(d.label): d.key for d in definitions}
    read_only = _read_only_headers(kind)
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


@dataclass
class ImportReport(_BaseReport):
    companies_created: int = 0

    def extra(self) -> dict[str, int]:
        return {"companies_created": self.companies_created}

    def summary_lines(self, extra_labels: Mapping[str, Any] | None = None) -> list[str]:
        return super().summary_lines({"companies_created": _("Companies created"), **(extra_labels or {})})


# --- importing -------------------------------------------------------------------------------------


class _Result(NamedTuple):
    outcome: Outcome
    companies_created: int = 0
    pk: Any = None


@dataclass
class _Watchers:
    """Who hears about progress: after each batch (rows read so far) and after each row."""

    progress: Progress | None = None
    observe: Observer | None = None

    def row(self, line: int, outcome: Outcome, pk: Any = None) -> None:
        if self.observe is not None:
            self.observe(line, outcome, pk)


def import_rows(
    kind: Kind,
    rows: Iterable[Row],
    *,
    owner: User | None,
    actor: User | None = None,
    partial: bool = False,
    dry_run: bool = False,
    create_companies: bool = True,
    batch_size: int = BATCH_SIZE,
    chunk_size: int = CHUNK_SIZE,
    progress: Progress | None = None,
    observe: Observer | None = None,
    source: str = "",
) -> ImportReport:
    """Create or update one record per mapped row, as ``actor`` (None: the system), and report on
    every row. ``owner`` owns new records whose row names none.

    All-or-nothing by default: every row runs (so every bad row is reported) in one transaction
    that is rolled back if any row failed. ``partial`` commits each batch's good rows instead.
    ``dry_run`` runs everything and rolls it all back, so duplicates within the file and companies
    the file would create are counted exactly as a real run would count them. ``progress`` hears
    how many rows were read after each batch, ``observe`` what became of each row. ``source``
    (the file's name) goes with the consent columns as their proof.
    """
    importer: _Importer = (_ContactImporter if kind == "contacts" else _CompanyImporter)(
        default_owner=owner, create_companies=create_companies, actor=actor
    )
    report = ImportReport(kind=kind, partial=partial, dry_run=dry_run)
    watchers = _Watchers(progress, observe)
    rows = _refuse_nul(rows, report, watchers)
    if isinstance(importer, _ContactImporter):
        fast = _FastContacts(importer)
        batches = itertools.batched(rows, max(batch_size, chunk_size))

        def run(batch: Sequence[Row]) -> None:
            fast.run(batch, report, watchers)

    else:
        batches = itertools.batched(rows, batch_size)

        def run(batch: Sequence[Row]) -> None:
            for line, values in batch:
                _import_one(importer, line, values, report, watchers)

    def run_and_tell(batch: Sequence[Row]) -> None:
        run(batch)
        _pass_on_consents(importer, source)
        if progress is not None:
            progress(report.read)

    with _collector_paused():
        if partial and not dry_run:
            for batch in batches:
                with transaction.atomic():
                    run_and_tell(batch)
            return report
        with transaction.atomic():
            for batch in batches:
                run_and_tell(batch)
            if dry_run or report.failed:
                transaction.set_rollback(True)
    return report


def _pass_on_consents(importer: _Importer, source: str) -> None:
    """The batch's consent answers, in one event in the batch's transaction (a batch rolled back
    passes nothing on)."""
    if not isinstance(importer, _ContactImporter) or not importer.consents:
        return
    from accord.core.events import emit
    from accord.people.events import ConsentsImported, ImportedConsentRow

    name = source or _("Contact import")
    rows = [
        ImportedConsentRow(
            contact_id=pk,
            granted=[key for key, yes in answers.items() if yes],
            withdrawn=[key for key, yes in answers.items() if not yes],
            text=text,
        )
        for pk, answers, text in importer.consents
    ]
    importer.consents = []
    emit(ConsentsImported(source=name[:200], rows=rows), entity="people.contact", actor=importer.actor)


def row_consents(values: Mapping[str, str]) -> tuple[dict[str, bool], dict[str, list[str]]]:
    """The row's consent answers (``"email.newsletter": True``) and the errors of cells that are
    neither yes nor no."""
    answers: dict[str, bool] = {}
    errors: dict[str, list[str]] = {}
    for column, key in CONSENT_COLUMNS.items():
        raw = values.get(column, "").strip().casefold()
        if not raw:
            continue
        if raw in _YES:
            answers[key] = True
        elif raw in _NO:
            answers[key] = False
        else:
            errors[column] = [_("Enter yes or no.")]
    return answers, errors


def _refuse_nul(rows: Iterable[Row], report: ImportReport, watchers: _Watchers) -> Iterator[Row]:
    """Rows whose cells carry a NUL character (no database column stores one) fail as bad rows."""
    for line, values in rows:
        if "\x00" not in "".join(values.values()):  # one search per row: the cells are text
            yield line, values
            continue
        bad = [name for name, value in values.items() if value and "\x00" in value]
        if bad:
            report.read += 1
            report.fail(line, {name: [_("Text cannot contain NUL characters.")] for name in bad})
            watchers.row(line, Outcome.FAILED)
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
        actor = importer.actor
        self.preparer = bulk.Preparer(actor=actor)
        self.writer = bulk.Writer(actor=actor, companies=importer.visible(Company))
        # Someone who may not create records gets the service's refusal, row by row.
        self.enabled = actor is None or access.can_create(actor)
        # What choice_value answers, worked out once: it compares with every (translated) label.
        self.choices = {name: _choice_table(choices) for name, choices in importer.choices.items()}

    def run(self, chunk: Sequence[Row], report: ImportReport, watchers: _Watchers) -> None:
        keyed = [(line, values, *_row_keys(values)) for line, values in chunk]
        external_ids = bulk.taken_external_ids(values.get("external_id", "") for _, values, *_ in keyed)
        emails = bulk.taken_emails(email for *_, lowered in keyed for email in lowered)
        taken = {f"x:{v}" for v in external_ids} | {f"e:{v}" for v in emails}
        if not self.importer.create_companies:
            self.writer.companies.load(values["company"] for _, values, *_ in keyed if values.get("company"))
        claimed: set[str] = set()
        fast: list[tuple[int, bulk.NewContact]] = []
        slow: list[Row] = []
        answers: dict[int, dict[str, bool]] = {}
        for line, values, keys, row_emails, _lowered in keyed:
            new = None
            if self.enabled and "id" not in values and not (keys & claimed) and not (keys & taken):
                consents, bad = row_consents(values)
                if not bad:  # a bad consent cell is reported by the slow path
                    new = self._prepare(values, row_emails)
                    if consents:
                        answers[line] = consents
            claimed |= keys
            if new is None:
                slow.append((line, values))
            else:
                fast.append((line, new))
        written = self.writer.write([new for _line, new in fast])
        report.read += written.contacts
        report.created += written.contacts
        report.companies_created += written.companies
        texts = {line: values.get("consent_text", "") for line, values in chunk if line in answers}
        for line, new in fast:
            watchers.row(line, Outcome.CREATED, new.id)
            if line in answers:
                self.importer.consents.append((new.id, answers[line], texts[line]))
        for line, values in slow:
            _import_one(self.importer, line, values, report, watchers)

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
    """Every spelling ``choice_value`` accepts (value, or label in any language, case-folded) ->
    the stored value. The active language's labels win a clash."""
    table: dict[str, str] = {}
    active = translation.get_language() or settings.LANGUAGE_CODE
    for language in [*(code for code, _name in settings.LANGUAGES if code != active), active]:
        with translation.override(language):
            for value, label in reversed(choices.choices):
                table[str(label).casefold()] = str(value)
    for value in choices.values:
        table[str(value).casefold()] = str(value)
    return table


class Owners:
    """The active users owner cells name, by username, e-mail or full name in any case, looked up
    once per spelling for a whole import."""

    def __init__(self) -> None:
        self._found: dict[str, User | str] = {}
        self._names: dict[str, list[User]] | None = None

    def find(self, raw: str) -> User | str:
        """The user ``raw`` names, or the message saying why none is taken."""
        key = " ".join(raw.casefold().split())
        if key not in self._found:
            self._found[key] = self._look_up(raw.strip(), key)
        return self._found[key]

    def _by_name(self) -> dict[str, list[User]]:
        # Names are compared in Python: SQLite's case-insensitive match ignores all but ASCII.
        if self._names is None:
            self._names = {}
            for user in User.objects.filter(is_active=True).exclude(first_name="", last_name=""):
                first, last = " ".join(user.first_name.split()), " ".join(user.last_name.split())
                for name in {f"{first} {last}".strip().casefold(), f"{last} {first}".strip().casefold()}:
                    self._names.setdefault(name, []).append(user)
        return self._names

    def _look_up(self, raw: str, key: str) -> User | str:
        users = User.objects.filter(is_active=True)
        found: list[User] = list(users.filter(username=raw)[:1]) or list(users.filter(username__iexact=raw)[:2])
        if not found and "@" in raw:
            found = list(users.filter(email__iexact=raw)[:2])
        if not found:
            found = self._by_name().get(key, [])
        if len(found) == 1:
            return found[0]
        if found:
            return _("Several users are called %(name)s: write the username or e-mail instead.") % {"name": raw}
        return _("No user %(name)s: write a username, e-mail or full name.") % {"name": raw}


def _import_one(
    importer: _Importer, line: int, values: dict[str, str], report: ImportReport, watchers: _Watchers
) -> None:
    """One row in its own savepoint, so a bad row leaves no trace (not even a company it created)."""
    report.read += 1
    try:
        with transaction.atomic():
            result = importer.import_row(values)
    except ValidationError as exc:
        report.fail(line, message_dict(exc))
        watchers.row(line, Outcome.FAILED)
        return
    except (AccessDenied, Http404):
        # The row's record turned out to be one the actor may not change (checked before, so
        # only a record changed meanwhile gets here).
        report.fail(line, {"__all__": [_("You may not change the record this row matches.")]})
        watchers.row(line, Outcome.FAILED)
        return
    except IntegrityError as exc:
        report.fail(line, {"__all__": [_("The database refused this row: %(reason)s") % {"reason": exc}]})
        watchers.row(line, Outcome.FAILED)
        return
    report.companies_created += result.companies_created
    report.count(result.outcome)
    watchers.row(line, result.outcome, result.pk)


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
    """A choice by its stored value or its label in any language Accord speaks, in any case (a
    Polish file's "Polecenie" imports on an English screen); unknown values pass through for the
    service to reject with the list of allowed ones."""
    key = (choices, translation.get_language() or settings.LANGUAGE_CODE)
    if key not in _CHOICE_TABLES:
        _CHOICE_TABLES[key] = _choice_table(choices)
    return _CHOICE_TABLES[key].get(raw.strip().casefold(), raw)


# The labels of a set of choices are fixed per language: worked out once per process.
_CHOICE_TABLES: dict[tuple[type[models.TextChoices], str], dict[str, str]] = {}


def _date(raw: str) -> datetime.date:
    return importers.parse_date(raw)


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


def _company_named(name: str, companies: models.QuerySet[Company]) -> Company | None:
    """The oldest of ``companies`` with exactly this name, in any case. Narrowed by the indexed
    sort name and compared in Python, because SQLite's case-insensitive match ignores all but ASCII."""
    wanted = name.strip().casefold()
    candidates = companies.filter(sort_name=services.sort_name(name)).order_by("created_at", "pk")
    return next((c for c in candidates if c.name.strip().casefold() == wanted), None)


class _Importer:
    """What contact and company rows share: owners, lists, custom fields, and the update step."""

    scalars: tuple[str, ...] = ()  # fields copied from the row as they are
    model: type[PartyModel]

    def __init__(self, *, default_owner: User | None, create_companies: bool, actor: User | None = None) -> None:
        self.default_owner = default_owner
        self.create_companies = create_companies
        self.actor = actor
        self._owners = Owners()
        self._dates: set[str] | None = None

    def visible(self, model: type[PartyModel]) -> models.QuerySet[Any]:
        """The records a row may match: those the actor can see (all of them for the system)."""
        everything = model._default_manager.all()
        return everything if self.actor is None else access.scope(self.actor, everything)

    def _may_write(self, record: PartyModel | None) -> None:
        """Refuse the row when the actor may not create records, or not change the one it matches."""
        if self.actor is None:
            return
        if record is None and not access.can_create(self.actor):
            raise ValidationError({"__all__": [_("You may not create records.")]})
        if record is not None and not access.can(self.actor, Action.CHANGE, record):
            raise ValidationError({"__all__": [_("You may not change the record this row matches.")]})

    def import_row(self, values: Mapping[str, str]) -> _Result:
        raise NotImplementedError

    def _user(self, name: str) -> User | None:
        found = self._owners.find(name)
        return found if isinstance(found, User) else None

    def _row_owner(self, values: Mapping[str, str], errors: dict[str, list[str]]) -> User | None:
        name = values.get("owner")
        if not name:
            return None
        found = self._owners.find(name)
        if isinstance(found, str):
            errors["owner"] = [found]
            return None
        return found

    def _owner_for_new(self, owner: User | None, errors: dict[str, list[str]]) -> User | None:
        owner = owner or (None if "owner" in errors else self.default_owner)
        if owner is None and "owner" not in errors:
            errors["owner"] = [_("No owner: fill in the owner column or choose a default owner.")]
        return owner

    def _plain_values(self, values: Mapping[str, str]) -> dict[str, Any]:
        """The row's scalar fields and custom fields, as the service takes them."""
        data: dict[str, Any] = {name: values[name] for name in self.scalars if name in values}
        if custom := {name[3:]: value for name, value in values.items() if name.startswith("cf.")}:
            for key in custom.keys() & self._date_fields():
                # A date in any of the import's formats; one it cannot read goes on for the
                # field's own check to name.
                with contextlib.suppress(ValidationError):
                    custom[key] = importers.parse_date(custom[key]).isoformat()
            data["custom"] = custom
        return data

    @staticmethod
    def _keep_notes(record: PartyModel | None, data: dict[str, Any], values: Mapping[str, str]) -> None:
        """A matched record's notes are added to, never replaced: the file's text goes below what
        people typed, unless it is there already (so a second import changes nothing). A row
        that names the record by our own id is Accord's export edited: its notes are the new ones."""
        imported = data.get("notes")
        if record is None or not imported or _as_uuid(values.get("id")) == record.pk:
            return
        typed = (record.notes or "").strip()
        if typed and imported.strip() not in typed:
            data["notes"] = f"{typed}\n\n{imported.strip()}"
        elif typed:
            del data["notes"]

    def _date_fields(self) -> set[str]:
        if self._dates is None:
            self._dates = {
                d.key
                for d in customfields.definitions(entity_label(self.model))
                if d.field_type == CustomFieldType.DATE
            }
        return self._dates

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
    ) -> tuple[Outcome, Any]:
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
            return Outcome.CREATED, saved.pk
        # The services leave the version alone when a write changes nothing.
        return (Outcome.UPDATED if saved.version != before else Outcome.UNCHANGED), saved.pk

    def _write(self, record: PartyModel | None, data: Mapping[str, Any]) -> PartyModel:
        raise NotImplementedError


class _ContactImporter(_Importer):
    model = Contact
    scalars = ("first_name", "last_name", "classification", "notes", "external_id")
    choices: Mapping[str, type[models.TextChoices]] = {
        "preferred_language": Language,
        "preferred_channel": Channel,
        "source": Source,
    }
    companies_created = 0  # by the current row

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # (contact key, consent answers, consent text) of the rows written since the last batch.
        self.consents: list[tuple[Any, dict[str, bool], str]] = []

    def import_row(self, values: Mapping[str, str]) -> _Result:
        consents, errors = row_consents(values)
        contact = self._match(values)
        self._may_write(contact)
        owner = self._row_owner(values, errors)
        data = self._plain_values(values)
        self._keep_notes(contact, data, values)
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
        outcome, pk = self._save(contact, data, errors, offsets)
        if consents:
            self.consents.append((pk, consents, values.get("consent_text", "")))
        return _Result(outcome, self.companies_created, pk)

    def _match(self, values: Mapping[str, str]) -> Contact | None:
        """The contact this row is about: by external id, then any of its e-mails, then our id."""
        if external_id := values.get("external_id"):
            found = self.visible(Contact).filter(external_id=external_id).first()
            if found is not None:
                return found
        for email in _row_emails(values):
            found = self.visible(Contact).filter(emails__email=email.lower()).order_by("pk").first()
            if found is not None:
                return found
        if pk := _as_uuid(values.get("id")):
            return self.visible(Contact).filter(pk=pk).first()
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
        found = _company_named(name, self.visible(Company))
        if found is not None:
            return found
        if not self.create_companies:
            errors["company"] = [_("No company named %(name)s.") % {"name": name}]
            return None
        if owner is None:
            return None  # the missing owner is already reported
        try:
            company = services.create_company(actor=self.actor, data={"name": name, "owner": owner})
        except ValidationError as exc:
            errors["company"] = [f"{key}: {m}" for key, messages in message_dict(exc).items() for m in messages]
            return None
        self.companies_created += 1
        return company

    def _write(self, record: PartyModel | None, data: Mapping[str, Any]) -> PartyModel:
        if record is None:
            return services.create_contact(actor=self.actor, data=services.contact_data(data))
        assert isinstance(record, Contact)
        return services.update_contact(actor=self.actor, contact=record, data=services.contact_data(data))


class _CompanyImporter(_Importer):
    model = Company
    scalars = ("name", "vat_id", "nip", "regon", "industry", "website", "country", "notes", "external_id")

    def import_row(self, values: Mapping[str, str]) -> _Result:
        errors: dict[str, list[str]] = {}
        company = self._match(values)
        self._may_write(company)
        owner = self._row_owner(values, errors)
        data = self._plain_values(values)
        self._keep_notes(company, data, values)
        if "size" in values:
            data["size"] = choice_value(CompanySize, values["size"])
        if "preferred_language" in values:
            data["preferred_language"] = choice_value(Language, values["preferred_language"])
        if company is None:
            owner = self._owner_for_new(owner, errors)
            if owner is not None:
                data["owner"] = owner
        elif owner is not None and owner.pk != company.owner_id:
            data["owner"] = owner
        offsets = self._lists(company, values, data)
        if (city := values.get("city")) and (addresses := self._addresses(company, city, values)) is not None:
            data["addresses"] = addresses
        outcome, pk = self._save(company, data, errors, offsets)
        return _Result(outcome, 0, pk)

    def _match(self, values: Mapping[str, str]) -> Company | None:
        """By external id, then NIP, then VAT id, then exact name, then our id."""
        if external_id := values.get("external_id"):
            found = self.visible(Company).filter(external_id=external_id).first()
            if found is not None:
                return found
        for name, normalize in (("nip", normalize_nip), ("vat_id", normalize_vat_id)):
            if raw := values.get(name):
                try:
                    number = normalize(raw)
                except ValidationError:
                    continue  # the service reports it
                found = self.visible(Company).filter(**{name: number}).order_by("created_at", "pk").first()
                if found is not None:
                    return found
        if (company_name := values.get("name")) and (found := _company_named(company_name, self.visible(Company))):
            return found
        if pk := _as_uuid(values.get("id")):
            return self.visible(Company).filter(pk=pk).first()
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
            return services.create_company(actor=self.actor, data=services.company_data(data))
        assert isinstance(record, Company)
        return services.update_company(actor=self.actor, company=record, data=services.company_data(data))
