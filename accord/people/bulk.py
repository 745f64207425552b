"""Contacts written many at a time: the fast path of ``accord import`` and of the bulk upsert API.

The services write one contact in a dozen statements, which is right for a form and far too slow
for a million rows. Here a batch of new contacts is checked in Python and written in one
statement per table (``core.bulk``: COPY on PostgreSQL, executemany on SQLite): the contacts with
their sort names, primary e-mail and phone and search text, then their e-mails, phones, company
links and tags, one audit entry per contact (written in bulk too) and one event per batch.

Only rows this module is sure the services would accept take the fast path. ``prepare`` answers
None for anything unusual (a value it cannot vouch for, a field it does not handle); the caller
then hands that row to the service, which writes it or reports exactly what is wrong, so both
paths accept and reject the same rows with the same messages.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, bulk, changes, customfields
from accord.core.access import AccessDenied, Action
from accord.core.errors import Conflict, message_dict
from accord.core.events import emit
from accord.core.ids import uuid7
from accord.core.models import AuditAction, AuditEntry, Tag, entity_label
from accord.identity.models import User
from accord.people import services
from accord.people.events import CompaniesImported, ContactsImported, ContactsUpserted
from accord.people.models import (
    Channel,
    Company,
    Contact,
    ContactCompany,
    ContactTag,
    EmailAddress,
    EmailLabel,
    Language,
    PhoneLabel,
    PhoneNumber,
    Source,
)
from accord.people.services import company_document, contact_document, sort_name
from accord.people.validators import PhoneNormalizer

CONTACT = entity_label(Contact)
COMPANY = entity_label(Company)
# Fields ``prepare`` understands; data naming any other one goes to the service.
HANDLED = frozenset(
    {
        "first_name",
        "last_name",
        "birthday",
        "preferred_language",
        "preferred_channel",
        "source",
        "preferences",
        "classification",
        "notes",
        "external_id",
        "owner",
        "emails",
        "phones",
        "tags",
        "custom",
    }
)
_LIMITS = {"first_name": 100, "last_name": 100, "classification": 40, "external_id": 100}
_CHOICES: dict[str, frozenset[str]] = {
    "preferred_language": frozenset(Language.values),
    "preferred_channel": frozenset(Channel.values),
}
_SOURCES = frozenset(Source.values)
_EMAIL_LABELS = frozenset(EmailLabel.values)
_PHONE_LABELS = frozenset(PhoneLabel.values)


@dataclass(slots=True)
class NewContact:
    """A contact checked and normalised, ready to be written."""

    first_name: str
    last_name: str
    owner: Any
    source: str
    external_id: str | None = None
    birthday: datetime.date | None = None
    preferred_language: str = ""
    preferred_channel: str = ""
    classification: str = ""
    notes: str = ""
    preferences: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    emails: list[tuple[str, str]] = field(default_factory=list)  # (address, label)
    phones: list[tuple[str, str]] = field(default_factory=list)  # (E.164, label)
    tags: list[str] = field(default_factory=list)
    company: str = ""  # a company's name, found or created when written
    job_title: str = ""
    department: str = ""
    id: uuid.UUID = field(default_factory=uuid7)


def clean_tags(names: Iterable[Any]) -> list[str]:
    """Tag names as the services keep them: trimmed, at most 60 characters, once each in any case."""
    result: list[str] = []
    seen: set[str] = set()
    for name in names:
        name = str(name).strip()[:60]
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            result.append(name)
    return result


class Preparer:
    """Checks service-shaped ``data`` for a new contact (see ``services.create_contact``)."""

    def __init__(self, *, actor: User | None = None) -> None:
        self.actor = actor
        self.phone = PhoneNormalizer(settings.DEFAULT_COUNTRY)
        definitions = customfields.definitions(CONTACT)
        self.custom_required = any(d.required for d in definitions)

    def emails(self, items: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]] | None:
        cleaned: list[tuple[str, str]] = []
        seen: set[str] = set()
        for item in items:
            email = str(item.get("email") or "").strip().lower()
            if not email:
                continue
            label = item.get("label") or EmailLabel.WORK
            if label not in _EMAIL_LABELS:
                return None
            try:
                validate_email(email)
            except ValidationError:
                return None
            if email not in seen:
                seen.add(email)
                cleaned.append((email, label))
        return cleaned

    def phones(self, items: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]] | None:
        cleaned: list[tuple[str, str]] = []
        seen: set[str] = set()
        for item in items:
            raw = str(item.get("number") or "").strip()
            if not raw:
                continue
            label = item.get("label") or PhoneLabel.MOBILE
            if label not in _PHONE_LABELS:
                return None
            try:
                number = self.phone(raw)
            except ValidationError:
                return None
            if number not in seen:
                seen.add(number)
                cleaned.append((number, label))
        return cleaned

    def custom(self, values: Mapping[str, Any] | None, existing: Mapping[str, Any] | None = None) -> dict | None:
        if not values and not self.custom_required and existing is None:
            return {}
        try:
            return customfields.clean(CONTACT, values or {}, existing=existing, partial=existing is not None)
        except ValidationError:
            return None

    def prepare(
        self, data: Mapping[str, Any], *, company: str = "", job_title: str = "", department: str = ""
    ) -> NewContact | None:
        """The contact ``data`` describes, or None when only the service may judge it."""
        if not HANDLED.issuperset(data):
            return None
        text: dict[str, str] = {}
        for name in ("first_name", "last_name", "preferred_language", "preferred_channel", "classification", "notes"):
            value = data.get(name)
            if value is None:
                value = ""
            if not isinstance(value, str):
                return None
            text[name] = value.strip()
        if not (text["first_name"] or text["last_name"]):
            return None
        for name, limit in _LIMITS.items():
            if name in text and len(text[name]) > limit:
                return None
        for name, allowed in _CHOICES.items():
            if text[name] and text[name] not in allowed:
                return None
        source = data.get("source") or Source.MANUAL
        external_id = data.get("external_id")
        if external_id is not None:
            if not isinstance(external_id, str):
                return None
            external_id = external_id.strip() or None
            if external_id is not None and len(external_id) > 100:
                return None
        birthday = data.get("birthday")
        if source not in _SOURCES or not (birthday is None or type(birthday) is datetime.date):
            return None
        owner = data.get("owner") or self.actor
        if owner is None or not owner.is_active:
            return None
        if self.actor is not None and owner.pk != self.actor.pk:
            return None  # giving records to someone else: the service checks the actor may
        emails = self.emails(data.get("emails") or [])
        phones = self.phones(data.get("phones") or [])
        custom = self.custom(data.get("custom"))
        if emails is None or phones is None or custom is None:
            return None
        company, job_title, department = company.strip(), job_title.strip(), department.strip()
        if len(company) > 200 or len(job_title) > 120 or len(department) > 120 or (not company and job_title):
            return None
        if department and not company:
            return None
        return NewContact(
            first_name=text["first_name"],
            last_name=text["last_name"],
            owner=owner,
            source=source,
            external_id=external_id,
            birthday=birthday,
            preferred_language=text["preferred_language"],
            preferred_channel=text["preferred_channel"],
            classification=text["classification"],
            notes=text["notes"],
            preferences=clean_tags(data.get("preferences") or []),
            custom=custom,
            emails=emails,
            phones=phones,
            tags=clean_tags(data.get("tags") or []),
            company=company,
            job_title=job_title,
            department=department,
        )


# --- looking up many at once ----------------------------------------------------------------------------


def taken_external_ids(values: Iterable[str]) -> set[str]:
    """Which of these external ids contacts already have (one query)."""
    wanted = {v for v in values if v}
    if not wanted:
        return set()
    found = Contact.objects.filter(external_id__in=wanted).values_list("external_id", flat=True)
    return {value for value in found if value}


def taken_emails(values: Iterable[str]) -> set[str]:
    """Which of these (lower-case) e-mail addresses belong to a contact already (one query)."""
    wanted = {v for v in values if v}
    if not wanted:
        return set()
    return set(
        EmailAddress.objects.filter(email__in=wanted, contact__isnull=False).values_list("email", flat=True).distinct()
    )


class Companies:
    """Companies by name (any case, the oldest of equal names), looked up a batch at a time among
    ``queryset`` (every company by default; those a user can see when importing as them) and
    remembered by key and stored name; the ones still missing are created by ``Writer``."""

    LIMIT = 50_000

    def __init__(self, queryset: QuerySet[Company] | None = None) -> None:
        self.known: dict[str, tuple[uuid.UUID, str]] = {}
        self.queryset = queryset if queryset is not None else Company.objects.all()

    def load(self, names: Iterable[str]) -> None:
        wanted = {name.strip().casefold(): name.strip() for name in names if name and name.strip()}
        missing = {key: name for key, name in wanted.items() if key not in self.known}
        if not missing:
            return
        if len(self.known) > self.LIMIT:
            self.known.clear()
        by_sort = {sort_name(name) for name in missing.values()}
        rows = (
            self.queryset.filter(sort_name__in=by_sort)
            .order_by("created_at", "pk")
            .values_list("pk", "name")
            .iterator(chunk_size=2000)
        )
        for pk, name in rows:
            key = name.strip().casefold()
            if key in missing and key not in self.known:
                self.known[key] = (pk, name)

    def get(self, name: str) -> tuple[uuid.UUID, str] | None:
        return self.known.get(name.strip().casefold())


# --- writing ----------------------------------------------------------------------------------------------

CONTACT_COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "sort_name",
    "birthday",
    "preferred_language",
    "preferred_channel",
    "source",
    "preferences",
    "classification",
    "notes",
    "external_id",
    "owner",
    "team",
    "custom",
    "primary_email",
    "primary_phone",
    "search_text",
    "created_at",
    "updated_at",
    "version",
]
COMPANY_COLUMNS = ["id", "name", "sort_name", "owner", "team", "search_text", "created_at", "updated_at", "version"]
AUDIT_COLUMNS = ["id", "at", "actor", "action", "entity", "object_id", "object_repr", "changes"]


@dataclass
class Written:
    contacts: int = 0
    companies: int = 0


class Writer:
    """Writes batches of ``NewContact`` in one statement per table, in the caller's transaction."""

    def __init__(
        self,
        *,
        actor: User | None = None,
        announce: bool = True,
        companies: QuerySet[Company] | None = None,
    ) -> None:
        """``announce``: emit ``people.contact.imported`` for each batch written (the upsert
        announces its whole batch itself)."""
        self.actor = actor
        self.actor_id = actor.pk if actor is not None and actor.pk else None
        self.announce = announce
        self.companies = Companies(companies)
        self._tags: dict[str, uuid.UUID] = {}
        self._owners: dict[Any, tuple[str, str | None]] = {}

    def write(self, contacts: Sequence[NewContact]) -> Written:
        if not contacts:
            return Written()
        now = timezone.now()
        made = self._missing_companies(contacts, now)
        tag_ids = self._tag_ids({name for c in contacts for name in c.tags})
        rows: list[tuple[Any, ...]] = []
        emails: list[tuple[Any, ...]] = []
        phones: list[tuple[Any, ...]] = []
        links: list[tuple[Any, ...]] = []
        tagged: list[tuple[Any, ...]] = []
        audit: list[tuple[Any, ...]] = []
        for c in contacts:
            found = self.companies.get(c.company) if c.company else None
            company_names = [found[1]] if found else []
            full_name = f"{c.first_name} {c.last_name}".strip()
            addresses = [e for e, _label in c.emails]
            numbers = [p for p, _label in c.phones]
            team_id = c.owner.primary_team_id
            rows.append(
                (
                    c.id,
                    c.first_name,
                    c.last_name,
                    sort_name(c.last_name, c.first_name),
                    c.birthday,
                    c.preferred_language,
                    c.preferred_channel,
                    c.source,
                    c.preferences,
                    c.classification,
                    c.notes,
                    c.external_id,
                    c.owner.pk,
                    team_id,
                    c.custom,
                    addresses[0] if addresses else "",
                    numbers[0] if numbers else "",
                    contact_document(full_name, addresses, numbers, company_names, c.external_id),
                    now,
                    now,
                    1,
                )
            )
            emails.extend((uuid7(), c.id, email, label, i) for i, (email, label) in enumerate(c.emails))
            phones.extend((uuid7(), c.id, number, label, i) for i, (number, label) in enumerate(c.phones))
            if found:
                links.append((uuid7(), c.id, found[0], c.job_title, c.department, True))
            tagged.extend((c.id, tag_ids[name.casefold()]) for name in c.tags)
            audit.append(self._audit(c, team_id, company_names, now))
        bulk.insert_values(Contact, CONTACT_COLUMNS, rows)
        bulk.insert_values(EmailAddress, ["id", "contact", "email", "label", "position"], emails)
        bulk.insert_values(PhoneNumber, ["id", "contact", "number", "label", "position"], phones)
        bulk.insert_values(ContactCompany, ["id", "contact", "company", "job_title", "department", "is_primary"], links)
        bulk.insert_values(ContactTag, ["contact", "tag"], tagged)
        bulk.insert_values(AuditEntry, AUDIT_COLUMNS, audit)
        if self.announce:
            emit(ContactsImported(count=len(rows), ids=[c.id for c in contacts]), actor=self.actor)
        return Written(contacts=len(rows), companies=made)

    def _audit(self, c: NewContact, team_id: Any, companies: list[str], now: datetime.datetime) -> tuple:
        """The entry ``changes.record_create`` would write for this contact."""
        owner = self._owners.get(c.owner.pk)
        if owner is None:
            owner = self._owners[c.owner.pk] = (str(c.owner.pk), str(team_id) if team_id else None)
        state: dict[str, Any] = {
            "owner": owner[0],
            "team": owner[1],
            "territory": None,
            **{f"custom.{key}": changes.jsonable(value) for key, value in c.custom.items()},
            "notes": c.notes,
            "external_id": c.external_id,
            "first_name": c.first_name,
            "last_name": c.last_name,
            "birthday": c.birthday.isoformat() if c.birthday else None,
            "preferred_language": c.preferred_language,
            "preferred_channel": c.preferred_channel,
            "source": c.source,
            "preferences": c.preferences,
            "classification": c.classification,
            "emails": [e for e, _label in c.emails],
            "phones": [p for p, _label in c.phones],
            "addresses": [],
            "tags": sorted(c.tags),
            "companies": [f"{companies[0]} ({c.job_title})" if c.job_title else companies[0]] if companies else [],
        }
        changed = {key: [None, value] for key, value in state.items()}
        full_name = f"{c.first_name} {c.last_name}".strip()
        entry = changes.new_entry_id()
        return (entry, now, self.actor_id, AuditAction.CREATE, CONTACT, c.id, full_name[:200], changed)

    def _missing_companies(self, contacts: Sequence[NewContact], now: datetime.datetime) -> int:
        """Create the companies the batch names that do not exist yet, owned by the first contact's
        owner that names them (as the one-by-one import does)."""
        self.companies.load(c.company for c in contacts if c.company)
        new: dict[str, tuple] = {}
        audit = []
        for c in contacts:
            if not c.company or self.companies.get(c.company) or c.company.casefold() in new:
                continue
            pk, name, team_id = uuid7(), c.company, c.owner.primary_team_id
            probe = Company(name=name)
            new[name.casefold()] = (
                pk,
                name,
                sort_name(name),
                c.owner.pk,
                team_id,
                company_document(probe, [], []),
                now,
                now,
                1,
            )
            state: dict[str, Any] = {
                "owner": str(c.owner.pk),
                "team": str(team_id) if team_id else None,
                "territory": None,
                "notes": "",
                "external_id": None,
                "name": name,
                "vat_id": "",
                "nip": "",
                "regon": "",
                "industry": "",
                "size": "",
                "website": "",
                "country": "",
                "emails": [],
                "phones": [],
                "addresses": [],
                "tags": [],
            }
            changed = {key: [None, value] for key, value in state.items()}
            entry = changes.new_entry_id()
            audit.append((entry, now, self.actor_id, AuditAction.CREATE, COMPANY, pk, name[:200], changed))
        if not new:
            return 0
        bulk.insert_values(Company, COMPANY_COLUMNS, new.values())
        bulk.insert_values(AuditEntry, AUDIT_COLUMNS, audit)
        for key, row in new.items():
            self.companies.known[key] = (row[0], row[1])
        emit(CompaniesImported(count=len(new), ids=[row[0] for row in new.values()]), actor=self.actor)
        return len(new)

    def _tag_ids(self, names: set[str]) -> dict[str, uuid.UUID]:
        """Tag ids by case-folded name, creating the tags that do not exist yet."""
        missing = {name for name in names if name.casefold() not in self._tags}
        if missing:
            matches = Q()
            for name in missing:
                matches |= Q(name__iexact=name)
            for pk, name in Tag.objects.filter(matches).values_list("pk", "name"):
                self._tags.setdefault(name.casefold(), pk)
            for name in sorted(missing):
                if name.casefold() not in self._tags:
                    self._tags[name.casefold()] = Tag.objects.create(name=name).pk
        return self._tags


