"""REST endpoints of NPS surveys: the surveys the caller may see, one with its results (NPS,
promoters, passives, detractors, per week or month), a new draft, and sending it to its segment."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema

from accord.core import idempotency
from accord.core.api import ERRORS, StrictSchema
from accord.core.errors import message_dict
from accord.core.requests import AuthedRequest
from accord.marketing.models import NpsSurvey
from accord.marketing.selectors import nps as selectors
from accord.marketing.services import nps as services

router = Router(tags=["marketing"])


class NpsSurveyOut(Schema):
    id: uuid.UUID
    name: str
    segment_id: uuid.UUID
    purpose: str
    question: str
    status: str
    sent_at: datetime.datetime | None
    version: int


class NpsFiguresOut(Schema):
    period: datetime.date | None = None
    sent: int
    answered: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    response_rate: float | None


class NpsResultsOut(Schema):
    survey: NpsSurveyOut
    total: NpsFiguresOut
    periods: list[NpsFiguresOut]


class NpsSurveyIn(StrictSchema):
    name: str
    segment_id: uuid.UUID
    purpose: Literal["newsletter", "offers"] = "newsletter"
    question: str = ""


class SentOut(Schema):
    recipients: int
    survey: NpsSurveyOut


def _figures(row: Any, with_period: bool = False) -> dict[str, Any]:
    found = {
        name: getattr(row, name)
        for name in ("sent", "answered", "promoters", "passives", "detractors", "nps", "response_rate")
    }
    if with_period:
        found["period"] = row.key
    return found


@router.get("/nps-surveys", response={200: list[NpsSurveyOut], **ERRORS})
def list_surveys(request: HttpRequest) -> Any:
    return list(selectors.visible_surveys(request.user).order_by("-created_at")[:500])


@router.get("/nps-surveys/{uuid:survey_id}", response={200: NpsResultsOut, **ERRORS})
def get_survey(request: HttpRequest, survey_id: uuid.UUID, grouping: Literal["week", "month"] = "week") -> Any:
    """The survey and its results: in total and per week (month) of answering."""
    survey = selectors.survey_detail(request.user, survey_id)
    results = selectors.results(survey, grouping=grouping)
    return {
        "survey": survey,
        "total": _figures(results.total),
        "periods": [_figures(p, with_period=True) for p in results.periods],
    }


def _renamed(exc: ValidationError) -> ValidationError:
    """The service's field names as the request spells them (``segment`` -> ``segment_id``)."""
    return ValidationError({("segment_id" if k == "segment" else k): v for k, v in message_dict(exc).items()})


@router.post("/nps-surveys", response={201: NpsSurveyOut, **ERRORS})
def create_survey(request: AuthedRequest, payload: NpsSurveyIn) -> Any:
    """A new draft survey; ``Idempotency-Key`` accepted."""
    data = payload.model_dump()
    data["segment"] = str(data.pop("segment_id"))

    def run() -> NpsSurvey:
        try:
            return services.create_survey(actor=request.user, data=data)
        except ValidationError as exc:
            raise _renamed(exc) from None

    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=run,
        serialize=lambda s: NpsSurveyOut.from_orm(s).model_dump(mode="json"),
    )


@router.post("/nps-surveys/{uuid:survey_id}/send", response={200: SentOut, **ERRORS})
def send_survey(request: AuthedRequest, survey_id: uuid.UUID) -> Any:
    """Send the draft to the members of its segment who may receive marketing e-mail; once."""
    survey: NpsSurvey = selectors.survey_detail(request.user, survey_id)
    count = services.send_survey(actor=request.user, survey=survey)
    return {"recipients": count, "survey": selectors.survey_detail(request.user, survey_id)}
