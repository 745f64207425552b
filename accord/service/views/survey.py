"""The satisfaction survey's public page, reached from the e-mail sent when a ticket was resolved:
no sign-in, in the customer's language. GET shows the question (or the answer already given);
POST takes the answer once.

A link that is unknown or expired answers 400 with a page saying so, never an error 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accord.core.errors import message_dict
from accord.people.selectors import customer_language
from accord.service.models import SatisfactionSurvey
from accord.service.services import feedback

# What each score means, shown next to its radio button.
SCORES = [
    (1, _("Very dissatisfied")),
    (2, _("Dissatisfied")),
    (3, _("Neither satisfied nor dissatisfied")),
    (4, _("Satisfied")),
    (5, _("Very satisfied")),
]


def _page(
    request: HttpRequest, context: dict[str, Any], *, survey: SatisfactionSurvey | None = None, status: int = 200
) -> HttpResponse:
    """The page in the customer's language when the link names them, else in the browser's."""
    language = customer_language(contact=survey.contact) if survey is not None else translation.get_language()
    with translation.override(language):
        response = render(
            request,
            "service/survey/page.html",
            {"survey": survey, "scores": SCORES, "comment_limit": feedback.COMMENT_LIMIT, **context},
            status=status,
        )
    response["Cache-Control"] = "no-store"
    # The token must not leak to other sites; "no-referrer" would make the browser send the
    # form's POST with "Origin: null", which the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey = feedback.read_survey(token)
    except feedback.SurveyUnavailable as exc:
        return _page(request, {"kind": "bad", "message": exc.message}, survey=exc.survey, status=400)
    if survey.answered:
        return _page(request, {"kind": "answered"}, survey=survey)
    if request.method == "POST":
        values = {"score": request.POST.get("score", ""), "comment": request.POST.get("comment", "")}
        try:
            survey = feedback.answer_survey(token=token, score=values["score"], comment=values["comment"])
        except ValidationError as exc:
            return _page(
                request, {"kind": "ask", "values": values, "errors": message_dict(exc)}, survey=survey, status=422
            )
        except feedback.SurveyUnavailable as exc:
            return _page(request, {"kind": "answered", "message": exc.message}, survey=exc.survey or survey)
        return _page(request, {"kind": "answered", "thanks": True}, survey=survey)
    return _page(request, {"kind": "ask", "values": {}, "errors": {}}, survey=survey)
