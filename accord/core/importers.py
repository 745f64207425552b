"""What can be imported from a spreadsheet, registered by the apps that own it.

The import screens and ``accord import`` belong to the core, the rows to the apps above it: people
registers contacts and companies, sales registers leads, at start-up. Each registration says which
fields a column may feed, how to guess them from headers, how to run rows through its services,
and how an imported record reads in a preview. Imports keep pointing one way.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accord.core.tables import Row

if TYPE_CHECKING:
    from accord.identity.models import User

# Called as rows are done: how many rows were read so far.
Progress = Callable[[int], None]


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


# Called once per row with its line, what became of it and the record's key (None if it failed).
Observer = Callable[[int, Outcome, Any], None]


# The dates an import reads, as people write them; the mapping screen lists them.
DATE_FORMATS = (("%d.%m.%Y", "DD.MM.YYYY"), ("%Y-%m-%d", "YYYY-MM-DD"), ("%d/%m/%Y", "DD/MM/YYYY"))


def date_formats() -> str:
    """The accepted date formats as people read them: "DD.MM.YYYY, YYYY-MM-DD, DD/MM/YYYY"."""
    return ", ".join(shown for _format, shown in DATE_FORMATS)


def parse_date(raw: str) -> datetime.date:
    """A date cell in one of ``DATE_FORMATS`` (a workbook's dates arrive as YYYY-MM-DD)."""
    text = raw.strip()
    for pattern, _shown in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date, no time zone
        except ValueError:
            continue
    raise ValidationError(_("Enter a date as %(formats)s.") % {"formats": date_formats()})


class MappingError(ValueError):
    """A mapping names a column or a field that does not exist."""


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """``["Header=field", ...]`` -> {header: field}; an empty field means "ignore this column"."""
    overrides: dict[str, str] = {}
    for item in items:
        header, sep, target = item.partition("=")
        if not sep or not header.strip():
            raise MappingError(_("Write a mapping as Header=field, not %(item)s.") % {"item": item})
        overrides[header.strip()] = target.strip()
    return overrides


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

    kind: str
    partial: bool = False
    dry_run: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def written(self) -> bool:
        return not self.dry_run and (self.partial or not self.failed)

    def fail(self, line: int, errors: Mapping[str, Sequence[Any]]) -> None:
        self.failed += 1
        for name, messages in errors.items():
            self.errors.extend(RowError(line, name, str(message)) for message in messages)

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def extra(self) -> dict[str, int]:
        """Counts an importer keeps beside the four (e.g. companies created along with contacts)."""
        return {}

    def summary_lines(self, extra_labels: Mapping[str, Any] | None = None) -> list[str]:
        """The counts, worded for what happened: a dry run, or an import a failed row stopped,
        created and changed nothing, it only would have."""
        if self.written:
            done = [
                _("Created: %(count)d") % {"count": self.created},
                _("Updated: %(count)d") % {"count": self.updated},
            ]
        else:
            done = [
                _("Would be created: %(count)d") % {"count": self.created},
                _("Would be changed: %(count)d") % {"count": self.updated},
            ]
        lines = [
            _("Rows read: %(count)d") % {"count": self.read},
            *done,
            _("Unchanged: %(count)d") % {"count": self.unchanged},
            _("Failed: %(count)d") % {"count": self.failed},
        ]
        for name, count in self.extra().items():
            if count:
                label = (extra_labels or {}).get(name, name)
                lines.append(f"{label}: {count}")
        return lines


class Run(Protocol):
    def __call__(
        self,
        rows: Iterable[Row],
        mapping: Mapping[str, str],
        *,
        actor: User | None,
        owner: Any,
        partial: bool = False,
        dry_run: bool = False,
        progress: Progress | None = None,
        observe: Observer | None = None,
        **options: Any,
    ) -> ImportReport: ...


@dataclass(frozen=True)
class Importer:
    """One kind of record that can be imported.

    ``fields`` lists (field, label) pairs a column may feed, custom fields included, in the order
    a person picks from. ``propose`` maps a file's headers to fields ("" for a column that feeds
    nothing; the export's descriptive columns, such as a creation date, are left out), after
    applying ``overrides`` (header -> field or ""), which it checks and refuses with
    ``MappingError``. ``run`` imports rows keyed by header through the app's services, as
    ``actor`` (None is the system) with ``owner`` for rows that name none. ``preview`` reads the
    records of the given keys as they are stored, as {key: {field: text}}.
    """

    name: str  # "contacts": in URLs and on the command line
    label: Any  # "Contacts", lazily translated
    title: Any  # "Import contacts": the screens' heading
    list_url: str  # the list the records appear in
    fields: Callable[[], list[tuple[str, str]]]
    propose: Callable[[Sequence[str], Mapping[str, str] | None], dict[str, str]]
    run: Run
    preview: Callable[[Sequence[Any]], dict[Any, dict[str, str]]]
    # Counts beside created/updated/unchanged/failed, by name: their labels.
    extra_labels: Mapping[str, Any] = field(default_factory=dict)
    # Options ``run`` takes beyond the common ones (e.g. "create_companies").
    options: frozenset[str] = frozenset()
    # The fields an error's key ("emails.0.email") may come from, by the key's first part, when
    # they are not named alike; the screens then name the file's column.
    error_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    order: int = 100

    def column_of(self, mapping: Mapping[str, str], key: str) -> str:
        """The file's column an error's key is about ("" for the whole row, the key if unknown)."""
        if key in ("", "__all__"):
            return ""
        root, _dot, rest = key.partition(".")
        candidates = (f"cf.{rest.split('.')[0]}",) if root == "custom" else self.error_fields.get(root, (root,))
        by_field = {name: header for header, name in mapping.items() if name}
        return next((by_field[name] for name in candidates if name in by_field), key)


_importers: dict[str, Importer] = {}


def register(importer: Importer) -> None:
    _importers[importer.name] = importer


def get(name: str) -> Importer | None:
    return _importers.get(name)


def all_importers() -> list[Importer]:
    return sorted(_importers.values(), key=lambda i: (i.order, i.name))


def check_mapping(importer: Importer, headers: Sequence[str], mapping: Mapping[str, str]) -> dict[str, list[str]]:
    """Problems with a mapping chosen on screen, keyed by header: unknown fields, and a field fed
    by two columns (which one should win is the person's call, not a guess)."""
    allowed = {name for name, _label in importer.fields()}
    errors: dict[str, list[str]] = {}
    taken: dict[str, str] = {}
    for header in headers:
        target = mapping.get(header, "")
        if not target:
            continue
        if target not in allowed:
            errors[header] = [_("%(field)s is not a field you can import into.") % {"field": target}]
        elif target in taken:
            errors[header] = [_("%(other)s already goes into this field.") % {"other": taken[target]}]
        else:
            taken[target] = header
    return errors
