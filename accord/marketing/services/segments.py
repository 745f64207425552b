"""Segments and static lists: create, change, delete, freeze, fill, and make call lists of them.

Every function checks what it is given (rules through ``segmenting.clean``, which names the bad
rule), writes in one transaction with its audit entry and event, and refuses what the access policy
refuses. A static list's members change without a new version of the list: adding people to a list
while someone renames it is no conflict.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.core import access, changes
from accord.core.access import Action
from accord.core.errors import check_version
from accord.core.models import as_uuid
from accord.core.tables import sniff_delimiter
from accord.marketing import segmenting
from accord.marketing.models import Segment, SegmentKind, SegmentMember
from accord.marketing.selectors import segments as selectors
from accord.people.models import Contact, EmailAddress

if TYPE_CHECKING:
    from accord.activities.models import Task
    from accord.identity.models import User

CHUNK = 2000
IMPORT_MAX_ROWS = 100_000
CALL_LIST_LIMIT = 2000
HEADER_WORDS = {"email", "e-mail", "mail", "id", "contact id", "contact_id"}


def _clean_fields(
    segment: Segment, data: Mapping[str, Any], errors: dict[str, list[str]], creating: bool, actor: Any = None
) -> None:
    if "name" in data or creating:
        name = str(data.get("name") or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > 200:
            errors["name"] = [_("At most %(max)d characters.") % {"max": 200}]
        segment.name = name
    if "description" in data:
        segment.description = str(data.get("description") or "").strip()
    if "kind" in data:
        kind = data.get("kind") or SegmentKind.DYNAMIC
        if kind not in SegmentKind.values:
            errors["kind"] = [_("Choose a dynamic segment or a static list.")]
        elif not creating and kind != segment.kind:
            errors["kind"] = [_("A segment cannot become a static list or back; make a new one.")]
        else:
            segment.kind = kind
    if segment.kind == SegmentKind.STATIC and (data.get("rules") or {}).get("rules"):
        errors["rules"] = [_("A static list has no rules: its members are added to it.")]
    elif "rules" in data and segment.kind == SegmentKind.DYNAMIC:
        try:
            segment.rules = segmenting.clean(data["rules"], user=actor)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    elif creating and segment.kind == SegmentKind.STATIC:
        segment.rules = {"match": "all", "rules": []}


@transaction.atomic
def create_segment(*, actor: User, data: Mapping[str, Any]) -> Segment:
    """A new segment of ``actor``'s: ``name``, ``description``, ``kind`` and (dynamic) ``rules``."""
    access.require_create(actor)
    segment = Segment(owner=actor, team_id=actor.primary_team_id)
    errors: dict[str, list[str]] = {}
    _clean_fields(segment, {"kind": SegmentKind.DYNAMIC, **data}, errors, creating=True, actor=actor)
    if errors:
        raise ValidationError(errors)
    segment.save()
    changes.record_create(actor=actor, obj=segment)
    return segment


def _lock(actor: User | None, segment: Segment, action: Action, expected_version: int | None) -> Segment:
    locked = Segment.objects.select_for_update().get(pk=segment.pk)
    if actor is not None:
        access.require(actor, action, locked)
    check_version(locked, expected_version)
    return locked


@transaction.atomic
def update_segment(
    *, actor: User, segment: Segment, data: Mapping[str, Any], expected_version: int | None = None
) -> Segment:
    """Change a segment's name, description or rules; a stale ``expected_version`` is a Conflict."""
    locked = _lock(actor, segment, Action.CHANGE, expected_version)
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    _clean_fields(locked, data, errors, creating=False, actor=actor)
    if errors:
        raise ValidationError(errors)
    if changes.snapshot(locked) == before:
        return locked
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def delete_segment(*, actor: User, segment: Segment, expected_version: int | None = None) -> None:
    locked = _lock(actor, segment, Action.DELETE, expected_version)
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()


# --- static lists ------------------------------------------------------------------------------------


def _static(segment: Segment) -> None:
    if segment.kind != SegmentKind.STATIC:
        raise ValidationError({"segment": [_("Members are added to static lists only.")]})


def _member_count(segment: Segment) -> int:
    return SegmentMember.objects.filter(segment_id=segment.pk).count()


