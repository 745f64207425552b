"""The SLA report: how each team and agent met the first-response and resolution targets in a
period, as the user sees the tickets (the access policy's ``visible_tickets``).

One grouped query counts everything per (team, agent); a team's row adds up its agents' rows. A
ticket counts for its assignee and the assignee's primary team (the first team they belong to, as
``User.primary_team_id`` says); a ticket nobody has is "unassigned".

What each figure counts:

* created: tickets created in the period;
* resolved: tickets resolved in the period (whenever they were created);
* first response met / missed, resolution met / missed: of the tickets created in the period that
  had an SLA policy, those answered (resolved) in time, and those whose target was missed (as the
  SLA check and the service recorded it); tickets still running count in neither;
* average first response: wall-clock time from creation to the first public reply, over the
  tickets created in the period that were answered; average resolution: wall-clock time from
  creation to resolution, over the tickets resolved in the period;
* open and late: tickets open now (whatever the period), and of them those with a missed target.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core import access
from accord.core.exports import Column
from accord.identity.models import Team, User
from accord.service.models import OPEN_STATUSES, Queue, Ticket
from accord.service.selectors.tickets import visible_tickets

ZERO = datetime.timedelta(0)
LEVELS = {"team": _("Team"), "agent": _("Agent"), "total": _("Total")}


@dataclass
class SlaFigures:
    """One row of the report: a team's, an agent's or everyone's."""

    key: Any = None
    name: str = ""
    team: str = ""
    created: int = 0
    resolved: int = 0
    first_met: int = 0
    first_missed: int = 0
    resolution_met: int = 0
    resolution_missed: int = 0
    first_time: datetime.timedelta = ZERO
    first_count: int = 0
    resolution_time: datetime.timedelta = ZERO
    resolution_count: int = 0
    open: int = 0
    late: int = 0
    agents: list[SlaFigures] = field(default_factory=list)

    def add(self, other: SlaFigures) -> None:
        for name in (
            "created",
            "resolved",
            "first_met",
            "first_missed",
            "resolution_met",
            "resolution_missed",
            "first_time",
            "first_count",
            "resolution_time",
            "resolution_count",
            "open",
            "late",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _percent(met: int, missed: int) -> float | None:
        return round(100 * met / (met + missed), 1) if met + missed else None

    @property
    def first_percent(self) -> float | None:
        return self._percent(self.first_met, self.first_missed)

    @property
    def resolution_percent(self) -> float | None:
        return self._percent(self.resolution_met, self.resolution_missed)

    @property
    def first_average(self) -> datetime.timedelta | None:
        return self.first_time / self.first_count if self.first_count else None

    @property
    def resolution_average(self) -> datetime.timedelta | None:
        return self.resolution_time / self.resolution_count if self.resolution_count else None


@dataclass
class SlaReport:
    start: datetime.date
    end: datetime.date
    queue: Queue | None
    total: SlaFigures
    teams: list[SlaFigures]


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The period's first and last days as instants in the current time zone: [start, end + 1 day)."""
    zone = timezone.get_current_timezone()
    first = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), zone)
    after = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min), zone)
    return first, after


