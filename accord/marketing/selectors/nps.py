"""Reads of NPS surveys and their results, scoped by the access policy.

Results count a survey's responses: sent (recipients), answered, the response rate, promoters
(9 to 10), passives (7 to 8) and detractors (0 to 6) of the answers, and NPS = % promoters - % detractors
(from -100 to 100; none without answers); in total and per week or month of answering.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek

from accord.core import access
from accord.marketing.models import NpsResponse, NpsSurvey
from accord.marketing.models.nps import DETRACTOR_TO, PROMOTER_FROM


@dataclass
class NpsFigures:
    key: Any = None
    sent: int = 0
    answered: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def nps(self) -> float | None:
        if not self.answered:
            return None
        return round(100 * (self.promoters - self.detractors) / self.answered, 1)

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.answered / self.sent, 1) if self.sent else None


@dataclass
class NpsResults:
    total: NpsFigures
    periods: list[NpsFigures]


def visible_surveys(user: Any) -> QuerySet[NpsSurvey]:
    return access.scope(user, NpsSurvey.objects.all()).select_related("owner", "segment")


def survey_detail(user: Any, pk: Any) -> NpsSurvey:
    """An NPS survey ``user`` may see, or Http404."""
    return access.get_visible(user, NpsSurvey.objects.select_related("owner", "segment"), pk=pk)


def _counts() -> dict[str, Any]:
    answered = Q(answered_at__isnull=False)
    return {
        "sent": Count("id"),
        "answered": Count("id", filter=answered),
        "promoters": Count("id", filter=answered & Q(score__gte=PROMOTER_FROM)),
        "passives": Count("id", filter=answered & Q(score__gt=DETRACTOR_TO, score__lt=PROMOTER_FROM)),
        "detractors": Count("id", filter=answered & Q(score__lte=DETRACTOR_TO)),
    }


def results(survey: NpsSurvey, *, grouping: str = "week") -> NpsResults:
    """The survey's figures (module docstring); periods by the week (month) of answering."""
    responses = NpsResponse.objects.filter(survey=survey)
    total = NpsFigures(**responses.aggregate(**_counts()))
    trunc = TruncMonth if grouping == "month" else TruncWeek
    periods = [
        NpsFigures(**row)
        for row in responses.filter(answered_at__isnull=False)
        .annotate(key=trunc("answered_at"))
        .values("key")
        .annotate(**_counts())
        .order_by("key")
    ]
    for period in periods:
        if isinstance(period.key, datetime.datetime):
            period.key = period.key.date()
    return NpsResults(total=total, periods=periods)


def answers(survey: NpsSurvey, limit: int = 100) -> list[NpsResponse]:
    """The latest answers of the survey, with their contacts."""
    return list(
        NpsResponse.objects.filter(survey=survey, answered_at__isnull=False)
        .select_related("contact")
        .order_by("-answered_at")[:limit]
    )
