"""Pipelines and their stages, kept by administrators."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import AccessDenied
from accord.sales.models import Deal, Pipeline, Stage, StageKind


def _require_admin(actor: Any) -> None:
    if actor is not None and not access.is_admin(actor):
        raise AccessDenied()


@transaction.atomic
def save_pipeline(
    *, actor: Any, pipeline: Pipeline | None, name: str, stages: Sequence[Mapping[str, Any]], is_default: bool = False
) -> Pipeline:
    """Create or change a pipeline with its stages in order. A stage that is left out is removed,
    which is refused while deals stand in it. Each pipeline keeps one won and one lost stage."""
    _require_admin(actor)
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    elif Pipeline.objects.filter(name=name).exclude(pk__in=[pipeline.pk] if pipeline else []).exists():
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
    for position, stage in enumerate(target.stages.order_by("position")):
        Stage.objects.filter(pk=stage.pk).update(position=position)
    after = {"stages": [s.name for s in target.stages.order_by("position")]}
    if creating:
        changes.record_create(actor=actor, obj=target, extra=after)
    else:
        assert before is not None
        changes.record_update(actor=actor, obj=target, before=before, extra=after)
    return target