# --- upserting by external id -----------------------------------------------------------------------------


@dataclass
class UpsertResult:
    """What became of one record of a batch: created, updated, unchanged or failed (with errors)."""

    external_id: str
    status: str
    id: uuid.UUID | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


# What an update may name and ``unchanged`` compares; anything else is left to the service.
_COMPARED = HANDLED | {"version"}


def _current_lists(ids: Sequence[uuid.UUID]) -> dict[str, dict[uuid.UUID, list[Any]]]:
    """The e-mails, phones and tag names of these contacts, three queries in all."""
    found: dict[str, dict[uuid.UUID, list[Any]]] = {"emails": {}, "phones": {}, "tags": {}}
    if not ids:
        return found
    for pk, email, label in (
        EmailAddress.objects.filter(contact_id__in=ids)
        .order_by("contact_id", "position", "id")
        .values_list("contact_id", "email", "label")
    ):
        found["emails"].setdefault(pk, []).append((email, label))
    for pk, number, label in (
        PhoneNumber.objects.filter(contact_id__in=ids)
        .order_by("contact_id", "position", "id")
        .values_list("contact_id", "number", "label")
    ):
        found["phones"].setdefault(pk, []).append((number, label))
    for pk, name in ContactTag.objects.filter(contact_id__in=ids).values_list("contact_id", "tag__name"):
        found["tags"].setdefault(pk, []).append(name)
    return found


