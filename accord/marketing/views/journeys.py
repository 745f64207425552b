"""Marketing → Journeys: the list, the journey's settings (name, what starts it, the consent it
sends under), its page (the steps as a flow with each step's figures, start and pause, who went
through lately), and a form per step. Every rule is the journeys service's, as for the API.

A step is added by choosing its kind first: the form then asks only what that kind needs, so no
script is needed to hide the others.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core import access
from accord.core.access import Action
from accord.core.errors import Conflict, message_dict
from accord.core.requests import AuthedRequest
from accord.marketing.models import (
    BranchCondition,
    ConsentPurpose,
    Journey,
    JourneyStatus,
    JourneyStep,
    JourneyTrigger,
    RunOutcome,
    StepKind,
)
from accord.marketing.selectors import journeys as selectors
from accord.marketing.selectors.segments import visible_segments
from accord.marketing.services import campaign_content as content
from accord.marketing.services import journeys as services

FIELDS = ("name", "trigger", "segment", "web_form", "include_current", "purpose")
STEP_FIELDS = {
    StepKind.WAIT: ("days", "hours"),
    StepKind.EMAIL: ("subject", "body", "button_text", "button_url"),
    StepKind.SMS: ("text",),
    StepKind.BRANCH: ("condition", "step", "otherwise"),
    StepKind.TASK: ("title", "due_days"),
    StepKind.TAG: ("tag",),
}


def _version(request: AuthedRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


@login_required
def journey_list(request: AuthedRequest) -> HttpResponse:
    journeys = selectors.visible_journeys(request.user).order_by("-created_at", "-id")
    status = request.GET.get("status", "")
    if status in JourneyStatus.values:
        journeys = journeys.filter(status=status)
    shown = list(journeys[:500])
    counts = selectors.enrolled_counts(shown)
    return render(
        request,
        "marketing/journeys/list.html",
        {
            "journeys": [(j, counts.get(j.pk, 0)) for j in shown],
            "status": status,
            "statuses": JourneyStatus.choices,
            "can_create": access.can_create(request.user),
        },
    )


# --- the journey's settings -------------------------------------------------------------------------------


def _settings_page(
    request: AuthedRequest,
    *,
    journey: Journey | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    from accord.sales.selectors.settings import web_forms

    errors = errors or {}
    return render(
        request,
        "marketing/journeys/form.html",
        {
            "journey": journey,
            "values": values,
            "errors": errors,
            "general_errors": [m for key, found in errors.items() if key not in FIELDS for m in found],
            "triggers": JourneyTrigger.choices,
            "purposes": [(p.value, p.label) for p in services.PURPOSES],
            "segments": list(visible_segments(request.user).order_by("name")[:500]),
            "web_forms": list(web_forms().order_by("name")[:200]),
        },
        status=status,
    )


def _posted(request: AuthedRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "name": post.get("name", ""),
        "trigger": post.get("trigger", ""),
        "segment": post.get("segment", ""),
        "web_form": post.get("web_form", ""),
        "include_current": bool(post.get("include_current")),
        "purpose": post.get("purpose", ""),
    }


@login_required
def journey_create(request: AuthedRequest) -> HttpResponse:
    access.require_create(request.user)
    if request.method == "POST":
        values = _posted(request)
        try:
            journey = services.create_journey(actor=request.user, data=values)
        except ValidationError as exc:
            return _settings_page(request, journey=None, values=values, errors=message_dict(exc), status=422)
        messages.success(request, _("The journey was created: add its steps."))
        return redirect("marketing:journey-detail", pk=journey.pk)
    values = {"trigger": JourneyTrigger.SEGMENT_JOINED, "purpose": ConsentPurpose.OFFERS}
    return _settings_page(request, journey=None, values=values)


@login_required
def journey_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    journey = selectors.journey_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, journey)
    if request.method == "POST":
        values = _posted(request)
        try:
            services.update_journey(
                actor=request.user, journey=journey, data=values, expected_version=_version(request)
            )
        except ValidationError as exc:
            values["version"] = journey.version
            return _settings_page(request, journey=journey, values=values, errors=message_dict(exc), status=422)
        except Conflict as exc:
            values["version"] = journey.version
            return _settings_page(
                request, journey=journey, values=values, errors={"__all__": [exc.message]}, status=409
            )
        messages.success(request, _("The journey was saved."))
        return redirect("marketing:journey-detail", pk=journey.pk)
    values = {
        "name": journey.name,
        "trigger": journey.trigger,
        "segment": str(journey.segment_id or ""),
        "web_form": str(journey.web_form_id or ""),
        "include_current": journey.include_current,
        "purpose": journey.purpose,
        "version": journey.version,
    }
    return _settings_page(request, journey=journey, values=values)


# --- the journey's page -------------------------------------------------------------------------------------


OUTCOME_LABELS = dict(RunOutcome.choices)


def _describe(step: JourneyStep, positions: dict[int, int]) -> str:
    """One line saying what a step does."""
    config = step.config
    if step.kind == StepKind.WAIT:
        days, hours = int(config.get("days") or 0), int(config.get("hours") or 0)
        parts = []
        if days:
            parts.append(_("%(n)d d") % {"n": days})
        if hours:
            parts.append(_("%(n)d h") % {"n": hours})
        return _("Wait %(time)s") % {"time": " ".join(parts)}
    if step.kind == StepKind.EMAIL:
        return _("E-mail “%(subject)s”") % {"subject": config.get("subject", "")}
    if step.kind == StepKind.SMS:
        text = str(config.get("text", ""))
        return _("SMS “%(text)s”") % {"text": text if len(text) <= 60 else text[:59] + "…"}
    if step.kind == StepKind.BRANCH:
        asked = positions.get(config.get("step") or 0)
        otherwise = config.get("otherwise")
        condition = dict(BranchCondition.choices).get(config.get("condition", ""), "")
        then = (
            _("otherwise go to step %(n)d") % {"n": positions[otherwise]}
            if otherwise in positions
            else _("otherwise the journey ends")
        )
        return _("If they %(condition)s of step %(n)s, go on; %(then)s") % {
            "condition": condition,
            "n": asked if asked is not None else "?",
            "then": then,
        }
    if step.kind == StepKind.TASK:
        return _("Task for the contact's owner: “%(title)s”, due in %(days)d days") % {
            "title": config.get("title", ""),
            "days": int(config.get("due_days") or 0),
        }
    return _("Add the tag “%(tag)s”") % {"tag": config.get("tag", "")}


@login_required
def journey_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    journey = selectors.journey_detail(request.user, pk)
    may_change = access.can(request.user, Action.CHANGE, journey)
    stats = selectors.step_stats(journey)
    positions = {s.step.pk: s.step.position for s in stats}
    rows = [
        {
            "stats": s,
            "text": _describe(s.step, positions),
            "outcomes": [(OUTCOME_LABELS.get(k, k), n) for k, n in sorted(s.outcomes.items())],
        }
        for s in stats
    ]
    return render(
        request,
        "marketing/journeys/detail.html",
        {
            "journey": journey,
            "may_change": may_change,
            "editable": may_change and services.steps_editable(journey),
            "rows": rows,
            "totals": selectors.totals(journey),
            "problems": [m for found in services.problems(journey).values() for m in found]
            if journey.status != JourneyStatus.ACTIVE
            else [],
            "kinds": StepKind.choices,
            "recent": selectors.recent_enrollments(journey),
        },
    )


def _act(request: AuthedRequest, pk: Any, action: Any, done: str) -> HttpResponse:
    journey = selectors.journey_detail(request.user, pk)
    try:
        action(actor=request.user, journey=journey, expected_version=_version(request))
    except ValidationError as exc:
        for found in message_dict(exc).values():
            for message in found:
                messages.error(request, message)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("marketing:journey-detail", pk=journey.pk)


@login_required
@require_POST
def journey_activate(request: AuthedRequest, pk: Any) -> HttpResponse:
    return _act(request, pk, services.activate, _("The journey is running."))


@login_required
@require_POST
def journey_pause(request: AuthedRequest, pk: Any) -> HttpResponse:
    return _act(request, pk, services.pause, _("The journey is paused: no one new joins and no step runs."))


@login_required
@require_POST
def journey_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    journey = selectors.journey_detail(request.user, pk)
    try:
        services.delete_journey(actor=request.user, journey=journey, expected_version=_version(request))
    except ValidationError as exc:
        for found in message_dict(exc).values():
            for message in found:
                messages.error(request, message)
        return redirect("marketing:journey-detail", pk=journey.pk)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("marketing:journey-detail", pk=journey.pk)
    messages.success(request, _("The journey was deleted."))
    return redirect("marketing:journey-list")


# --- a step ---------------------------------------------------------------------------------------------------


def _step(journey: Journey, step_pk: Any) -> JourneyStep:
    step = journey.steps.filter(pk=step_pk).first() if str(step_pk).isdigit() else None
    if step is None:
        raise Http404
    return step


def _step_page(
    request: AuthedRequest,
    *,
    journey: Journey,
    kind: str,
    step: JourneyStep | None,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    others = [s for s in selectors.steps_of(journey) if step is None or s.pk != step.pk]
    positions = {s.pk: s.position for s in selectors.steps_of(journey)}
    return render(
        request,
        "marketing/journeys/step_form.html",
        {
            "journey": journey,
            "kind": kind,
            "kind_label": StepKind(kind).label,
            "step": step,
            "values": {k: ("" if v is None else str(v)) for k, v in values.items()},
            "errors": errors,
            "general_errors": [
                m for key, found in errors.items() if key not in STEP_FIELDS[StepKind(kind)] for m in found
            ],
            "conditions": BranchCondition.choices,
            "emails": [(s.pk, _describe(s, positions), s.position) for s in others if s.kind == StepKind.EMAIL],
            "targets": [(s.pk, s.position, _describe(s, positions)) for s in others],
            "variables": content.VARIABLES,
        },
        status=status,
    )


def _step_values(request: AuthedRequest, kind: str) -> dict[str, Any]:
    return {name: request.POST.get(name, "") for name in STEP_FIELDS[StepKind(kind)]}


@login_required
def step_create(request: AuthedRequest, pk: Any, step_kind: str) -> HttpResponse:
    kind = step_kind
    journey = selectors.journey_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, journey)
    if kind not in StepKind.values:
        raise Http404
    if not services.steps_editable(journey):
        messages.error(request, _("Pause the journey before changing its steps."))
        return redirect("marketing:journey-detail", pk=journey.pk)
    if request.method == "POST":
        values = _step_values(request, kind)
        try:
            services.add_step(
                actor=request.user, journey=journey, kind=kind, config=values, expected_version=_version(request)
            )
        except ValidationError as exc:
            return _step_page(
                request, journey=journey, kind=kind, step=None, values=values, errors=message_dict(exc), status=422
            )
        except Conflict as exc:
            errors = {"__all__": [exc.message]}
            return _step_page(request, journey=journey, kind=kind, step=None, values=values, errors=errors, status=409)
        messages.success(request, _("The step was added."))
        return redirect("marketing:journey-detail", pk=journey.pk)
    initial: dict[str, Any] = {"days": 1} if kind == StepKind.WAIT else {}
    return _step_page(request, journey=journey, kind=kind, step=None, values=initial)


@login_required
def step_edit(request: AuthedRequest, pk: Any, step_pk: Any) -> HttpResponse:
    journey = selectors.journey_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, journey)
    step = _step(journey, step_pk)
    if not services.steps_editable(journey):
        messages.error(request, _("Pause the journey before changing its steps."))
        return redirect("marketing:journey-detail", pk=journey.pk)
    if request.method == "POST":
        values = _step_values(request, step.kind)
        try:
            services.update_step(actor=request.user, step=step, config=values, expected_version=_version(request))
        except ValidationError as exc:
            return _step_page(
                request, journey=journey, kind=step.kind, step=step, values=values, errors=message_dict(exc), status=422
            )
        except Conflict as exc:
            errors = {"__all__": [exc.message]}
            return _step_page(
                request, journey=journey, kind=step.kind, step=step, values=values, errors=errors, status=409
            )
        messages.success(request, _("The step was saved."))
        return redirect("marketing:journey-detail", pk=journey.pk)
    return _step_page(request, journey=journey, kind=step.kind, step=step, values=dict(step.config))


@login_required
@require_POST
def step_move(request: AuthedRequest, pk: Any, step_pk: Any) -> HttpResponse:
    journey = selectors.journey_detail(request.user, pk)
    step = _step(journey, step_pk)
    try:
        services.move_step(
            actor=request.user, step=step, up=request.POST.get("to") == "up", expected_version=_version(request)
        )
    except (ValidationError, Conflict) as exc:
        messages.error(request, exc.message if isinstance(exc, Conflict) else " ".join(exc.messages))
    return redirect("marketing:journey-detail", pk=journey.pk)


@login_required
@require_POST
def step_remove(request: AuthedRequest, pk: Any, step_pk: Any) -> HttpResponse:
    journey = selectors.journey_detail(request.user, pk)
    step = _step(journey, step_pk)
    try:
        services.remove_step(actor=request.user, step=step, expected_version=_version(request))
    except (ValidationError, Conflict) as exc:
        messages.error(request, exc.message if isinstance(exc, Conflict) else " ".join(exc.messages))
    else:
        messages.success(request, _("The step was removed."))
    return redirect("marketing:journey-detail", pk=journey.pk)


def received_context(request: HttpRequest, contact: Any) -> dict[str, Any]:
    """The contact page's panel of the campaigns and journeys that reached the contact."""
    return {"contact": contact, "received": selectors.received(request.user, contact)}
