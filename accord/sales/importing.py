"""Leads from a CSV or XLSX file: on the import screens and ``accord import leads FILE``.

The file is streamed (core.tables reads it); each row goes through the lead services, so a row is
accepted or refused exactly as the form and the API would. A row whose external id, e-mail or
Accord id matches a lead not yet converted updates it, so importing the same file twice creates no
duplicates. All or nothing unless ``partial``; ``dry_run`` checks everything and writes nothing.

Run as a user, an import matches only the leads they can see, changes only those they may change
and gives new leads only to owners they may assign to.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core import access, exports, importers
from accord.core.access import AccessDenied, Action
from accord.core.errors import message_dict
from accord.core.importers import ImportReport, MappingError, Observer, Outcome, Progress, RowError
from accord.core.tables import Row, normalize_header
from accord.identity.models import User
from accord.people.importing import Owners, choice_value
from accord.sales.models import Lead, LeadSource, LeadStatus
from accord.sales.selectors import leads as selectors
from accord.sales.services import leads as lead_services

__all__ = ["RowError", "import_leads", "map_headers"]

BATCH_SIZE = 200
FIELDS: dict[str, tuple[str, ...]] = {
    "first_name": ("first_name", "first name", "firstname", "given name", "imię"),
    "last_name": ("last_name", "last name", "lastname", "surname", "nazwisko"),
    "company_name": ("company", "company_name", "organisation", "organization", "firma"),
    "job_title": ("job_title", "job title", "title", "position", "stanowisko"),
    "email": ("email", "e-mail", "mail"),
    "phone": ("phone", "telephone", "mobile", "telefon"),
    "source": ("source", "lead source", "źródło", "zrodlo", "źródło leada"),
    "status": ("status",),
    "message": ("message", "notes", "note", "wiadomość", "uwagi", "notatki"),
    "external_id": ("external_id", "external id"),
    "owner": (
        "owner",
        "owner username",
        "account owner",
        "assigned to",
        "opiekun",
        "opiekun klienta",
        "właściciel",
        "przypisany do",
    ),
    "id": ("id",),
}
# Export columns that describe a lead rather than feed it: ignored without a notice.
READ_ONLY = frozenset({"score", "created_at"})


def _labels() -> dict[str, list[str]]:
    """Each export column's human header in every language Accord speaks, by column name."""
    found: dict[str, list[str]] = {}
    columns = selectors.lead_columns()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for column in columns:
                found.setdefault(column.name, []).append(column.header)
    return found


def aliases() -> tuple[dict[str, str], set[str]]:
    """Every accepted header spelling (normalised) -> the field it feeds; and the read-only headers."""
    labels = _labels()
    table = {normalize_header(label): name for name, found in labels.items() if name in FIELDS for label in found}
    for name, spellings in FIELDS.items():
        for spelling in (name, *spellings):
            table[normalize_header(spelling)] = name
    read_only = {normalize_header(h) for name in READ_ONLY for h in (name, *labels.get(name, []))}
    return table, read_only


def fields() -> list[tuple[str, str]]:
    """(field, label) pairs a column may feed, in the export's order."""
    found = [(c.name, c.header) for c in selectors.lead_columns() if c.name in FIELDS]
    named = {name for name, _label in found}
    return [*found, *((name, name) for name in FIELDS if name not in named)]