def _unchanged(contact: Contact, data: Mapping[str, Any], lists: Mapping[str, Any], preparer: Preparer) -> bool:
    """Whether ``services.update_contact`` would find nothing to change. False whenever in doubt:
    the service then decides (and still writes nothing when nothing changed)."""
    if not _COMPARED.issuperset(data):
        return False
    for name in ("first_name", "last_name", "preferred_language", "preferred_channel", "source", "notes"):
        if name in data and (data[name] or "").strip() != getattr(contact, name):
            return False
    if "classification" in data and (data["classification"] or "").strip() != contact.classification:
        return False
    if "external_id" in data and ((data["external_id"] or "").strip() or None) != contact.external_id:
        return False
    if "birthday" in data and data["birthday"] != contact.birthday:
        return False
    if "preferences" in data and clean_tags(data["preferences"] or []) != contact.preferences:
        return False
    if "owner" in data:
        owner = data["owner"]
        if owner is None or owner.pk != contact.owner_id or owner.primary_team_id != contact.team_id:
            return False
    if "emails" in data and preparer.emails(data["emails"] or []) != lists["emails"].get(contact.pk, []):
        return False
    if "phones" in data and preparer.phones(data["phones"] or []) != lists["phones"].get(contact.pk, []):
        return False
    if "tags" in data and sorted(clean_tags(data["tags"] or [])) != sorted(lists["tags"].get(contact.pk, [])):
        return False
    return not ("custom" in data and preparer.custom(data["custom"] or {}, existing=contact.custom) != contact.custom)


