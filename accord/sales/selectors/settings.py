"""Reads of the sales settings: pipelines and stages, lost reasons, scoring rules, web forms,
automation rules and the seller on quotes.

Settings are the same for every user (nothing in them is owned), so these are plain named reads;
who may change them is the services' and the screens' concern. A ``*_or_404`` read answers Http404
for a missing record and a malformed key alike; a ``find_*`` read answers None, for a field of a
request body whose error then names the field.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import Http404

from accord.sales.models import AutomationRule, LostReason, Pipeline, ScoringRule, SellerDetails, Stage, WebForm

M = TypeVar("M", bound=models.Model)


def _find(qs: QuerySet[M], pk: Any) -> M | None:
    if pk in (None, ""):
        return None
    try:
        return qs.filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


def _or_404(qs: QuerySet[M], pk: Any) -> M:
    found = _find(qs, pk)
    if found is None:
        raise Http404
    return found


# --- pipelines and stages ------------------------------------------------------------------------------


def pipelines(*, active: bool | None = None, with_stages: bool = False) -> QuerySet[Pipeline]:
    """Pipelines in their order (all, or only the active or archived ones)."""
    qs = Pipeline.objects.all()
    if active is not None:
        qs = qs.filter(active=active)
    return qs.prefetch_related("stages") if with_stages else qs


def pipelines_for_settings() -> QuerySet[Pipeline]:
    """Every pipeline with its number of stages and deals, active ones first."""
    return Pipeline.objects.annotate(
        stage_count=Count("stages", distinct=True), deal_count=Count("deals", distinct=True)
    ).order_by("-active", "position", "name")


def pipeline_or_404(pk: Any, *, with_stages: bool = False) -> Pipeline:
    return _or_404(pipelines(with_stages=with_stages), pk)


def find_pipeline(pk: Any) -> Pipeline | None:
    return _find(Pipeline.objects.all(), pk)


def stages_of(pipeline: Pipeline | Any) -> list[Stage]:
    """The stages of a pipeline (or of the pipeline with this id), in their order."""
    pipeline_id: Any = getattr(pipeline, "pk", pipeline)
    return list(Stage.objects.filter(pipeline_id=pipeline_id).order_by("position"))


def all_stages(*, active: bool | None = None) -> QuerySet[Stage]:
    """Every stage (of active pipelines only, with ``active=True``) with its pipeline, pipeline by
    pipeline, for filters and pickers."""
    qs = Stage.objects.select_related("pipeline").order_by("pipeline__position", "position")
    return qs.filter(pipeline__active=active) if active is not None else qs


def stage_or_404(pk: Any, *, pipeline: Pipeline | Any = None) -> Stage:
    """A stage with its pipeline (of ``pipeline`` when given: a Pipeline or its id)."""
    qs = Stage.objects.select_related("pipeline")
    if pipeline is not None:
        qs = qs.filter(pipeline_id=getattr(pipeline, "pk", pipeline))
    return _or_404(qs, pk)


def find_stage(pk: Any) -> Stage | None:
    return _find(Stage.objects.all(), pk)


# --- lost reasons --------------------------------------------------------------------------------------


def lost_reasons(*, active: bool | None = None) -> QuerySet[LostReason]:
    qs = LostReason.objects.order_by("position", "name")
    return qs.filter(active=active) if active is not None else qs


def lost_reasons_for_settings() -> QuerySet[LostReason]:
    """Every lost reason with the number of deals lost for it."""
    return LostReason.objects.annotate(deal_count=Count("deals")).order_by("position", "name")


def lost_reason_or_404(pk: Any) -> LostReason:
    return _or_404(LostReason.objects.all(), pk)


def find_lost_reason(pk: Any, *, active: bool | None = None) -> LostReason | None:
    return _find(lost_reasons(active=active), pk)


# --- lead scoring, web forms, automation, seller ---------------------------------------------------------


def scoring_rules(*, order: tuple[str, ...] = ("field", "value")) -> QuerySet[ScoringRule]:
    return ScoringRule.objects.order_by(*order)


def scoring_rule_or_404(pk: Any) -> ScoringRule:
    return _or_404(ScoringRule.objects.all(), pk)


def web_forms() -> QuerySet[WebForm]:
    return WebForm.objects.select_related("owner").order_by("name")


def web_forms_for_settings() -> QuerySet[WebForm]:
    """Every web form with its owner and the number of leads it brought, active ones first."""
    return WebForm.objects.select_related("owner").annotate(lead_count=Count("leads")).order_by("-active", "name")


def web_form_or_404(pk: Any) -> WebForm:
    return _or_404(WebForm.objects.select_related("owner"), pk)


def public_web_form(key: Any) -> WebForm:
    """The active web form with this public key (what a website posts to); Http404 otherwise."""
    form = WebForm.objects.filter(key=key, active=True).first() if isinstance(key, str) else None
    if form is None:
        raise Http404
    return form


def automation_rules(*, for_settings: bool = False) -> QuerySet[AutomationRule]:
    """Automation rules by name; ``for_settings``: with their pipeline and stage, active ones first."""
    if for_settings:
        return AutomationRule.objects.select_related("pipeline", "stage").order_by("-active", "name")
    return AutomationRule.objects.order_by("name")


def automation_rule_or_404(pk: Any) -> AutomationRule:
    return _or_404(AutomationRule.objects.all(), pk)


def seller_details() -> SellerDetails | None:
    """The seller quotes print (the first one saved), if set."""
    return SellerDetails.objects.order_by("created_at").first()


def active_counts() -> dict[str, int]:
    """How many of each setting are active, for the settings overview."""
    return {
        "pipelines": Pipeline.objects.filter(active=True).count(),
        "lost_reasons": LostReason.objects.filter(active=True).count(),
        "scoring_rules": ScoringRule.objects.filter(active=True).count(),
        "web_forms": WebForm.objects.filter(active=True).count(),
        "automation_rules": AutomationRule.objects.filter(active=True).count(),
    }
