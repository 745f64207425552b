"""Bulk actions on a list: change owner, add or remove a tag, edit a field, delete.

A selection is list parameters: the filters on screen, plus ``id`` values when rows were ticked
(``id`` is a filter of every list), so "these 3 rows" and "all 5,029 matching" are one idea and
both are scoped by the access policy like the list itself. Records the user may not change are
skipped, and the confirmation says how many.

How each action is carried out:
* Change owner is set-based (core/mass.py): a few statements however many records, one audit entry
  per record written by one INSERT ... SELECT; 300,000 contacts take seconds, in the request.
* Tags, fields and deletion go record by record through the list's own services, so every rule a
  service keeps (validation, search text, child rows, the audit entry's exact diff, events) holds
  for bulk changes too. That costs a few milliseconds a record. Up to ``sync_limit()`` records
  (ACCORD_BULK_SYNC_LIMIT) change in the request, in one transaction: a record that fails its
  service's checks rolls the whole action back and the error names the field. A larger selection
  becomes a background job (core/bulk_jobs.py) that applies the same ``RowChange`` in chunks and
  lists the records that fail instead of undoing the rest.

Each record is changed as it is when its turn comes: it is locked (with its tags read) in the
transaction that changes it, so a change made by someone else meanwhile is neither lost nor a
reason to fail. Adding a tag adds it to the tags the record has then; editing a field sets that
one field and leaves the rest as they are then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.core import customfields, mass
from accord.core.access import Action
from accord.core.errors import message_dict
from accord.core.event_types import BULK_EVENTS
from accord.core.events import emit
from accord.core.listing import ListQuery, apply, parse
from accord.core.lists import ListScreen, editable_fields
from accord.core.models import Tag

if TYPE_CHECKING:
    from accord.identity.models import User

SAMPLE_SIZE = 5
ACTIONS = ("owner", "tag_add", "tag_remove", "field", "delete")
ROW_BY_ROW = ("tag_add", "tag_remove", "field", "delete")  # through the list's services, record by record
# Parameters of the confirmation form that are not list filters. The tag to add or remove is
# ``new_tag``: ``tag`` is the list's own tag filter, which must keep selecting the records.
FORM_FIELDS = (
    "action",
    "new_owner",
    "new_tag",
    "field",
    "value",
    "confirm",
    "everything",
    "csrfmiddlewaretoken",
    "next",
)


@dataclass
class Selection:
    screen: ListScreen
    query: ListQuery
    queryset: QuerySet[Any]  # the visible records the parameters select

    @property
    def everything(self) -> bool:
        """No filter, search or ticked row: every record the user can see."""
        return not self.query.is_filtered()


def select(*, actor: User, screen: ListScreen, params: Mapping[str, Any]) -> Selection:
    """The records a list's parameters select, as ``actor`` sees them."""
    query = parse(screen.spec, params, strict=False, ignore=FORM_FIELDS, user=actor)
    for name in screen.keeps:
        kept = [str(v) for v in (params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]) if v]
        if kept:
            query.raw[name] = kept[:1]
    return Selection(screen, query, apply(screen.spec, query, screen.visible(actor), user=actor))


def action_of(name: str) -> Action:
    return Action.DELETE if name == "delete" else Action.CHANGE


@dataclass(frozen=True)
class Preview:
    total: int  # records selected
    allowed: int  # of which the user may change (or delete)
    changing: int  # of which the change would really change (the others already are as asked)
    sample: list[str]  # the first few that would change

    @property
    def skipped(self) -> int:
        return self.total - self.allowed

    @property
    def already(self) -> int:
        return self.allowed - self.changing


def preview(*, actor: User, selection: Selection, action: str, change: RowChange | None = None) -> Preview:
    """How many records the action would change, how many already are as asked (given the
    ``change``, once its inputs are known), how many it skips, and the first few it changes."""
    screen = selection.screen
    target = screen.changeable(actor, action_of(action), selection.queryset)
    allowed = target.count()
    pending = change.pending(target) if change is not None and change.pending is not None else None
    changing = pending.count() if pending is not None else allowed
    sort = screen.spec.sort_map()[selection.query.sort_name]
    order = [f"-{sort.path}" if selection.query.descending else sort.path, "pk"]
    sample = [
        screen.describe(obj) for obj in (pending if pending is not None else target).order_by(*order)[:SAMPLE_SIZE]
    ]
    return Preview(total=selection.queryset.count(), allowed=allowed, changing=changing, sample=sample)