def upsert_contacts(
    *, actor: User | None, records: Sequence[Mapping[str, Any] | ValidationError]
) -> list[UpsertResult]:
    """Create or update one contact per record, matched on ``external_id``, as ``actor``.

    Each record is service-shaped data with its ``external_id`` (and optionally the ``version`` it
    was read at); a ValidationError in its place is a record the caller could not even read. New
    contacts are written in bulk; records whose contact already holds every given value are
    answered "unchanged" without a write, so sending a batch twice changes nothing; the rest go
    through ``services.update_contact`` (row lock, version check, audit). A record that fails
    (invalid, a contact the actor may not change, a stale version) fails alone.
    """

    def key_of(record: Mapping[str, Any] | ValidationError) -> str:
        return "" if isinstance(record, ValidationError) else str(record.get("external_id") or "").strip()

    keys = [key_of(record) for record in records]
    seen: dict[str, int] = {}
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
    existing = {c.external_id: c for c in Contact.objects.filter(external_id__in=[k for k in keys if k])}
    lists = _current_lists([c.pk for c in existing.values()])
    preparer = Preparer(actor=actor)
    results: list[UpsertResult] = []
    fresh: list[tuple[UpsertResult, NewContact]] = []
    slow: list[tuple[UpsertResult, dict[str, Any], Contact | None]] = []
    for key, record in zip(keys, records, strict=True):
        result = UpsertResult(external_id=key, status="failed")
        results.append(result)
        if isinstance(record, ValidationError):
            result.errors = message_dict(record)
            continue
        data = dict(record)
        version = data.pop("version", None)
        contact = existing.get(key)
        if not key:
            result.errors = {"external_id": [_("Give every record its external id.")]}
        elif seen[key] > 1:
            result.errors = {"external_id": [_("This external id is in the batch more than once.")]}
        elif contact is not None and not access.can_view(actor, contact):
            # Out of the caller's sight: neither its id nor that it is a contact, only the answer
            # creating a record with this external id gets.
            result.errors = {"external_id": [_("Another record already has this external id.")]}
        elif contact is not None:
            result.id = contact.pk
            if not access.can(actor, Action.CHANGE, contact):
                result.errors = {"external_id": [_("This external id belongs to a record you may not change.")]}
            elif version is not None and version != contact.version:
                result.errors = {"version": [_("Someone else changed this record; load it again.")]}
            elif _unchanged(contact, data, lists, preparer):
                result.status = "unchanged"
            else:
                slow.append((result, {**data, "version": version}, contact))
        elif not access.can_create(actor):
            result.errors = {"__all__": [_("You may not create records.")]}
        else:
            data.setdefault("source", Source.API)
            new = preparer.prepare(data)
            if new is None:
                slow.append((result, data, None))
            else:
                fresh.append((result, new))
    Writer(actor=actor, announce=False).write([new for _, new in fresh])
    for result, new in fresh:
        result.status, result.id = "created", new.id
    for result, data, contact in slow:
        version = data.pop("version", None)
        try:
            with transaction.atomic():
                if contact is None:
                    result.id = services.create_contact(actor=actor, data=services.contact_data(data)).pk
                    result.status = "created"
                else:
                    saved = services.update_contact(
                        actor=actor, contact=contact, data=services.contact_data(data), expected_version=version
                    )
                    result.status = "updated" if saved.version != contact.version else "unchanged"
        except ValidationError as exc:
            result.errors = message_dict(exc)
        except Conflict:
            result.errors = {"version": [_("Someone else changed this record; load it again.")]}
        except (AccessDenied, Http404):
            result.errors = {"external_id": [_("This external id belongs to a record you may not change.")]}
    changed = [result.id for result in results if result.status in ("created", "updated") and result.id is not None]
    if changed:
        emit(ContactsUpserted(count=len(changed), ids=changed), actor=actor)
    return results
