"""Reading journeys under the access policy, and each step's statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from accord.core import access
from accord.marketing.models import Enrollment, EnrollmentState, Journey, JourneyStep, StepRun


def visible_journeys(user: Any) -> QuerySet[Journey]:
    return access.scope(user, Journey.objects.all()).select_related("owner", "segment", "web_form")


def journey_detail(user: Any, pk: Any) -> Journey:
    """A journey ``user`` may see, or Http404."""
    return access.get_visible(user, Journey.objects.select_related("owner", "team", "segment", "web_form"), pk=pk)


def steps_of(journey: Journey) -> list[JourneyStep]:
    return list(journey.steps.order_by("position", "id"))


@dataclass
class StepStats:
    step: JourneyStep
    reached: int = 0
    waiting: int = 0  # enrollments due to run this step next
    outcomes: dict[str, int] = field(default_factory=dict)
    opened: int = 0
    clicked: int = 0

    @property
    def sent(self) -> int:
        return self.outcomes.get("sent", 0)


@dataclass
class Totals:
    enrolled: int
    active: int
    done: int
    skipped: int


def step_stats(journey: Journey) -> list[StepStats]:
    """How many reached each step, what came of it, and who is waiting before it (three queries)."""
    stats = {step.pk: StepStats(step) for step in steps_of(journey)}
    runs = (
        StepRun.objects.filter(step__journey=journey)
        .values("step_id", "outcome")
        .annotate(n=Count("id"), opened=Count("opened_at"), clicked=Count("clicked_at"))
    )
    for row in runs:
        found = stats.get(row["step_id"])
        if found is None:
            continue
        found.reached += row["n"]
        found.outcomes[row["outcome"]] = found.outcomes.get(row["outcome"], 0) + row["n"]
        found.opened += row["opened"]
        found.clicked += row["clicked"]
    waiting = (
        Enrollment.objects.filter(journey=journey, state=EnrollmentState.ACTIVE)
        .values("step_id")
        .annotate(n=Count("id"))
    )
    first = next(iter(stats), None)
    for step_id, count in waiting.values_list("step_id", "n"):
        key = step_id if step_id is not None else first
        if key in stats:
            stats[key].waiting += count
    return list(stats.values())


def totals(journey: Journey) -> Totals:
    found = Enrollment.objects.filter(journey=journey).aggregate(
        enrolled=Count("id", filter=~Q(state=EnrollmentState.SKIPPED)),
        active=Count("id", filter=Q(state=EnrollmentState.ACTIVE)),
        done=Count("id", filter=Q(state=EnrollmentState.DONE)),
        skipped=Count("id", filter=Q(state=EnrollmentState.SKIPPED)),
    )
    return Totals(**found)


def recent_enrollments(journey: Journey, *, limit: int = 20) -> list[Enrollment]:
    return list(
        Enrollment.objects.filter(journey=journey)
        .exclude(state=EnrollmentState.SKIPPED)
        .select_related("contact", "step")
        .order_by("-entered_at", "-id")[:limit]
    )


def enrolled_counts(journeys: list[Journey]) -> dict[Any, int]:
    """How many each journey has enrolled (those only remembered as in the segment already aside)."""
    rows = (
        Enrollment.objects.filter(journey__in=journeys)
        .exclude(state=EnrollmentState.SKIPPED)
        .values_list("journey_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


@dataclass
class Received:
    """The marketing a contact got: the latest campaigns and journeys the user may see."""

    campaigns: list[Any]
    journeys: list[Enrollment]


RECEIVED_SHOWN = 10


def received(user: Any, contact: Any) -> Received:
    from accord.marketing.models import Campaign, CampaignRecipient

    campaigns = access.scope(user, Campaign.objects.all()).values("pk")
    rows = list(
        CampaignRecipient.objects.filter(contact=contact, campaign__in=campaigns)
        .select_related("campaign")
        .order_by("-id")[:RECEIVED_SHOWN]
    )
    seen = access.scope(user, Journey.objects.all()).values("pk")
    enrolled = list(
        Enrollment.objects.filter(contact=contact, journey__in=seen)
        .exclude(state=EnrollmentState.SKIPPED)
        .select_related("journey", "step")
        .order_by("-entered_at", "-id")[:RECEIVED_SHOWN]
    )
    return Received(campaigns=rows, journeys=enrolled)