def _insert(segment: Segment, actor: User | None, contact_ids: Iterable[Any]) -> int:
    """Add ``contact_ids`` (not yet checked for being there already); how many were new."""
    added = 0
    batch: list[Any] = []

    def flush() -> int:
        known = set(
            SegmentMember.objects.filter(segment_id=segment.pk, contact_id__in=batch).values_list(
                "contact_id", flat=True
            )
        )
        rows = [
            SegmentMember(segment_id=segment.pk, contact_id=pk, added_by=actor)
            for pk in dict.fromkeys(batch)
            if pk not in known
        ]
        SegmentMember.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)

    for pk in contact_ids:
        batch.append(pk)
        if len(batch) >= CHUNK:
            added += flush()
            batch = []
    if batch:
        added += flush()
    return added


def _record_members(actor: User | None, segment: Segment, before: int) -> None:
    after = _member_count(segment)
    if after != before:
        changes.record_update(
            actor=actor,
            obj=segment,
            before=changes.snapshot(segment, extra={"members": before}),
            extra={"members": after},
        )


@transaction.atomic
def add_members(*, actor: User, segment: Segment, contacts: QuerySet[Contact] | Iterable[Contact]) -> int:
    """Put contacts ``actor`` may see on a static list; those already on it stay as they were.
    ``contacts`` is a queryset (set-based) or a few contacts. Returns how many were added."""
    locked = _lock(actor, segment, Action.CHANGE, None)
    _static(locked)
    before = _member_count(locked)
    chosen = contacts if isinstance(contacts, QuerySet) else Contact.objects.filter(pk__in=[c.pk for c in contacts])
    keys = access.scope(actor, chosen).order_by().values_list("pk", flat=True)
    added = _insert(locked, actor, keys.iterator(chunk_size=CHUNK))
    _record_members(actor, locked, before)
    return added


@transaction.atomic
def remove_members(*, actor: User, segment: Segment, contacts: Sequence[Contact]) -> int:
    """Take contacts off a static list (only those ``actor`` may see)."""
    locked = _lock(actor, segment, Action.CHANGE, None)
    _static(locked)
    before = _member_count(locked)
    visible = access.scope(actor, Contact.objects.filter(pk__in=[c.pk for c in contacts])).values("pk")
    removed, _detail = SegmentMember.objects.filter(segment_id=locked.pk, contact_id__in=visible).delete()
    _record_members(actor, locked, before)
    return removed


@transaction.atomic
def freeze(*, actor: User, segment: Segment, name: str = "") -> Segment:
    """A new static list holding ``segment``'s members as ``actor`` sees them now."""
    name = name.strip() or _("%(name)s (%(day)s)") % {
        "name": segment.name,
        "day": timezone.localdate().isoformat(),
    }
    frozen = create_segment(
        actor=actor,
        data={"name": name[:200], "kind": SegmentKind.STATIC, "description": segment.description},
    )
    keys = selectors.members(user=actor, segment=segment).order_by().values_list("pk", flat=True)
    _insert(frozen, actor, keys.iterator(chunk_size=CHUNK))
    _record_members(actor, frozen, 0)
    return frozen


@dataclass
class ImportResult:
    added: int = 0
    already: int = 0
    # (line, value, why) per row that named no contact.
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return ngettext(
            "%(added)d contact added, %(already)d already on the list, %(failed)d row not used.",
            "%(added)d contacts added, %(already)d already on the list, %(failed)d rows not used.",
            len(self.errors),
        ) % {"added": self.added, "already": self.already, "failed": len(self.errors)}


def _rows(text: str) -> list[tuple[int, str]]:
    lines = text.splitlines()
    if not lines:
        return []
    delimiter = sniff_delimiter(lines[0]) if lines else ","
    rows: list[tuple[int, str]] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        value = (cells[0] if cells else "").strip()
        if number == 1 and value.casefold() in HEADER_WORDS:
            continue
        if value:
            rows.append((number, value))
    return rows


