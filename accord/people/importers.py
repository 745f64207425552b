"""Contacts and companies on the import screens and ``accord import`` (see core.importers)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from accord.core import exports, importers
from accord.core.importers import ImportReport, Observer, Progress
from accord.core.tables import Row
from accord.people import importing, selectors
from accord.people.importing import Kind

if TYPE_CHECKING:
    from accord.identity.models import User

# What the services' error keys are about: "emails.0.email" comes from the e-mail columns.
ERROR_FIELDS = {
    "emails": ("email", "emails"),
    "phones": ("phone", "phones"),
    "companies": ("company", "job_title", "department"),
    "addresses": ("city", "country"),
}
# Rows written together when someone watches the progress bar: it moves every thousand rows.
WATCHED_CHUNK = 1000


def _propose(kind: Kind) -> Callable[[Sequence[str], Mapping[str, str] | None], dict[str, str]]:
    def propose(headers: Sequence[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        mapping = importing.map_headers(kind, headers, overrides)
        ignored = set(mapping.ignored)
        # Export-only columns (created_at) are neither: they are left out.
        return {h: mapping.fields.get(h, "") for h in headers if h in mapping.fields or h in ignored}

    return propose


def _run(kind: Kind) -> importers.Run:
    def run(
        rows: Iterable[Row],
        mapping: Mapping[str, str],
        *,
        actor: User | None,
        owner: Any,
        partial: bool = False,
        dry_run: bool = False,
        progress: Progress | None = None,
        observe: Observer | None = None,
        create_companies: bool = True,
        **options: Any,
    ) -> ImportReport:
        columns = importing.ColumnMap(fields={header: name for header, name in mapping.items() if name})
        return importing.import_rows(
            kind,
            columns.apply(rows),
            owner=owner,
            actor=actor,
            partial=partial,
            dry_run=dry_run,
            create_companies=create_companies,
            chunk_size=WATCHED_CHUNK if progress is not None else importing.CHUNK_SIZE,
            progress=progress,
            observe=observe,
            source=str(options.get("source", "")),
        )

    return run


def _preview(kind: Kind) -> Callable[[Sequence[Any]], dict[Any, dict[str, str]]]:
    read = selectors.contacts_as_exported if kind == "contacts" else selectors.companies_as_exported

    def preview(pks: Sequence[Any]) -> dict[Any, dict[str, str]]:
        columns = importing.columns(kind)
        # As the screens' export writes them: choice labels, phones as people read them.
        return {
            record.pk: {c.name: exports.cell_text(c.read(record, human=True)) for c in columns} for record in read(pks)
        }

    return preview


importers.register(
    importers.Importer(
        name="contacts",
        label=_("Contacts"),
        title=_("Import contacts"),
        list_url="people:contact-list",
        fields=lambda: importing.fields("contacts"),
        propose=_propose("contacts"),
        run=_run("contacts"),
        preview=_preview("contacts"),
        extra_labels={"companies_created": _("Companies created")},
        options=frozenset({"create_companies"}),
        error_fields=ERROR_FIELDS,
        order=10,
    )
)
importers.register(
    importers.Importer(
        name="companies",
        label=_("Companies"),
        title=_("Import companies"),
        list_url="people:company-list",
        fields=lambda: importing.fields("companies"),
        propose=_propose("companies"),
        run=_run("companies"),
        preview=_preview("companies"),
        error_fields=ERROR_FIELDS,
        order=20,
    )
)
