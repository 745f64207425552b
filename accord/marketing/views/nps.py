"""Marketing → NPS surveys: the list, a new draft, a survey's page with its results, sending it;
and the public page a recipient answers on (no sign-in, in their language)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.core import access
from accord.core.access import Action
from accord.core.errors import Conflict, message_dict
from accord.core.requests import AuthedRequest
from accord.marketing.models import ConsentPurpose, NpsResponse, NpsStatus
from accord.marketing.selectors import nps as selectors
from accord.marketing.selectors.segments import visible_segments
from accord.marketing.services import nps as services


@login_required
def nps_list(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "marketing/nps/list.html",
        {
            "surveys": list(selectors.visible_surveys(request.user).order_by("-created_at")[:500]),
            "can_create": access.can_create(request.user),
        },
    )


def _purposes() -> list[tuple[str, Any]]:
    return [(p.value, p.label) for p in (ConsentPurpose.NEWSLETTER, ConsentPurpose.OFFERS)]


@login_required
@require_http_methods(["GET", "POST"])
def nps_create(request: AuthedRequest) -> HttpResponse:
    access.require_create(request.user)
    values = {"name": "", "segment": request.GET.get("segment", ""), "question": "", "purpose": "newsletter"}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        values["purpose"] = values["purpose"] or ConsentPurpose.NEWSLETTER
        try:
            survey = services.create_survey(actor=request.user, data=values)
        except ValidationError as exc:
            errors, status = message_dict(exc), 422
        else:
            messages.success(request, _("The survey was saved as a draft."))
            return redirect("marketing:nps-detail", pk=survey.pk)
    return render(
        request,
        "marketing/nps/form.html",
        {
            "values": values,
            "errors": errors,
            "segments": list(visible_segments(request.user).order_by("name")[:500]),
            "purposes": _purposes(),
            "standard_question": services.standard_question(),
        },
        status=status,
    )


@login_required
def nps_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    survey = selectors.survey_detail(request.user, pk)
    grouping = "month" if request.GET.get("by") == "month" else "week"
    return render(
        request,
        "marketing/nps/detail.html",
        {
            "survey": survey,
            "question": services.question_of(survey),
            "results": selectors.results(survey, grouping=grouping),
            "grouping": grouping,
            "answers": selectors.answers(survey),
            "can_send": survey.status == NpsStatus.DRAFT and access.can(request.user, Action.CHANGE, survey),
        },
    )


@login_required
@require_POST
def nps_send(request: AuthedRequest, pk: Any) -> HttpResponse:
    survey = selectors.survey_detail(request.user, pk)
    access.require(request.user, Action.CHANGE, survey)
    try:
        count = services.send_survey(actor=request.user, survey=survey)
    except (ValidationError, Conflict) as exc:
        problems = message_dict(exc) if isinstance(exc, ValidationError) else {"__all__": [exc.message]}
        for found in problems.values():
            for problem in found:
                messages.error(request, problem)
    else:
        messages.success(request, _("The survey is on its way. Recipients: %(count)s.") % {"count": count})
    return redirect("marketing:nps-detail", pk=survey.pk)


# --- the public page --------------------------------------------------------------------------------


SCORES = list(range(0, 11))


def _public(
    request: HttpRequest, context: dict[str, Any], *, response: NpsResponse | None = None, status: int = 200
) -> HttpResponse:
    language = response.language if response is not None and response.language else translation.get_language()
    with translation.override(language):
        question = services.question_of(response.survey) if response is not None else ""
        page = render(
            request,
            "marketing/nps/public.html",
            {
                "response": response,
                "question": question,
                "scores": SCORES,
                "comment_limit": services.COMMENT_LIMIT,
                **context,
            },
            status=status,
        )
    page["Cache-Control"] = "no-store"
    page["Referrer-Policy"] = "same-origin"  # no leak of the token to other sites; a sound Origin for CSRF
    return page


@require_http_methods(["GET", "POST"])
def nps_public(request: HttpRequest, token: str) -> HttpResponse:
    try:
        response = services.read_response(token)
    except services.NpsUnavailable as exc:
        return _public(request, {"kind": "bad", "message": exc.message}, response=exc.response, status=400)
    if response.answered_at is not None:
        return _public(request, {"kind": "answered"}, response=response)
    if request.method == "POST":
        values = {"score": request.POST.get("score", ""), "comment": request.POST.get("comment", "")}
        try:
            response = services.answer(token=token, score=values["score"], comment=values["comment"])
        except ValidationError as exc:
            return _public(
                request, {"kind": "ask", "values": values, "errors": message_dict(exc)}, response=response, status=422
            )
        except services.NpsUnavailable as exc:
            return _public(request, {"kind": "answered"}, response=exc.response or response)
        return _public(request, {"kind": "answered", "thanks": True}, response=response)
    return _public(request, {"kind": "ask", "values": {}, "errors": {}}, response=response)