@transaction.atomic
def import_members(*, actor: User, segment: Segment, text: str) -> ImportResult:
    """Add the contacts a CSV names (its first column: an e-mail address or a contact id) to a
    static list. Rows that name no contact ``actor`` may see are reported by line, and the others
    are added all the same."""
    locked = _lock(actor, segment, Action.CHANGE, None)
    _static(locked)
    rows = _rows(text)
    if len(rows) > IMPORT_MAX_ROWS:
        raise ValidationError({"file": [_("At most %(max)d rows at a time.") % {"max": IMPORT_MAX_ROWS}]})
    result = ImportResult()
    visible = access.scope(actor, Contact.objects.all())
    emails: dict[str, list[int]] = {}
    typed: dict[str, str] = {}  # folded -> as typed
    ids: dict[Any, list[int]] = {}
    for line, value in rows:
        if "@" in value:
            emails.setdefault(value.casefold(), []).append(line)
            typed.setdefault(value.casefold(), value)
        elif (key := as_uuid(value)) is not None:
            ids.setdefault(key, []).append(line)
        else:
            result.errors.append((line, value, _("Neither an e-mail address nor a contact id.")))
    found: dict[int, list[Any]] = {}
    email_list = list(emails)
    for start in range(0, len(email_list), CHUNK):
        chunk = email_list[start : start + CHUNK]
        forms = list({*chunk, *(typed[e] for e in chunk)})
        by_primary = visible.filter(primary_email__in=forms).values_list("pk", "primary_email")
        by_other = EmailAddress.objects.filter(email__in=forms, contact__in=visible.values("pk")).values_list(
            "contact_id", "email"
        )
        for pk, email in {*by_primary, *by_other}:
            for line in emails.get(email.casefold(), []):
                found.setdefault(line, []).append(pk)
        for email in chunk:
            if any(line in found for line in emails[email]):
                continue
            # Stored in another case than typed ("Anna@X.pl"): looked up one by one.
            pks = list(visible.filter(primary_email__iexact=email).values_list("pk", flat=True))
            for line in emails[email] if pks else []:
                found.setdefault(line, []).extend(pks)
    id_list = list(ids)
    for start in range(0, len(id_list), CHUNK):
        for pk in visible.filter(pk__in=id_list[start : start + CHUNK]).values_list("pk", flat=True):
            for line in ids[pk]:
                found.setdefault(line, []).append(pk)
    for line, value in rows:
        if line in found or any(error[0] == line for error in result.errors):
            continue
        why = _("No contact you can see has this e-mail address.") if "@" in value else _("No such contact.")
        result.errors.append((line, value, why))
    result.errors.sort()
    before = _member_count(locked)
    wanted = list(dict.fromkeys(pk for pks in found.values() for pk in pks))
    result.added = _insert(locked, actor, wanted)
    result.already = len(wanted) - result.added
    _record_members(actor, locked, before)
    return result


# --- call lists --------------------------------------------------------------------------------------


@dataclass
class CallListResult:
    tasks: list[Task] = field(default_factory=list)
    skipped: list[tuple[Contact, str]] = field(default_factory=list)  # (member, why)


@transaction.atomic
def make_call_list(
    *, actor: User, segment: Segment, title: str = "", due_on: datetime.date | None = None
) -> CallListResult:
    """A call task for each member ``actor`` sees, assigned to the member's owner. A member whose
    owner ``actor`` may not give tasks to (or who left) is skipped and said why, and so is one who
    still has an open call task from this segment: pressing the button twice makes no second call."""
    from accord.activities import services as activities
    from accord.activities.models import Task, TaskStatus

    access.require_create(actor)
    members = selectors.members(user=actor, segment=segment)
    if members.count() > CALL_LIST_LIMIT:
        raise ValidationError(
            {
                "segment": [
                    _("A call list is made of at most %(max)d contacts; narrow the segment first.")
                    % {"max": CALL_LIST_LIMIT}
                ]
            }
        )
    title = (title.strip() or _("Call: %(segment)s") % {"segment": segment.name})[:200]
    day = due_on or timezone.localdate()
    due = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))
    result = CallListResult()
    pending = set(
        Task.objects.filter(
            related_type=ContentType.objects.get_for_model(Segment),
            related_id=segment.pk,
            status=TaskStatus.OPEN,
            contact__in=members.values("pk"),
        ).values_list("contact_id", flat=True)
    )
    for contact in members.select_related("owner").order_by("sort_name", "id"):
        if contact.pk in pending:
            result.skipped.append((contact, _("An open call task from this segment is already waiting.")))
            continue
        try:
            task = activities.create_task(
                actor=actor,
                data={"title": title, "due_at": due, "owner": contact.owner, "contact": contact},
                related=segment,
            )
        except ValidationError as exc:
            result.skipped.append((contact, " ".join(m for ms in exc.message_dict.values() for m in ms)))
        else:
            result.tasks.append(task)
    return result
