"""Pipelines and their stages, kept by administrators."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import AccessDenied
from accord.core.errors import check_version
from accord.sales.models import Deal, DealStageChange, Pipeline, Stage, StageKind

if TYPE_CHECKING:
    from accord.identity.models import User


def _require_admin(actor: User | None) -> None:
    if actor is not None and not access.is_admin(actor):
        raise AccessDenied()


@transaction.atomic
def save_pipeline(
    *,
    actor: User | None,
    pipeline: Pipeline | None,
    name: str,
    stages: Sequence[Mapping[str, Any]],
    is_default: bool = False,
) -> Pipeline:
    """Create or change a pipeline with its stages in order. A stage that is left out is removed,
    which is refused while deals stand in it. Each pipeline keeps one won and one lost stage."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    elif Pipeline.objects.filter(name__iexact=name).exclude(pk__in=[pipeline.pk] if pipeline else []).exists():
        errors["name"] = [_("Another pipeline has this name.")]
    seen: set[str] = set()
    for i, given in enumerate(stages):
        stage_name = str(given.get("name", "")).strip()
        probability = given.get("probability", 0)
        if not stage_name:
            errors[f"stages.{i}.name"] = [_("This field is required.")]
        elif stage_name.casefold() in seen:
            errors[f"stages.{i}.name"] = [_("Two stages cannot have the same name.")]
        seen.add(stage_name.casefold())
        try:
            if not 0 <= int(probability) <= 100:
                raise ValueError
        except (TypeError, ValueError):
            errors[f"stages.{i}.probability"] = [_("Enter a number from 0 to 100.")]
        if given.get("kind", StageKind.OPEN) not in StageKind.values:
            errors[f"stages.{i}.kind"] = [_("Choose open, won or lost.")]
    kinds = [s.get("kind", StageKind.OPEN) for s in stages]
    if kinds.count(StageKind.OPEN) < 1 or kinds.count(StageKind.WON) != 1 or kinds.count(StageKind.LOST) != 1:
        errors["stages"] = [_("A pipeline needs open stages, one won stage and one lost stage.")]
    kept = [s["id"] for s in stages if s.get("id")]
    if pipeline is None:
        target = Pipeline(name=name)
    else:
        target = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
        removed = target.stages.exclude(pk__in=kept)
        busy = [s.name for s in removed if Deal.objects.filter(stage=s).exists()]
        if busy:
            errors["stages"] = [_("Move the deals out of %(stages)s before removing it.") % {"stages": ", ".join(busy)}]
    if errors:
        raise ValidationError(errors)
    creating = pipeline is None
    before = None if creating else changes.snapshot(target, extra={"stages": [s.name for s in target.stages.all()]})
    target.name = name
    if is_default:
        Pipeline.objects.exclude(pk=target.pk).update(is_default=False)
        target.is_default = True
    target.save()
    if not creating:
        target.stages.exclude(pk__in=kept).delete()
    for position, data in enumerate(stages):
        existing = Stage.objects.filter(pk=data["id"], pipeline=target).first() if data.get("id") else None
        stage = existing or Stage(pipeline=target)
        stage.name = str(data["name"]).strip()
        stage.probability = int(data.get("probability", 0))
        stage.kind = data.get("kind", StageKind.OPEN)
        # Positions are rewritten from the top so renames and reorders never collide.
        stage.position = 1000 + position
        stage.save()
    _renumber(target, list(target.stages.order_by("position").values_list("pk", flat=True)))
    after = {"stages": [s.name for s in target.stages.order_by("position")]}
    if creating:
        changes.record_create(actor=actor, obj=target, extra=after)
    else:
        assert before is not None
        changes.record_update(actor=actor, obj=target, before=before, extra=after)
    return target


# --- one change at a time, for the settings screens and the API -----------------------------------------


def _stages_extra(pipeline: Pipeline) -> dict[str, Any]:
    stages = Stage.objects.filter(pipeline=pipeline).order_by("position")
    return {"stages": [f"{s.name} ({s.probability}%, {s.kind})" for s in stages]}


def _check_kinds(kinds: Sequence[str], errors: dict[str, list[str]], field: str = "kind") -> None:
    if kinds.count(StageKind.WON) > 1:
        errors[field] = [_("A pipeline has one won stage; change the other one first.")]
    elif kinds.count(StageKind.LOST) > 1:
        errors[field] = [_("A pipeline has one lost stage; change the other one first.")]
    elif kinds.count(StageKind.WON) < 1 or kinds.count(StageKind.LOST) < 1 or kinds.count(StageKind.OPEN) < 1:
        errors[field] = [_("A pipeline needs open stages, one won stage and one lost stage.")]


