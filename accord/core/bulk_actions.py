"""Bulk actions on a list: change owner, add or remove a tag, edit a field, delete.

A selection is list parameters: the filters on screen, plus ``id`` values when rows were ticked
(``id`` is a filter of every list), so "these 3 rows" and "all 5,029 matching" are one idea and
both are scoped by the access policy like the list itself. Records the user may not change are
skipped, and the confirmation says how many.

How each action is carried out:
* Change owner is set-based (core/mass.py): a few statements however many records, one audit entry
  per record written by one INSERT ... SELECT; 300,000 contacts take seconds.
* Tags, fields and deletion go record by record through the list's own services, so every rule a
  service keeps (validation, search text, child rows, the audit entry's exact diff, events) holds
  for bulk changes too. That costs a few milliseconds a record, so one request takes at most
  ROW_BY_ROW_LIMIT records; a larger selection is refused with a message to narrow it, rather
  than holding a transaction open for minutes.

Every action runs in one transaction: a record that fails its service's checks rolls back the whole
action and the error names the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.core import mass
from accord.core.access import Action
from accord.core.events import emit
from accord.core.listing import ListQuery, apply, parse
from accord.core.lists import ListScreen

ROW_BY_ROW_LIMIT = 1000
SAMPLE_SIZE = 5
ACTIONS = ("owner", "tag_add", "tag_remove", "field", "delete")
# Parameters of the confirmation form that are not list filters.
FORM_FIELDS = ("action", "new_owner", "tag", "field", "value", "confirm", "everything", "csrfmiddlewaretoken", "next")


@dataclass
class Selection:
    screen: ListScreen
    query: ListQuery
    queryset: QuerySet[Any]  # the visible records the parameters select

    @property
    def everything(self) -> bool:
        """No filter, search or ticked row: every record the user can see."""
        return not self.query.is_filtered()


def select(*, actor: Any, screen: ListScreen, params: Mapping[str, Any]) -> Selection:
    """The records a list's parameters select, as ``actor`` sees them."""
    query = parse(screen.spec, params, strict=False, ignore=FORM_FIELDS)
    return Selection(screen, query, apply(screen.spec, query, screen.visible(actor)))


def action_of(name: str) -> Action:
    return Action.DELETE if name == "delete" else Action.CHANGE


@dataclass(frozen=True)
class Preview:
    total: int  # records selected
    changing: int  # of which the user may change (or delete)
    sample: list[str]

    @property
    def skipped(self) -> int:
        return self.total - self.changing


def preview(*, actor: Any, selection: Selection, action: str) -> Preview:
    """How many records the action would touch, how many it skips, and the first few of them."""
    screen = selection.screen
    target = screen.changeable(actor, action_of(action), selection.queryset)
    sort = screen.spec.sort_map()[selection.query.sort_name]
    order = [f"-{sort.path}" if selection.query.descending else sort.path, "pk"]
    sample = [screen.describe(obj) for obj in target.order_by(*order)[:SAMPLE_SIZE]]
    return Preview(total=selection.queryset.count(), changing=target.count(), sample=sample)


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


def _done(actor: Any, selection: Selection, action: str, count: int, **payload: Any) -> None:
    if count:
        emit(
            f"{selection.screen.entity}.bulk_{action}",
            actor=actor,
            payload={"count": count, "filters": selection.query.raw, **payload},
        )


@transaction.atomic
def change_owner(*, actor: Any, selection: Selection, owner: Any) -> int:
    """Give the selected records ``actor`` may change to ``owner``; set-based (see the module)."""
    if selection.screen.assignable is None:
        raise ValidationError({"new_owner": [_("Records of this list have no owner.")]})
    try:
        return mass.reassign(actor=actor, queryset=selection.queryset, owner=owner)
    except ValidationError as exc:
        raise ValidationError({"new_owner": exc.message_dict.get("owner", exc.messages)}) from exc