def require_intent(*, selection: Selection, confirmed: bool, everything: bool) -> None:
    """A bulk action is confirmed, and one on a list with no filter at all names it as such: a
    stale or hand-made request without filters must not hand over every record."""
    errors: dict[str, list[str]] = {}
    if not confirmed:
        errors["confirm"] = [_("Confirm the change first.")]
    if selection.everything and not everything:
        errors["everything"] = [
            _("No filter is set: choose “all records” to act on every record you can see, or filter the list.")
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def change_owner(*, actor: User, selection: Selection, owner: User) -> int:
    """Give the selected records ``actor`` may change to ``owner``; set-based (see the module)."""
    if selection.screen.assignable is None:
        raise ValidationError({"new_owner": [_("Records of this list have no owner.")]})
    try:
        return mass.reassign(actor=actor, queryset=selection.queryset, owner=owner)
    except ValidationError as exc:
        raise ValidationError({"new_owner": exc.message_dict.get("owner", exc.messages)}) from exc


def sync_limit() -> int:
    """The most records a row-by-row action changes in the request; more go to the worker."""
    return int(settings.ACCORD_BULK_SYNC_LIMIT)


def targets(*, actor: User, selection: Selection, action: str) -> QuerySet[Any]:
    """The selected records ``actor`` may change (or delete), in key order."""
    return selection.screen.changeable(actor, action_of(action), selection.queryset).order_by("pk")


def exceeds_sync_limit(*, actor: User, selection: Selection, action: str) -> bool:
    """Whether a row-by-row action on this selection is too large for one request."""
    limit = sync_limit()
    return (
        len(targets(actor=actor, selection=selection, action=action).values_list("pk", flat=True)[: limit + 1]) > limit
    )


@dataclass(frozen=True)
class RowChange:
    """What a row-by-row action does to one record, its inputs already checked."""

    action: str
    inputs: dict[str, Any]  # as given (JSON): a background job keeps them and checks them again
    payload: dict[str, Any]  # what the action's event says about it
    apply: Callable[[Any, Any], bool]  # (actor, record locked in the transaction) -> whether it changed
    # The records of a queryset the change would really change (the rest already are as asked),
    # for the confirmation's counts; None when that cannot be told without changing them.
    pending: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None


def clean_tag(raw: str) -> str:
    name = (raw or "").strip()[:60]
    if not name:
        raise ValidationError({"tag": [_("Enter a tag.")]})
    return name


def clean_field(screen: ListScreen, name: str, raw: Any) -> tuple[str, Any]:
    """The field and its new value, validated by the field's form field (a custom field by the
    custom-field service, as the record's service will); errors keyed by field."""
    fields = {f.name: f for f in editable_fields(screen)}
    if name not in fields:
        raise ValidationError({"field": [_("Choose a field to change.")]})
    field = fields[name]
    if field.custom:
        try:
            cleaned = customfields.clean(screen.entity, {field.custom: raw}, partial=True)
        except ValidationError as exc:
            raise ValidationError({name: [m for found in message_dict(exc).values() for m in found]}) from exc
        return name, cleaned.get(field.custom)  # None: the value is cleared
    try:
        value = field.form_field().clean(raw)
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from exc
    return name, value


def row_change(screen: ListScreen, action: str, inputs: Mapping[str, Any]) -> RowChange:
    """The change ``action`` makes to each record, from the confirmation's inputs (a tag; a field
    and its value); bad inputs raise ValidationError keyed by the input."""
    if action in ("tag_add", "tag_remove"):
        return _tag_change(screen, action, clean_tag(str(inputs.get("tag", ""))))
    if action == "field":
        return _field_change(screen, str(inputs.get("field", "")), inputs.get("value", ""))
    if action == "delete":
        if screen.delete is None:
            raise ValidationError({"__all__": [_("Records of this list cannot be deleted here.")]})
        remove = screen.delete

        def delete_one(actor: User, obj: Any) -> bool:
            remove(actor, obj)
            return True

        return RowChange("delete", {}, {}, delete_one)
    raise ValidationError({"action": [_("Choose an action.")]})


def _tag_change(screen: ListScreen, action: str, name: str) -> RowChange:
    if not screen.tags or screen.update is None:
        raise ValidationError({"tag": [_("Records of this list have no tags.")]})
    update = screen.update
    folded = name.casefold()
    # Tags match in any case ("vip" is "VIP"), as the services match them; there are few tags.
    same = [pk for pk, tag in Tag.objects.values_list("pk", "name") if tag.casefold() == folded]

    def tagged(queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(pk__in=queryset.model.objects.filter(tags__in=same).values("pk"))

    def pending(queryset: QuerySet[Any]) -> QuerySet[Any]:
        if action == "tag_add":
            return queryset.exclude(pk__in=tagged(queryset).values("pk"))
        return tagged(queryset)

    def add(actor: User, obj: Any) -> bool:
        names = [t.name for t in obj.tags.all()]
        if folded in {n.casefold() for n in names}:
            return False
        update(actor, obj, {"tags": [*names, name]})
        return True

    def remove(actor: User, obj: Any) -> bool:
        names = [t.name for t in obj.tags.all()]
        kept = [n for n in names if n.casefold() != folded]
        if kept == names:
            return False
        update(actor, obj, {"tags": kept})
        return True

    return RowChange(action, {"tag": name}, {"tag": name}, add if action == "tag_add" else remove, pending)


def _field_change(screen: ListScreen, field: str, raw: Any) -> RowChange:
    if screen.update is None:
        raise ValidationError({"field": [_("Records of this list cannot be edited here.")]})
    name, cleaned = clean_field(screen, field, raw)
    update = screen.update
    raw_value = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    key = next(f.custom for f in editable_fields(screen) if f.name == name)
    if key:
        # Through the record's service like any edit: it validates the value as the custom-field
        # service did above and keeps the record's other custom values.
        data: dict[str, Any] = {"custom": {key: raw_value}}
        current: Callable[[Any], Any] = lambda obj: (obj.custom or {}).get(key)  # noqa: E731
    else:
        data = {name: cleaned}
        current = lambda obj: getattr(obj, name)  # noqa: E731

    def set_one(actor: User, obj: Any) -> bool:
        if current(obj) == cleaned:
            return False  # already as asked
        before = getattr(obj, "version", None)
        result = update(actor, obj, data)
        return getattr(result, "version", before) != before

    def pending(queryset: QuerySet[Any]) -> QuerySet[Any]:
        already = _custom_equals(key, cleaned) if key else _field_equals(queryset.model, name, cleaned)
        if already is None:
            return queryset
        return queryset.exclude(pk__in=queryset.filter(already).values("pk"))

    return RowChange("field", {"field": name, "value": raw_value}, {"field": name}, set_one, pending)


def _field_equals(model: Any, name: str, value: Any) -> Q | None:
    """Records whose ``name`` already holds ``value`` (a blank value: blank or empty)."""
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if value is None:
        return Q(**{f"{name}__isnull": True})
    if value == "":
        return Q(**{f"{name}__isnull": True}) | Q(**{name: ""})
    return Q(**{name: value})


def _custom_equals(key: str, value: Any) -> Q:
    """Records whose custom value ``key`` already is ``value`` as stored (None: not set)."""
    path = f"custom__{key}"
    if value is None:
        return Q(**{f"{path}__isnull": True})
    if isinstance(value, dict):  # money: compared part by part, not as JSON text
        return Q(**{f"{path}__{part}": item for part, item in value.items()})
    return Q(**{path: value})


def locked_records(screen: ListScreen, actor: User, keys: Sequence[Any]) -> dict[Any, Any]:
    """The records of ``keys`` that still exist, locked for this transaction in key order (so two
    jobs over the same records wait for each other instead of deadlocking), with what the
    changes read of them (tags) read under the lock."""
    model = screen.visible(actor).model
    rows = model.objects.filter(pk__in=keys).order_by("pk").select_for_update()
    if screen.prefetch:
        rows = rows.prefetch_related(*screen.prefetch)
    return {obj.pk: obj for obj in rows}


def announce(
    actor: User | None,
    screen: ListScreen,
    action: str,
    count: int,
    filters: dict[str, Any],
    *,
    ids: list[Any] | None = None,
    job_id: Any = None,
    **payload: Any,
) -> None:
    """The event of a bulk action that changed ``count`` records: those of ``ids`` (in the
    request), or those the job ``job_id`` lists as changed (core/event_types.py)."""
    if count:
        event = BULK_EVENTS[action](count=count, filters=filters, ids=ids, job_id=job_id, **payload)
        emit(event, entity=screen.entity, actor=actor)


@transaction.atomic
def change_rows(*, actor: User, selection: Selection, change: RowChange) -> int:
    """Apply ``change`` to the selected records ``actor`` may change, all in this transaction: the
    first record a service refuses rolls everything back. At most ``sync_limit()`` records."""
    limit = sync_limit()
    # The keys first: a service's change may take a record out of the filter it was selected by.
    keys = list(
        targets(actor=actor, selection=selection, action=change.action).values_list("pk", flat=True)[: limit + 1]
    )
    if len(keys) > limit:
        message = ngettext(
            "This action changes at most %(limit)d record at a time: narrow the filters or tick the rows.",
            "This action changes at most %(limit)d records at a time: narrow the filters or tick the rows.",
            limit,
        )
        raise ValidationError({"selection": [message % {"limit": limit}]})
    records = locked_records(selection.screen, actor, keys)
    changed = [pk for pk, obj in records.items() if change.apply(actor, obj)]
    announce(actor, selection.screen, change.action, len(changed), selection.query.raw, ids=changed, **change.payload)
    return len(changed)


def add_tag(*, actor: User, selection: Selection, tag: str) -> int:
    """Tag the selected records; records that already have the tag are left alone."""
    return change_rows(actor=actor, selection=selection, change=row_change(selection.screen, "tag_add", {"tag": tag}))


def remove_tag(*, actor: User, selection: Selection, tag: str) -> int:
    change = row_change(selection.screen, "tag_remove", {"tag": tag})
    return change_rows(actor=actor, selection=selection, change=change)


def set_field(*, actor: User, selection: Selection, field: str, value: Any) -> int:
    """Set one whitelisted field on the selected records through the list's update service."""
    change = row_change(selection.screen, "field", {"field": field, "value": value})
    return change_rows(actor=actor, selection=selection, change=change)


def delete(*, actor: User, selection: Selection) -> int:
    """Delete the selected records ``actor`` may delete, each through the list's delete service."""
    return change_rows(actor=actor, selection=selection, change=row_change(selection.screen, "delete", {}))