def _clean_stage(
    pipeline: Pipeline, stage: Stage | None, data: Mapping[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if "name" in data or stage is None:
        name = str(data.get("name") or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > 80:
            errors["name"] = [_("Use at most 80 characters.")]
        elif (
            Stage.objects.filter(pipeline=pipeline, name__iexact=name)
            .exclude(pk__in=[stage.pk] if stage else [])
            .exists()
        ):
            errors["name"] = [_("Two stages cannot have the same name.")]
        cleaned["name"] = name
    if "probability" in data or stage is None:
        raw = data.get("probability", 0)
        try:
            probability = int(str(raw).strip() or "x")
            if not 0 <= probability <= 100:
                raise ValueError
        except (TypeError, ValueError):
            errors["probability"] = [_("Enter a number from 0 to 100.")]
        else:
            cleaned["probability"] = probability
    if "kind" in data or stage is None:
        kind = data.get("kind") or StageKind.OPEN
        if kind not in StageKind.values:
            errors["kind"] = [_("Choose open, won or lost.")]
        else:
            cleaned["kind"] = kind
    return cleaned


@transaction.atomic
def update_pipeline(
    *, actor: User | None, pipeline: Pipeline, data: Mapping[str, Any], expected_version: int | None = None
) -> Pipeline:
    """Rename a pipeline, make it the default, or archive it (it leaves the board and new deals;
    its deals keep their stages)."""
    _require_admin(actor)
    locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    check_version(locked, expected_version)
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > 80:
            errors["name"] = [_("Use at most 80 characters.")]
        elif Pipeline.objects.filter(name__iexact=name).exclude(pk=locked.pk).exists():
            errors["name"] = [_("Another pipeline has this name.")]
        locked.name = name
    if "active" in data:
        locked.active = bool(data["active"])
    if "is_default" in data and bool(data["is_default"]) != locked.is_default:
        if not data["is_default"]:
            errors["is_default"] = [_("Make another pipeline the default instead.")]
        locked.is_default = bool(data["is_default"])
    if locked.is_default and not locked.active:
        errors["active" if "active" in data else "is_default"] = [
            _("The default pipeline cannot be archived; make another one the default first.")
        ]
    if "position" in data:
        try:
            locked.position = max(0, min(int(data["position"]), 32767))
        except (TypeError, ValueError):
            errors["position"] = [_("Enter a whole number.")]
    if errors:
        raise ValidationError(errors)
    if changes.snapshot(locked) == before:
        return locked
    if locked.is_default:
        Pipeline.objects.exclude(pk=locked.pk).filter(is_default=True).update(is_default=False)
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


def create_pipeline(*, actor: User | None, name: str, is_default: bool = False) -> Pipeline:
    """A new pipeline starts with the usual stages, which the admin then renames and reorders."""
    from accord.sales.defaults import STAGES

    stages = [{"name": stage_name, "probability": p, "kind": kind} for stage_name, p, kind in STAGES]
    return save_pipeline(actor=actor, pipeline=None, name=name, stages=stages, is_default=is_default)


def _renumber(pipeline: Pipeline, ordered: Sequence[Any]) -> None:
    """Stages in ``ordered`` (ids; others' stages ignored) numbered 0, 1, 2... in two statements:
    first out of the way (1000+), then into place, so positions never collide mid-way."""
    mine = {str(pk) for pk in Stage.objects.filter(pipeline=pipeline).values_list("pk", flat=True)}
    placed = [(position, pk) for position, pk in enumerate(ordered) if str(pk) in mine]
    Stage.objects.bulk_update([Stage(pk=pk, position=1000 + position) for position, pk in placed], ["position"])
    Stage.objects.bulk_update([Stage(pk=pk, position=position) for position, pk in placed], ["position"])


def _touch(actor: User | None, pipeline: Pipeline, before: Any) -> None:
    after = _stages_extra(pipeline)
    if changes.snapshot(pipeline, extra=after) == before:
        return
    pipeline.version += 1
    pipeline.save(update_fields=["version", "updated_at"])
    changes.record_update(actor=actor, obj=pipeline, before=before, extra=after)


@transaction.atomic
def add_stage(*, actor: User | None, pipeline: Pipeline, data: Mapping[str, Any]) -> Stage:
    """Add a stage; an open one goes after the last open stage, before won and lost."""
    _require_admin(actor)
    locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    errors: dict[str, list[str]] = {}
    cleaned = _clean_stage(locked, None, data, errors)
    existing = list(Stage.objects.filter(pipeline=locked).order_by("position"))
    if cleaned.get("kind", StageKind.OPEN) != StageKind.OPEN and any(s.kind == cleaned["kind"] for s in existing):
        _check_kinds([*[s.kind for s in existing], cleaned["kind"]], errors)
    if errors:
        raise ValidationError(errors)
    before = changes.snapshot(locked, extra=_stages_extra(locked))
    stage = Stage.objects.create(pipeline=locked, position=1000 + len(existing), **cleaned)
    order = [s.pk for s in existing]
    if stage.kind == StageKind.OPEN:
        last_open = max((i for i, s in enumerate(existing) if s.kind == StageKind.OPEN), default=-1)
        order.insert(last_open + 1, stage.pk)
    else:
        order.append(stage.pk)
    _renumber(locked, order)
    _touch(actor, locked, before)
    changes.record_create(actor=actor, obj=stage)
    stage.refresh_from_db()
    return stage


@transaction.atomic
def update_stage(
    *, actor: User | None, stage: Stage, data: Mapping[str, Any], expected_version: int | None = None
) -> Stage:
    """Rename a stage, change its win probability or its kind (open, won, lost)."""
    _require_admin(actor)
    pipeline = Pipeline.objects.select_for_update().get(pk=stage.pipeline_id)
    locked = Stage.objects.select_for_update().get(pk=stage.pk)
    check_version(locked, expected_version)
    errors: dict[str, list[str]] = {}
    cleaned = _clean_stage(pipeline, locked, data, errors)
    if "kind" in cleaned and cleaned["kind"] != locked.kind:
        kinds = [cleaned["kind"] if s.pk == locked.pk else s.kind for s in Stage.objects.filter(pipeline=pipeline)]
        _check_kinds(kinds, errors)
        if "kind" not in errors and Deal.objects.filter(stage=locked).exists():
            errors["kind"] = [_("Deals stand in this stage; move them out before changing its kind.")]
    if errors:
        raise ValidationError(errors)
    before_pipeline = changes.snapshot(pipeline, extra=_stages_extra(pipeline))
    before = changes.snapshot(locked)
    for name, value in cleaned.items():
        setattr(locked, name, value)
    if changes.snapshot(locked) == before:
        return locked
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    _touch(actor, pipeline, before_pipeline)
    return locked


@transaction.atomic
def reorder_stages(
    *, actor: User | None, pipeline: Pipeline, order: Sequence[Any], expected_version: int | None = None
) -> Pipeline:
    """Put the pipeline's stages in the given order (every stage id, once)."""
    _require_admin(actor)
    locked = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    check_version(locked, expected_version)
    current = {str(pk) for pk in Stage.objects.filter(pipeline=locked).values_list("pk", flat=True)}
    given = [str(pk) for pk in order]
    if len(given) != len(set(given)) or set(given) != current:
        raise ValidationError({"order": [_("List every stage of this pipeline once.")]})
    before = changes.snapshot(locked, extra=_stages_extra(locked))
    _renumber(locked, given)
    _touch(actor, locked, before)
    return locked


def move_stage(*, actor: User | None, stage: Stage, offset: int) -> Pipeline:
    """Move a stage one place up (-1) or down (+1): the keyboard's way to reorder."""
    order = [str(pk) for pk in Stage.objects.filter(pipeline_id=stage.pipeline_id).values_list("pk", flat=True)]
    index = order.index(str(stage.pk))
    target = max(0, min(len(order) - 1, index + offset))
    order.insert(target, order.pop(index))
    return reorder_stages(actor=actor, pipeline=stage.pipeline, order=order)


@transaction.atomic
def delete_stage(*, actor: User | None, stage: Stage, expected_version: int | None = None) -> None:
    """Remove a stage no deal has ever stood in; the pipeline keeps its won and lost stages."""
    _require_admin(actor)
    pipeline = Pipeline.objects.select_for_update().get(pk=stage.pipeline_id)
    locked = Stage.objects.select_for_update().get(pk=stage.pk)
    check_version(locked, expected_version)
    errors: dict[str, list[str]] = {}
    remaining = [s.kind for s in Stage.objects.filter(pipeline=pipeline).exclude(pk=locked.pk)]
    _check_kinds(remaining, errors, field="stage")
    if not errors and (
        Deal.objects.filter(stage=locked).exists()
        or DealStageChange.objects.filter(Q(from_stage=locked) | Q(to_stage=locked)).exists()
    ):
        errors["stage"] = [_("Deals have stood in %(stage)s; rename it instead of removing it.") % {"stage": locked}]
    if errors:
        raise ValidationError(errors)
    before = changes.snapshot(pipeline, extra=_stages_extra(pipeline))
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()
    _renumber(pipeline, list(Stage.objects.filter(pipeline=pipeline).order_by("position").values_list("pk", flat=True)))
    _touch(actor, pipeline, before)