def _row_by_row(actor: Any, selection: Selection, action: str, change: Callable[[Any], bool], **payload: Any) -> int:
    screen = selection.screen
    target = screen.changeable(actor, action_of(action), selection.queryset)
    # The keys first: a service's change may take a record out of the filter it was selected by.
    keys = list(target.order_by("pk").values_list("pk", flat=True)[: ROW_BY_ROW_LIMIT + 1])
    if len(keys) > ROW_BY_ROW_LIMIT:
        message = ngettext(
            "This action changes at most %(limit)d record at a time: narrow the filters or tick the rows.",
            "This action changes at most %(limit)d records at a time: narrow the filters or tick the rows.",
            ROW_BY_ROW_LIMIT,
        )
        raise ValidationError({"selection": [message % {"limit": ROW_BY_ROW_LIMIT}]})
    rows = selection.queryset.model.objects.filter(pk__in=keys).order_by("pk")
    if screen.prefetch:
        rows = rows.prefetch_related(*screen.prefetch)
    count = sum(1 for obj in rows if change(obj))
    _done(actor, selection, action, count, **payload)
    return count


def clean_tag(raw: str) -> str:
    name = (raw or "").strip()[:60]
    if not name:
        raise ValidationError({"tag": [_("Enter a tag.")]})
    return name


@transaction.atomic
def add_tag(*, actor: Any, selection: Selection, tag: str) -> int:
    """Tag the selected records; records that already have the tag are left alone."""
    screen = selection.screen
    if not screen.tags or screen.update is None:
        raise ValidationError({"tag": [_("Records of this list have no tags.")]})
    name = clean_tag(tag)
    update = screen.update

    def change(obj: Any) -> bool:
        names = [t.name for t in obj.tags.all()]
        if name.casefold() in {n.casefold() for n in names}:
            return False
        update(actor, obj, {"tags": [*names, name]})
        return True

    return _row_by_row(actor, selection, "tag_add", change, tag=name)


@transaction.atomic
def remove_tag(*, actor: Any, selection: Selection, tag: str) -> int:
    screen = selection.screen
    if not screen.tags or screen.update is None:
        raise ValidationError({"tag": [_("Records of this list have no tags.")]})
    name = clean_tag(tag)
    update = screen.update

    def change(obj: Any) -> bool:
        names = [t.name for t in obj.tags.all()]
        kept = [n for n in names if n.casefold() != name.casefold()]
        if kept == names:
            return False
        update(actor, obj, {"tags": kept})
        return True

    return _row_by_row(actor, selection, "tag_remove", change, tag=name)


def clean_field(screen: ListScreen, name: str, raw: Any) -> tuple[str, Any]:
    """The field and its new value, validated by the field's form field; errors keyed by field."""
    fields = {f.name: f for f in screen.fields}
    if name not in fields:
        raise ValidationError({"field": [_("Choose a field to change.")]})
    try:
        value = fields[name].form_field().clean(raw)
    except ValidationError as exc:
        raise ValidationError({name: exc.messages}) from exc
    return name, value


@transaction.atomic
def set_field(*, actor: Any, selection: Selection, field: str, value: Any) -> int:
    """Set one whitelisted field on the selected records through the list's update service."""
    screen = selection.screen
    if screen.update is None:
        raise ValidationError({"field": [_("Records of this list cannot be edited here.")]})
    name, cleaned = clean_field(screen, field, value)
    update = screen.update

    def change(obj: Any) -> bool:
        before = getattr(obj, "version", None)
        result = update(actor, obj, {name: cleaned})
        return getattr(result, "version", before) != before

    return _row_by_row(actor, selection, "field", change, field=name)


@transaction.atomic
def delete(*, actor: Any, selection: Selection) -> int:
    """Delete the selected records ``actor`` may delete, each through the list's delete service."""
    screen = selection.screen
    if screen.delete is None:
        raise ValidationError({"__all__": [_("Records of this list cannot be deleted here.")]})
    remove = screen.delete

    def change(obj: Any) -> bool:
        remove(actor, obj)
        return True

    return _row_by_row(actor, selection, "delete", change)
