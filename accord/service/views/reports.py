"""Service reports, as the user sees the tickets, each also as a file: the SLA report (per team and
per agent, how the targets were met in a period), the satisfaction report (survey answers per
agent, team and week or month) and the complaints report (per period, company and queue)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, exports
from accord.core.requests import AuthedRequest
from accord.service.models import Queue
from accord.service.selectors import feedback as feedback_selectors
from accord.service.selectors import reports as selectors
from accord.service.selectors import tickets as ticket_selectors
from accord.service.views.settings import duration_text

DEFAULT_DAYS = 30
# The longest period one report covers.
MAX_DAYS = 3 * 366
# How many of the period's answers the satisfaction report lists with their comments.
ANSWERS_LISTED = 100


@dataclass
class Period:
    start: datetime.date
    end: datetime.date
    queue: Queue | None
    typed: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)


def _date(value: str, name: str, errors: dict[str, list[str]]) -> datetime.date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def _period(request: AuthedRequest, queues: list[Queue]) -> Period:
    """The filter bar's period and queue; what cannot be read falls back to the last 30 days (or
    every queue) and says why."""
    params = request.GET
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    typed = {name: params.get(name, "") for name in ("from", "to", "queue")}
    end = _date(typed["to"], "to", errors) or today
    start = _date(typed["from"], "from", errors) or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        errors["from"] = [_("The start must not be after the end.")]
        start = end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    elif (end - start).days >= MAX_DAYS:
        errors["from"] = [_("Choose a period of at most three years.")]
        start = end - datetime.timedelta(days=MAX_DAYS - 1)
    queue = None
    if typed["queue"]:
        queue = next((q for q in queues if str(q.pk) == typed["queue"]), None)
        if queue is None:
            errors["queue"] = [_("No such queue.")]
    return Period(start, end, queue, typed, errors)


def _shown(figures: selectors.SlaFigures) -> dict[str, Any]:
    """A row's times as people read them."""

    def minutes(value: datetime.timedelta | None) -> float | None:
        return None if value is None else value.total_seconds() / 60

    return {
        "row": figures,
        "first_average": duration_text(minutes(figures.first_average)),
        "resolution_average": duration_text(minutes(figures.resolution_average)),
    }


@login_required
def sla_report(request: AuthedRequest) -> HttpResponse:
    queues = list(ticket_selectors.queues(active_only=False))
    period = _period(request, queues)
    report = selectors.sla_report(request.user, start=period.start, end=period.end, queue=period.queue)
    teams = [{"team": _shown(team), "agents": [_shown(agent) for agent in team.agents]} for team in report.teams]
    return render(
        request,
        "service/reports/sla.html",
        {
            "report": report,
            "total": _shown(report.total),
            "teams": teams,
            "period": period,
            "queues": queues,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "can_export": access.can_export(request.user),
            "admin": access.is_admin(request.user),
        },
    )


@login_required
def sla_report_export(request: AuthedRequest) -> HttpResponseBase:
    access.require_export(request.user)
    period = _period(request, list(ticket_selectors.queues(active_only=False)))
    report = selectors.sla_report(request.user, start=period.start, end=period.end, queue=period.queue)
    return exports.download(request, selectors.report_columns(), selectors.report_rows(report), "sla-report")


def _grouping(request: AuthedRequest, default: str) -> str:
    value = request.GET.get("by", "")
    return value if value in feedback_selectors.GROUPINGS else default


def _satisfaction(request: AuthedRequest) -> tuple[Period, feedback_selectors.CsatReport]:
    period = _period(request, list(ticket_selectors.queues(active_only=False)))
    report = feedback_selectors.satisfaction_report(
        request.user, start=period.start, end=period.end, queue=period.queue, grouping=_grouping(request, "week")
    )
    return period, report


@login_required
def satisfaction_report(request: AuthedRequest) -> HttpResponse:
    period, report = _satisfaction(request)
    return render(
        request,
        "service/reports/satisfaction.html",
        {
            "report": report,
            "period": period,
            "queues": list(ticket_selectors.queues(active_only=False)),
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "groupings": _groupings(),
            "answers": feedback_selectors.survey_answers(
                request.user, start=period.start, end=period.end, queue=period.queue
            )[:ANSWERS_LISTED],
            "can_export": access.can_export(request.user),
        },
    )


@login_required
def satisfaction_report_export(request: AuthedRequest) -> HttpResponseBase:
    access.require_export(request.user)
    _period_read, report = _satisfaction(request)
    return exports.download(
        request,
        feedback_selectors.satisfaction_columns(),
        feedback_selectors.satisfaction_rows(report),
        "satisfaction-report",
    )


def _complaints(request: AuthedRequest) -> tuple[Period, feedback_selectors.ComplaintsReport]:
    period = _period(request, list(ticket_selectors.queues(active_only=False)))
    report = feedback_selectors.complaints_report(
        request.user, start=period.start, end=period.end, queue=period.queue, grouping=_grouping(request, "month")
    )
    return period, report


@login_required
def complaints_report(request: AuthedRequest) -> HttpResponse:
    period, report = _complaints(request)
    return render(
        request,
        "service/reports/complaints.html",
        {
            "report": report,
            "period": period,
            "queues": list(ticket_selectors.queues(active_only=False)),
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "groupings": _groupings(),
            "can_export": access.can_export(request.user),
        },
    )


@login_required
def complaints_report_export(request: AuthedRequest) -> HttpResponseBase:
    access.require_export(request.user)
    _period_read, report = _complaints(request)
    return exports.download(
        request,
        feedback_selectors.complaints_columns(),
        feedback_selectors.complaints_rows(report),
        "complaints-report",
    )


def _groupings() -> list[tuple[str, str]]:
    return [("week", _("Week")), ("month", _("Month"))]