def _key(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def _wall(end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F("created_at"), output_field=DurationField())


def sla_report(user: Any, *, start: datetime.date, end: datetime.date, queue: Queue | None = None) -> SlaReport:
    """The figures of the tickets ``user`` may see, per team and per agent (module docstring)."""
    first, after = _bounds(start, end)
    tickets = visible_tickets(user)
    if not access.sees_all(user):
        # The scoped list may join and be made distinct; counting over its keys counts each once.
        tickets = Ticket.objects.filter(pk__in=tickets.values("pk"))
    if queue is not None:
        tickets = tickets.filter(queue=queue)
    created = Q(created_at__gte=first, created_at__lt=after)
    resolved = Q(resolved_at__gte=first, resolved_at__lt=after)
    still_open = Q(status__in=OPEN_STATUSES)
    missed = Q(first_response_breached=True) | Q(resolution_breached=True)
    primary_team = User.teams.through.objects.filter(user_id=OuterRef("assignee_id")).order_by("team_id")
    rows = (
        tickets.filter(created | resolved | still_open)
        .annotate(team_key=Subquery(primary_team.values("team_id")[:1]))
        .values("team_key", "assignee_id")
        .annotate(
            created=Count("id", filter=created),
            resolved=Count("id", filter=resolved),
            first_met=Count(
                "id",
                filter=created
                & Q(first_response_due__isnull=False, first_responded_at__isnull=False, first_response_breached=False),
            ),
            first_missed=Count("id", filter=created & Q(first_response_breached=True)),
            resolution_met=Count(
                "id",
                filter=created & Q(resolution_due__isnull=False, resolved_at__isnull=False, resolution_breached=False),
            ),
            resolution_missed=Count("id", filter=created & Q(resolution_breached=True)),
            first_time=Sum(
                _wall("first_responded_at"),
                filter=created & Q(first_responded_at__isnull=False),
                output_field=DurationField(),
            ),
            first_count=Count("id", filter=created & Q(first_responded_at__isnull=False)),
            resolution_time=Sum(
                _wall("resolved_at"), filter=resolved & Q(resolved_at__isnull=False), output_field=DurationField()
            ),
            resolution_count=Count("id", filter=resolved),
            open=Count("id", filter=still_open),
            late=Count("id", filter=still_open & missed),
        )
        .order_by()
    )
    figures: list[tuple[uuid.UUID | None, uuid.UUID | None, SlaFigures]] = []
    for found in rows:
        row: dict[str, Any] = dict(found)
        team_key, agent_key = _key(row.pop("team_key")), _key(row.pop("assignee_id"))
        row["first_time"] = row["first_time"] or ZERO
        row["resolution_time"] = row["resolution_time"] or ZERO
        figures.append((team_key, agent_key, SlaFigures(key=agent_key, **row)))
    agent_names = {
        u.pk: u.get_full_name() or u.get_username()
        for u in User.objects.filter(pk__in=[a for _t, a, _f in figures if a is not None])
    }
    team_names = {t.pk: t.name for t in Team.objects.filter(pk__in=[t for t, _a, _f in figures if t is not None])}
    teams: dict[Any, SlaFigures] = {}
    total = SlaFigures(name=str(_("All tickets")))
    for team_key, agent_key, figure in figures:
        team_name = team_names.get(team_key, "") if team_key is not None else ""
        if agent_key is None:
            team_name = str(_("Unassigned"))
        elif team_key is None:
            team_name = str(_("No team"))
        figure.name = agent_names.get(agent_key, "") if agent_key is not None else str(_("Unassigned"))
        figure.team = team_name
        group_key = ("team", team_key) if agent_key is not None else ("unassigned", None)
        team = teams.setdefault(group_key, SlaFigures(key=team_key, name=team_name, team=team_name))
        team.add(figure)
        team.agents.append(figure)
        total.add(figure)
    ordered = sorted(teams.values(), key=lambda t: (t.key is None, t.name.lower()))
    for team in ordered:
        team.agents.sort(key=lambda a: a.name.lower())
    return SlaReport(start=start, end=end, queue=queue, total=total, teams=ordered)


def _hours(value: datetime.timedelta | None) -> Any:
    return "" if value is None else round(value.total_seconds() / 3600, 2)


def report_columns() -> list[Column]:
    """The report's table as a file: a row per team, then its agents (wall-clock times in hours)."""
    return [
        Column("level", lambda r: r[0], _("Row"), shown=lambda r: str(LEVELS[r[0]])),
        Column("team", lambda r: r[1].team, _("Team")),
        Column("agent", lambda r: r[1].name if r[0] == "agent" else "", _("Agent")),
        Column("created", lambda r: r[1].created, _("Created")),
        Column("resolved", lambda r: r[1].resolved, _("Resolved")),
        Column("first_response_met", lambda r: r[1].first_met, _("First response met")),
        Column("first_response_missed", lambda r: r[1].first_missed, _("First response missed")),
        Column("first_response_met_percent", lambda r: _blank(r[1].first_percent), _("First response met %")),
        Column("resolution_met", lambda r: r[1].resolution_met, _("Resolution met")),
        Column("resolution_missed", lambda r: r[1].resolution_missed, _("Resolution missed")),
        Column("resolution_met_percent", lambda r: _blank(r[1].resolution_percent), _("Resolution met %")),
        Column(
            "average_first_response_hours",
            lambda r: _hours(r[1].first_average),
            _("Average first response (hours, wall clock)"),
        ),
        Column(
            "average_resolution_hours",
            lambda r: _hours(r[1].resolution_average),
            _("Average resolution (hours, wall clock)"),
        ),
        Column("open", lambda r: r[1].open, _("Open now")),
        Column("late", lambda r: r[1].late, _("Open and late")),
    ]


def _blank(value: Any) -> Any:
    return "" if value is None else value


def report_rows(report: SlaReport) -> Iterator[tuple[str, SlaFigures]]:
    """The file's rows: each team, then its agents; everyone's total last."""
    for team in report.teams:
        yield ("team", team)
        for agent in team.agents:
            yield ("agent", agent)
    yield ("total", report.total)
