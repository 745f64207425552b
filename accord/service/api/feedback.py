"""REST endpoints of the satisfaction surveys: a ticket's survey and answer, and the satisfaction
and complaints reports (the figures of the screens' reports, per agent, team and period, as the
caller sees the tickets). A ticket out of sight is a 404; a bad period a 422 naming the field."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from accord.core.api import ERRORS
from accord.service.selectors import feedback as selectors
from accord.service.selectors import tickets as ticket_selectors

router = Router(tags=["service"])

Grouping = Literal["week", "month"]
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366


class SurveyOut(Schema):
    id: uuid.UUID
    ticket_id: uuid.UUID
    contact_id: uuid.UUID
    agent_id: uuid.UUID | None
    queue_id: uuid.UUID | None
    sent_at: datetime.datetime
    answered_at: datetime.datetime | None
    score: int | None
    comment: str


class CsatRowOut(Schema):
    key: str | None
    name: str
    sent: int
    answered: int
    response_rate: float | None
    average: float | None
    satisfied_percent: float | None


class CsatReportOut(Schema):
    date_from: datetime.date
    date_to: datetime.date
    queue_id: uuid.UUID | None
    grouping: Grouping
    total: CsatRowOut
    agents: list[CsatRowOut]
    teams: list[CsatRowOut]
    periods: list[CsatRowOut]


class ComplaintRowOut(Schema):
    key: str | None
    name: str
    total: int
    open: int
    resolved: int


class ComplaintsReportOut(Schema):
    date_from: datetime.date
    date_to: datetime.date
    queue_id: uuid.UUID | None
    grouping: Grouping
    total: ComplaintRowOut
    periods: list[ComplaintRowOut]
    companies: list[ComplaintRowOut]
    queues: list[ComplaintRowOut]
    ticket_ids: list[uuid.UUID]


def _period(
    date_from: datetime.date | None, date_to: datetime.date | None, queue_id: uuid.UUID | None
) -> tuple[datetime.date, datetime.date, Any]:
    end = date_to or timezone.localdate()
    start = date_from or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationError({"date_from": [_("The start must not be after the end.")]})
    if (end - start).days >= MAX_DAYS:
        raise ValidationError({"date_from": [_("Choose a period of at most three years.")]})
    queue = None
    if queue_id is not None:
        queue = next((q for q in ticket_selectors.queues(active_only=False) if q.pk == queue_id), None)
        if queue is None:
            raise ValidationError({"queue_id": [_("No such queue.")]})
    return start, end, queue


def _row(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {"key": None if row.key is None else str(row.key), "name": row.name} | {f: getattr(row, f) for f in fields}


CSAT_FIELDS = ("sent", "answered", "response_rate", "average", "satisfied_percent")
COMPLAINT_FIELDS = ("total", "open", "resolved")


@router.get("/tickets/{uuid:ticket_id}/survey", response={200: SurveyOut, **ERRORS})
def get_ticket_survey(request: HttpRequest, ticket_id: uuid.UUID) -> Any:
    """The satisfaction survey sent when the ticket was resolved, with the answer once given;
    404 when none was sent."""
    survey = ticket_selectors.ticket_survey(ticket_selectors.ticket_detail(request.user, ticket_id))
    if survey is None:
        raise Http404
    return survey


@router.get("/service/reports/satisfaction", response={200: CsatReportOut, **ERRORS})
def satisfaction_report(
    request: HttpRequest,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    queue_id: uuid.UUID | None = None,
    grouping: Grouping = "week",
) -> Any:
    """Surveys sent in the period (default: the last 30 days): sent, answered, response rate,
    average score and share of answers scoring 4 or 5, in total and per agent, team and week or month."""
    start, end, queue = _period(date_from, date_to, queue_id)
    report = selectors.satisfaction_report(request.user, start=start, end=end, queue=queue, grouping=grouping)
    return {
        "date_from": start,
        "date_to": end,
        "queue_id": queue.pk if queue else None,
        "grouping": report.grouping,
        "total": _row(report.total, CSAT_FIELDS),
        "agents": [_row(r, CSAT_FIELDS) for r in report.agents],
        "teams": [_row(r, CSAT_FIELDS) for r in report.teams],
        "periods": [_row(r, CSAT_FIELDS) for r in report.periods],
    }


@router.get("/service/reports/complaints", response={200: ComplaintsReportOut, **ERRORS})
def complaints_report(
    request: HttpRequest,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    queue_id: uuid.UUID | None = None,
    grouping: Grouping = "month",
) -> Any:
    """Tickets marked as complaints created in the period: open now and resolved, in total and
    per week or month, company and queue, with the latest complaints' ids."""
    start, end, queue = _period(date_from, date_to, queue_id)
    report = selectors.complaints_report(request.user, start=start, end=end, queue=queue, grouping=grouping)
    return {
        "date_from": start,
        "date_to": end,
        "queue_id": queue.pk if queue else None,
        "grouping": report.grouping,
        "total": _row(report.total, COMPLAINT_FIELDS),
        "periods": [_row(r, COMPLAINT_FIELDS) for r in report.periods],
        "companies": [_row(r, COMPLAINT_FIELDS) for r in report.companies],
        "queues": [_row(r, COMPLAINT_FIELDS) for r in report.queues],
        "ticket_ids": [t.pk for t in report.tickets],
    }