def propose(headers: Sequence[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Which field each column feeds ("" for none): ``overrides`` (header -> field, "" to ignore)
    first, then names, aliases and the export's headers; a field fed twice takes the first column."""
    table, read_only = aliases()
    present = {normalize_header(h) for h in headers}
    chosen: dict[str, str] = {}
    for header, target in (overrides or {}).items():
        if normalize_header(header) not in present:
            raise MappingError(_("The file has no column %(header)s.") % {"header": header})
        if target and normalize_header(target) not in table:
            raise MappingError(
                _("%(field)s is not a field of %(kind)s. Fields: %(allowed)s.")
                % {"field": target, "kind": "leads", "allowed": ", ".join(FIELDS)}
            )
        chosen[normalize_header(header)] = table[normalize_header(target)] if target else ""
    mapping: dict[str, str] = {}
    for header in headers:
        key = normalize_header(header)
        if key in read_only and key not in chosen:
            continue  # an export-only column (score): neither mapped nor worth a notice
        target = chosen[key] if key in chosen else table.get(key, "")
        mapping[header] = target if target and target not in mapping.values() else ""
    return mapping


def map_headers(headers: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Which field each column feeds, and the columns no field takes (export-only ones aside)."""
    proposed = propose(list(headers))
    return {h: name for h, name in proposed.items() if name}, [h for h, name in proposed.items() if not name]


def _row_data(values: Mapping[str, str], owners: Owners) -> tuple[dict[str, Any], dict]:
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in values.items():
        raw = exports.restore((raw or "").strip())
        if "\x00" in raw:
            errors[name] = [_("Text cannot contain NUL characters.")]
        elif name == "owner":
            if raw:
                found = owners.find(raw)
                if isinstance(found, str):
                    errors["owner"] = [found]
                else:
                    data["owner"] = found
        elif name in ("source", "status"):
            if raw:
                choices = LeadSource if name == "source" else LeadStatus
                value = choice_value(choices, raw)
                if value not in choices.values:
                    errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}]
                else:
                    data[name] = value
        elif name == "id":
            data["id"] = raw
        else:
            data[name] = raw
    return data, errors


def _existing(leads: models.QuerySet[Lead], data: Mapping[str, Any]) -> Lead | None:
    """The lead this row is about: by external id, then e-mail (a lead not yet converted), then our id."""
    if data.get("external_id"):
        found = leads.filter(external_id=data["external_id"]).first()
        if found is not None:
            return found
    if data.get("email"):
        found = (
            leads.filter(email=str(data["email"]).lower())
            .exclude(status=LeadStatus.CONVERTED)
            .order_by("created_at")
            .first()
        )
        if found is not None:
            return found
    try:
        pk = uuid.UUID(data["id"]) if data.get("id") else None
    except ValueError:
        pk = None
    return leads.filter(pk=pk).first() if pk else None


def _import_row(
    values: Mapping[str, str], *, actor: User | None, owner: User | None, owners: Owners
) -> tuple[Outcome, Any]:
    data, errors = _row_data(values, owners)
    leads = Lead.objects.all() if actor is None else access.scope(actor, Lead.objects.all())
    lead = _existing(leads, data)
    data.pop("id", None)
    if "owner" not in data and owner is not None:
        data["owner"] = owner
    try:
        with transaction.atomic():
            if lead is None:
                if actor is not None and not access.can_create(actor):
                    raise ValidationError({"__all__": [_("You may not create records.")]})
                if data.get("owner") is None:
                    raise ValidationError(
                        {"owner": [_("No owner: fill in the owner column or choose a default owner.")]}
                    )
                data.setdefault("source", LeadSource.IMPORT)
                saved = lead_services.create_lead(actor=actor, data=data)
                outcome = Outcome.CREATED
            else:
                if actor is not None and not access.can(actor, Action.CHANGE, lead):
                    raise ValidationError({"__all__": [_("You may not change the record this row matches.")]})
                data.pop("owner", None)  # an import does not take a lead from its owner
                # The lead's message is added to, never replaced (and not twice), unless the row
                # names the lead by our id: Accord's own export, edited.
                typed, imported = (lead.message or "").strip(), str(data.get("message") or "").strip()
                if typed and imported and str(values.get("id", "")).strip() != str(lead.pk):
                    if imported in typed:
                        del data["message"]
                    else:
                        data["message"] = f"{typed}\n\n{imported}"
                saved = lead_services.update_lead(actor=actor, lead=lead, data=data)
                # The service leaves the version alone when a write changes nothing.
                outcome = Outcome.UPDATED if saved.version != lead.version else Outcome.UNCHANGED
            if errors:
                raise ValidationError(errors)  # what the services found is reported too
    except ValidationError as exc:
        found = message_dict(exc)
        # One error per cell: what the row's own reading found about a cell says it best (the
        # service only repeats it in its words).
        found.update(errors)
        raise ValidationError(found) from exc
    return outcome, saved.pk


def import_leads(
    rows: Iterable[Row],
    mapping: Mapping[str, str],
    *,
    owner: User | None,
    actor: User | None = None,
    partial: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    observe: Observer | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Create or update one lead per row, as ``actor`` (None: the system); ``owner`` owns new
    leads whose row names none. ``progress`` hears how many rows were read after each batch,
    ``observe`` what became of each row."""
    report = ImportReport(kind="leads", partial=partial, dry_run=dry_run)
    owners = Owners()

    def run(batch: Sequence[Row]) -> None:
        for line, cells in batch:
            report.read += 1
            values = {mapping[header]: value for header, value in cells.items() if mapping.get(header)}
            try:
                outcome, pk = _import_row(values, actor=actor, owner=owner, owners=owners)
            except ValidationError as exc:
                report.fail(line, message_dict(exc))
                outcome, pk = Outcome.FAILED, None
            except (AccessDenied, Http404):
                report.fail(line, {"__all__": [_("You may not change the record this row matches.")]})
                outcome, pk = Outcome.FAILED, None
            else:
                report.count(outcome)
            if observe is not None:
                observe(line, outcome, pk)
        if progress is not None:
            progress(report.read)

    batches = itertools.batched(rows, batch_size)
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


def _run(
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
) -> ImportReport:
    return import_leads(
        rows, mapping, owner=owner, actor=actor, partial=partial, dry_run=dry_run, progress=progress, observe=observe
    )


def _preview(pks: Sequence[Any]) -> dict[Any, dict[str, str]]:
    columns = selectors.lead_columns()
    leads = Lead.objects.filter(pk__in=pks).select_related("owner")
    return {lead.pk: {c.name: exports.cell_text(c.read(lead, human=True)) for c in columns} for lead in leads}


importers.register(
    importers.Importer(
        name="leads",
        label=gettext_lazy("Leads"),
        title=gettext_lazy("Import leads"),
        list_url="sales:lead-list",
        fields=fields,
        propose=propose,
        run=_run,
        preview=_preview,
        order=30,
    )
)
