"""The satisfaction and complaints reports, as the user sees the tickets (the access policy's
``visible_tickets``).

Satisfaction counts the surveys *sent* in the period (a survey answered later still counts for
the period it was sent in, so the response rate of a period does not move with the calendar):

* sent: surveys mailed in the period; answered: of them, those the customer answered;
* response rate: answered / sent; average: the mean score (1 to 5) of the answers;
* satisfied: the share of answers scoring 4 or 5 (the usual "CSAT %").

A survey counts for the agent the ticket had when it was resolved, and for the team of the queue
it was resolved in. Rows are given per agent, per team and per week or month.

Complaints counts the tickets marked as complaints created in the period, per week or month, per
company and per queue, and how many of them are open now and how many resolved or closed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext_lazy as _

from accord.core import access
from accord.core.exports import Column
from accord.identity.models import Team, User
from accord.people.models import Company
from accord.service.models import OPEN_STATUSES, Queue, SatisfactionSurvey, Ticket
from accord.service.selectors.reports import _bounds
from accord.service.selectors.tickets import visible_tickets

GROUPINGS = ("week", "month")
COMPLAINTS_LISTED = 200
SATISFIED_FROM = 4


@dataclass
class CsatFigures:
    """One row of the satisfaction report: an agent's, a team's, a period's or everyone's."""

    key: Any = None
    name: str = ""
    sent: int = 0
    answered: int = 0
    score_sum: int = 0
    satisfied: int = 0

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.answered / self.sent, 1) if self.sent else None

    @property
    def average(self) -> float | None:
        return round(self.score_sum / self.answered, 2) if self.answered else None

    @property
    def satisfied_percent(self) -> float | None:
        return round(100 * self.satisfied / self.answered, 1) if self.answered else None


@dataclass
class CsatReport:
    start: datetime.date
    end: datetime.date
    queue: Queue | None
    grouping: str
    total: CsatFigures
    agents: list[CsatFigures]
    teams: list[CsatFigures]
    periods: list[CsatFigures]


def _scoped_tickets(user: Any) -> QuerySet[Ticket]:
    tickets = visible_tickets(user)
    if not access.sees_all(user):
        # The scoped list may join and be made distinct; filtering by its keys counts each once.
        tickets = Ticket.objects.filter(pk__in=tickets.values("pk"))
    return tickets


def visible_surveys(user: Any) -> QuerySet[SatisfactionSurvey]:
    """The surveys of the tickets ``user`` may see."""
    if access.sees_all(user):
        return SatisfactionSurvey.objects.all()
    return SatisfactionSurvey.objects.filter(ticket__in=visible_tickets(user).values("pk"))


def _trunc(grouping: str) -> Any:
    return TruncMonth if grouping == "month" else TruncWeek


def _figures(rows: Iterable[Any], key: str) -> list[CsatFigures]:
    return [
        CsatFigures(
            key=row[key],
            sent=row["sent"],
            answered=row["answered"],
            score_sum=row["score_sum"] or 0,
            satisfied=row["satisfied"],
        )
        for row in rows
    ]


def _csat_counts() -> dict[str, Any]:
    answered = Q(answered_at__isnull=False)
    return {
        "sent": Count("id"),
        "answered": Count("id", filter=answered),
        "score_sum": Sum("score", filter=answered),
        "satisfied": Count("id", filter=answered & Q(score__gte=SATISFIED_FROM)),
    }


def satisfaction_report(
    user: Any, *, start: datetime.date, end: datetime.date, queue: Queue | None = None, grouping: str = "week"
) -> CsatReport:
    """The satisfaction figures of the surveys of the tickets ``user`` may see (module docstring)."""
    first, after = _bounds(start, end)
    surveys = visible_surveys(user).filter(sent_at__gte=first, sent_at__lt=after)
    if queue is not None:
        surveys = surveys.filter(queue=queue)
    counts = _csat_counts()
    total_row = surveys.aggregate(**counts)
    total = CsatFigures(
        name=str(_("All surveys")),
        sent=total_row["sent"],
        answered=total_row["answered"],
        score_sum=total_row["score_sum"] or 0,
        satisfied=total_row["satisfied"],
    )
    agents = _figures(surveys.values("agent_id").annotate(**counts).order_by(), "agent_id")
    names = {u.pk: u.get_full_name() or u.get_username() for u in User.objects.filter(pk__in=[a.key for a in agents])}
    for agent in agents:
        agent.name = names.get(agent.key, "") if agent.key is not None else str(_("Unassigned"))
    agents.sort(key=lambda a: (a.key is None, a.name.lower()))
    teams = _figures(
        surveys.annotate(team_key=F("queue__team_id")).values("team_key").annotate(**counts).order_by(), "team_key"
    )
    team_names = {t.pk: t.name for t in Team.objects.filter(pk__in=[t.key for t in teams])}
    for team in teams:
        team.name = team_names.get(team.key, "") if team.key is not None else str(_("No team"))
    teams.sort(key=lambda t: (t.key is None, t.name.lower()))
    grouping = grouping if grouping in GROUPINGS else "week"
    periods = _figures(
        surveys.annotate(bucket=_trunc(grouping)("sent_at")).values("bucket").annotate(**counts).order_by("bucket"),
        "bucket",
    )
    for period in periods:
        period.name = _period_name(period.key, grouping)
    return CsatReport(start, end, queue, grouping, total, agents, teams, periods)


def _period_name(value: Any, grouping: str) -> str:
    day = value.date() if isinstance(value, datetime.datetime) else value
    if grouping == "month":
        return f"{day:%Y-%m}"
    return f"{day.isoformat()}"


LEVELS = {"total": _("Total"), "agent": _("Agent"), "team": _("Team"), "period": _("Period")}


def satisfaction_columns() -> list[Column]:
    """The satisfaction report as a file: the total, then a row per agent, per team and per period."""
    return [
        Column("level", lambda r: r[0], _("Row"), shown=lambda r: str(LEVELS[r[0]])),
        Column("name", lambda r: r[1].name, _("Name")),
        Column("sent", lambda r: r[1].sent, _("Surveys sent")),
        Column("answered", lambda r: r[1].answered, _("Answered")),
        Column("response_rate_percent", lambda r: _blank(r[1].response_rate), _("Response rate %")),
        Column("average_score", lambda r: _blank(r[1].average), _("Average score (1–5)")),
        Column("satisfied_percent", lambda r: _blank(r[1].satisfied_percent), _("Satisfied (4–5) %")),
    ]


def _blank(value: Any) -> Any:
    return "" if value is None else value


def satisfaction_rows(report: CsatReport) -> Iterator[tuple[str, CsatFigures]]:
    yield ("total", report.total)
    for level, rows in (("agent", report.agents), ("team", report.teams), ("period", report.periods)):
        for row in rows:
            yield (level, row)


def survey_answers(user: Any, *, start: datetime.date, end: datetime.date, queue: Queue | None = None) -> QuerySet:
    """The answered surveys sent in the period, latest answer first (the report's comments)."""
    first, after = _bounds(start, end)
    surveys = visible_surveys(user).filter(sent_at__gte=first, sent_at__lt=after, answered_at__isnull=False)
    if queue is not None:
        surveys = surveys.filter(queue=queue)
    return surveys.select_related("ticket", "agent", "contact").order_by("-answered_at")


# --- complaints -------------------------------------------------------------------------------------


@dataclass
class ComplaintFigures:
    key: Any = None
    name: str = ""
    total: int = 0
    open: int = 0
    resolved: int = 0


@dataclass
class ComplaintsReport:
    start: datetime.date
    end: datetime.date
    queue: Queue | None
    grouping: str
    total: ComplaintFigures
    periods: list[ComplaintFigures]
    companies: list[ComplaintFigures]
    queues: list[ComplaintFigures]
    tickets: list[Ticket]


def _complaint_counts() -> dict[str, Any]:
    return {
        "total": Count("id"),
        "open": Count("id", filter=Q(status__in=OPEN_STATUSES)),
        "resolved": Count("id", filter=~Q(status__in=OPEN_STATUSES)),
    }


def _complaint_figures(rows: Iterable[Any], key: str) -> list[ComplaintFigures]:
    return [ComplaintFigures(key=r[key], total=r["total"], open=r["open"], resolved=r["resolved"]) for r in rows]


def complaints_report(
    user: Any, *, start: datetime.date, end: datetime.date, queue: Queue | None = None, grouping: str = "month"
) -> ComplaintsReport:
    """The tickets marked as complaints, created in the period, that ``user`` may see (module
    docstring); with the latest of them listed."""
    first, after = _bounds(start, end)
    complaints = _scoped_tickets(user).filter(is_complaint=True, created_at__gte=first, created_at__lt=after)
    if queue is not None:
        complaints = complaints.filter(queue=queue)
    counts = _complaint_counts()
    row = complaints.aggregate(**counts)
    total = ComplaintFigures(
        name=str(_("All complaints")), total=row["total"], open=row["open"], resolved=row["resolved"]
    )
    grouping = grouping if grouping in GROUPINGS else "month"
    periods = _complaint_figures(
        complaints.annotate(bucket=_trunc(grouping)("created_at"))
        .values("bucket")
        .annotate(**counts)
        .order_by("bucket"),
        "bucket",
    )
    for period in periods:
        period.name = _period_name(period.key, grouping)
    companies = _complaint_figures(complaints.values("company_id").annotate(**counts).order_by(), "company_id")
    company_names = {c.pk: c.name for c in Company.objects.filter(pk__in=[c.key for c in companies])}
    for company in companies:
        company.name = company_names.get(company.key, "") if company.key is not None else str(_("No company"))
    companies.sort(key=lambda c: (-c.total, c.key is None, c.name.lower()))
    queues = _complaint_figures(complaints.values("queue_id").annotate(**counts).order_by(), "queue_id")
    queue_names = {q.pk: q.name for q in Queue.objects.filter(pk__in=[q.key for q in queues])}
    for found in queues:
        found.name = queue_names.get(found.key, "")
    queues.sort(key=lambda q: (-q.total, q.name.lower()))
    listed = list(complaints.select_related("company", "contact", "queue").order_by("-created_at")[:COMPLAINTS_LISTED])
    return ComplaintsReport(start, end, queue, grouping, total, periods, companies, queues, listed)


def complaints_columns() -> list[Column]:
    return [
        Column("level", lambda r: r[0], _("Row"), shown=lambda r: str(COMPLAINT_LEVELS[r[0]])),
        Column("name", lambda r: r[1].name, _("Name")),
        Column("complaints", lambda r: r[1].total, _("Complaints")),
        Column("open", lambda r: r[1].open, _("Open now")),
        Column("resolved", lambda r: r[1].resolved, _("Resolved or closed")),
    ]


COMPLAINT_LEVELS = {"total": _("Total"), "period": _("Period"), "company": _("Company"), "queue": _("Queue")}


def complaints_rows(report: ComplaintsReport) -> Iterator[tuple[str, ComplaintFigures]]:
    yield ("total", report.total)
    for level, rows in (("period", report.periods), ("company", report.companies), ("queue", report.queues)):
        for row in rows:
            yield (level, row)
