"""Leads from a CSV or XLSX file: ``accord import_leads FILE``.

The file is streamed (accord.people.importing reads it); each row goes through the lead services,
so a row is accepted or refused exactly as the form and the API would. A row whose external id or
e-mail matches a lead not yet converted updates it, so importing the same file twice creates no
duplicates. All or nothing unless ``partial``; ``dry_run`` checks everything and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.core.errors import message_dict
from accord.identity.models import User
from accord.people.importing import RowError, choice_value, normalize_header
from accord.sales.models import Lead, LeadSource, LeadStatus
from accord.sales.services import leads as lead_services

HEADERS = {
    normalize_header(alias): name
    for name, aliases in {
        "first_name": ["first_name", "first name", "firstname", "given name", "imię"],
        "last_name": ["last_name", "last name", "lastname", "surname", "nazwisko"],
        "company_name": ["company", "company_name", "organisation", "organization", "firma"],
        "job_title": ["job_title", "job title", "title", "position", "stanowisko"],
        "email": ["email", "e-mail", "mail"],
        "phone": ["phone", "telephone", "mobile", "telefon"],
        "source": ["source", "źródło"],
        "status": ["status"],
        "message": ["message", "notes", "note", "wiadomość"],
        "external_id": ["external_id", "external id", "id"],
        "owner": ["owner", "właściciel"],
    }.items()
    for alias in aliases
}


@dataclass
class LeadImportReport:
    partial: bool = False
    dry_run: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def fail(self, line: int, errors: Mapping[str, list[str]]) -> None:
        self.failed += 1
        for name, messages in errors.items():
            self.errors.extend(RowError(line, name, str(message)) for message in messages)


def map_headers(headers: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """Which field each column feeds, and the columns no field takes."""
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for header in headers:
        name = HEADERS.get(normalize_header(header))
        if name is None or name in mapping.values():
            ignored.append(header)
        else:
            mapping[header] = name
    return mapping, ignored


def _row_data(values: Mapping[str, str], owners: dict[str, User | None]) -> tuple[dict[str, Any], dict]:
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, raw in values.items():
        raw = (raw or "").strip()
        if "\x00" in raw:
            errors[name] = [_("Text cannot contain NUL characters.")]
        elif name == "owner":
            if raw:
                if raw not in owners:
                    owners[raw] = User.objects.filter(username=raw, is_active=True).first()
                if owners[raw] is None:
                    errors["owner"] = [_("No user named %(name)s.") % {"name": raw}]
                else:
                    data["owner"] = owners[raw]
        elif name in ("source", "status"):
            if raw:
                choices = LeadSource if name == "source" else LeadStatus
                value = choice_value(choices, raw)
                if value not in choices.values:
                    errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}]
                else:
                    data[name] = value
        else:
            data[name] = raw
    return data, errors


def _existing(data: Mapping[str, Any]) -> Lead | None:
    if data.get("external_id"):
        found = Lead.objects.filter(external_id=data["external_id"]).first()
        if found is not None:
            return found
    if data.get("email"):
        return (
            Lead.objects.filter(email=str(data["email"]).lower())
            .exclude(status=LeadStatus.CONVERTED)
            .order_by("created_at")
            .first()
        )
    return None


def import_leads(
    rows: Iterable[tuple[int, dict[str, str]]],
    mapping: Mapping[str, str],
    *,
    owner: User | None,
    partial: bool = False,
    dry_run: bool = False,
) -> LeadImportReport:
    """Create or update one lead per row, as ``owner`` names them (rows may name their own)."""
    report = LeadImportReport(partial=partial, dry_run=dry_run)
    owners: dict[str, User | None] = {}
    with transaction.atomic():
        for line, cells in rows:
            report.read += 1
            values = {mapping[header]: value for header, value in cells.items() if header in mapping}
            data, errors = _row_data(values, owners)
            if "owner" not in data and owner is not None:
                data["owner"] = owner
            try:
                with transaction.atomic():
                    lead = _existing(data)
                    if lead is None:
                        if data.get("owner") is None:
                            raise ValidationError(
                                {"owner": [_("No owner: fill in the owner column or choose a default owner.")]}
                            )
                        data.setdefault("source", LeadSource.IMPORT)
                        lead_services.create_lead(actor=None, data=data)
                    else:
                        data.pop("owner", None)  # an import does not take a lead from its owner
                        lead_services.update_lead(actor=None, lead=lead, data=data)
                    if errors:
                        raise ValidationError(errors)  # what the services found is reported too
            except ValidationError as exc:
                found = message_dict(exc)
                for name, messages in errors.items():
                    found[name] = list(dict.fromkeys([*messages, *found.get(name, [])]))
                report.fail(line, found)
                continue
            if lead is None:
                report.created += 1
            else:
                report.updated += 1
        if dry_run or (report.failed and not partial):
            transaction.set_rollback(True)
    return report
