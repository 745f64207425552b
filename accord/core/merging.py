"""Moving every reference from duplicates to the record that survives a merge.

The references are found from the model's metadata, not listed by hand, so a module added later
(deals, tickets, invoices pointing at a contact) is carried over by a merge without knowing of it.
Generic references (a content type and an object id, as attachments hold) are found the same way:
every model's generic foreign keys are asked whether they point at the merged records.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from accord.core.models import AuditEntry, entity_label


def _unique_sets(model: type[models.Model], field_name: str) -> list[list[str]]:
    """The other fields of each unique constraint that includes ``field_name`` (an empty list when
    the field is unique by itself, as a one-to-one is)."""
    sets: list[list[str]] = []
    if getattr(model._meta.get_field(field_name), "unique", False):
        sets.append([])
    for constraint in model._meta.constraints:
        fields = list(getattr(constraint, "fields", ()) or ())
        if isinstance(constraint, models.UniqueConstraint) and field_name in fields and constraint.condition is None:
            sets.append([f for f in fields if f != field_name])
    for together in model._meta.unique_together:
        if field_name in together:
            sets.append([f for f in together if f != field_name])
    return sets


def _clashing_rows(
    manager: Any, fk_name: str, survivor: models.Model, other_ids: list[Any], other_fields: list[str]
) -> list[Any]:
    """Rows of the duplicates that would repeat a key once they all point at the survivor: keys the
    survivor already has, and keys two duplicates share (the first of those, by id, moves)."""
    taken: set[tuple[Any, ...]] = {
        tuple(row[f] for f in other_fields) for row in manager.filter(**{fk_name: survivor}).values("pk", *other_fields)
    }
    clashing = []
    for row in manager.filter(**{f"{fk_name}__in": other_ids}).order_by("pk").values("pk", *other_fields):
        key = tuple(row[f] for f in other_fields)
        if None in key:
            continue  # NULLs never clash in a unique index
        if key in taken:
            clashing.append(row["pk"])
        else:
            taken.add(key)
    return clashing


def _label(model: Any) -> str:
    return str(model._meta.label_lower)


def reassign_references(
    model: type[models.Model],
    survivor: models.Model,
    others: Sequence[models.Model],
    *,
    skip: Iterable[str] = (),
) -> dict[str, int]:
    """Point every foreign key and many-to-many row that refers to ``others`` at ``survivor``.

    A row that would break a unique constraint (the survivor already has that tag, already took
    part in that meeting) is deleted instead: the survivor already says the same thing.
    Returns how many rows moved per relation.
    """
    skip = set(skip)
    other_ids = [o.pk for o in others]
    moved: dict[str, int] = {}
    relations: list[tuple[type[models.Model], str, str]] = []
    for rel in model._meta.related_objects:
        if rel.many_to_many:
            through: Any = getattr(rel, "through", None) or rel.field.remote_field.through  # type: ignore[attr-defined]
            if not through._meta.auto_created:
                continue  # an explicit through model is reached as a one-to-many relation too
            fk = next(f for f in through._meta.fields if f.is_relation and f.related_model is model)
            relations.append((through, fk.name, f"{_label(rel.related_model)}.{rel.field.name}"))
        elif rel.one_to_many or rel.one_to_one:
            related = rel.related_model
            assert related is not None
            relations.append((related, rel.field.name, f"{_label(related)}.{rel.field.name}"))
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created:
            fk = next(f for f in through._meta.fields if f.is_relation and f.related_model is model and f.name != "id")
            relations.append((through, fk.name, f"{model._meta.label_lower}.{field.name}"))
    for related_model, fk_name, label in relations:
        if label in skip:
            continue
        for other_fields in _unique_sets(related_model, fk_name):
            clashing = _clashing_rows(related_model._default_manager, fk_name, survivor, other_ids, other_fields)
            if clashing:
                related_model._default_manager.filter(pk__in=clashing).delete()
        count = related_model._default_manager.filter(**{f"{fk_name}__in": other_ids}).update(**{fk_name: survivor})
        if count:
            moved[label] = count
    moved.update(_reassign_generic(model, survivor, other_ids, skip))
    return moved


def _reassign_generic(
    model: type[models.Model], survivor: models.Model, other_ids: list[Any], skip: set[str]
) -> dict[str, int]:
    """Point generic references (content type + object id) at the survivor."""
    record_type = ContentType.objects.get_for_model(model)
    moved: dict[str, int] = {}
    for related_model in apps.get_models():
        for field in related_model._meta.private_fields:
            if not isinstance(field, GenericForeignKey):
                continue
            label = f"{_label(related_model)}.{field.name}"
            if label in skip:
                continue
            count = related_model._default_manager.filter(
                **{field.ct_field: record_type, f"{field.fk_field}__in": other_ids}
            ).update(**{field.fk_field: survivor.pk})
            if count:
                moved[label] = count
    return moved


def move_history(model: type[models.Model], survivor: Any, others: Sequence[Any]) -> int:
    """The duplicates' audit trail becomes part of the survivor's."""
    return AuditEntry.objects.filter(entity=entity_label(model), object_id__in=[o.pk for o in others]).update(
        object_id=survivor.pk
    )
