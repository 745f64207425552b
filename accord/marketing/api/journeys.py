"""REST endpoints of journeys: CRUD (versioned, 409 on a stale version), the steps added, changed,
removed and moved, start and pause, and each step's statistics.

Every change of a step moves the journey's version: a step call takes the journey's ``version``
(in the body or If-Match) and answers with the new one (the ETag). What the API refuses it refuses
as the editor does: 422 naming the field, a step's settings as ``config.<name>``."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from accord.core import idempotency
from accord.core.api import ERRORS, PageOut, StrictSchema, expected_version, list_parameters, list_query
from accord.core.errors import message_dict
from accord.core.listing import Filter, ListSpec, Sort, apply, paginate
from accord.core.models import entity_label
from accord.core.requests import AuthedRequest
from accord.marketing.models import Journey, JourneyStatus, JourneyStep, JourneyTrigger
from accord.marketing.selectors import journeys as selectors
from accord.marketing.services import journeys as services

router = Router(tags=["journeys"])

Trigger = Literal["segment_joined", "form_submitted", "deal_won", "invoice_paid", "birthday"]
Purpose = Literal["newsletter", "offers", "greetings"]
Kind = Literal["wait", "email", "sms", "branch", "task", "tag"]
# Keys of a step error that are not one of its settings.
STEP_KEYS = frozenset({"kind", "config", "status", "__all__"})

JOURNEY_LIST = ListSpec[Journey](
    entity=entity_label(Journey),
    filters=[
        Filter("status", "status", kind="choice", choices=JourneyStatus.values),
        Filter("trigger", "trigger", kind="choice", choices=JourneyTrigger.values),
        Filter("owner", "owner_id", kind="uuid"),
    ],
    sorts=[Sort("name", "name"), Sort("created", "created_at", kind="datetime")],
    default_sort="name",
    search=lambda queryset, text: queryset.filter(name__icontains=text),
)


class JourneyStepOut(Schema):
    id: int
    position: int
    kind: str
    config: dict[str, Any]


class JourneyOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    trigger: str
    status: str
    purpose: str
    segment_id: uuid.UUID | None
    web_form_id: uuid.UUID | None
    include_current: bool
    activated_at: datetime.datetime | None
    owner_id: uuid.UUID
    team_id: uuid.UUID | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class JourneyDetailOut(JourneyOut):
    steps: list[JourneyStepOut]

    @staticmethod
    def resolve_steps(obj: Journey) -> list[JourneyStep]:
        return selectors.steps_of(obj)


class JourneyIn(StrictSchema):
    name: str
    trigger: Trigger
    purpose: Purpose = "offers"
    segment: uuid.UUID | None = None
    web_form: uuid.UUID | None = None
    include_current: bool = False


class JourneyPatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    trigger: Trigger | None = None
    purpose: Purpose | None = None
    segment: uuid.UUID | None = None
    web_form: uuid.UUID | None = None
    include_current: bool | None = None


class VersionIn(StrictSchema):
    version: int | None = None


class StepIn(StrictSchema):
    version: int | None = None
    kind: Kind
    config: dict[str, Any] = {}


class StepPatch(StrictSchema):
    version: int | None = None
    config: dict[str, Any]


class JourneyMoveIn(StrictSchema):
    version: int | None = None
    direction: Literal["up", "down"]


class StepStatsOut(Schema):
    step_id: int
    position: int
    kind: str
    reached: int
    waiting: int
    outcomes: dict[str, int]
    sent: int
    opened: int
    clicked: int


class TotalsOut(Schema):
    enrolled: int
    active: int
    done: int
    skipped: int


class StatisticsOut(Schema):
    totals: TotalsOut
    steps: list[StepStatsOut]


def _data(payload: Any) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("segment", "web_form"):
        if name in data:
            data[name] = str(data[name]) if data[name] else None
    return data


def _step(journey: Journey, step_id: int) -> JourneyStep:
    """A step of ``journey`` (which the caller may see), or Http404."""
    found = next((step for step in selectors.steps_of(journey) if step.pk == step_id), None)
    if found is None:
        raise Http404
    return found


def _step_errors(exc: ValidationError) -> ValidationError:
    """A step's settings named as the request names them: ``config.days``."""
    return ValidationError(
        {(key if key in STEP_KEYS else f"config.{key}"): value for key, value in message_dict(exc).items()}
    )


def _answer(request: HttpRequest, journey: Journey, response: HttpResponse) -> Journey:
    """The journey as it is now, its version the ETag."""
    fresh = selectors.journey_detail(request.user, journey.pk)
    response["ETag"] = f'"{fresh.version}"'
    return fresh


@router.get("/journeys", response={200: PageOut[JourneyOut], **ERRORS}, openapi_extra=list_parameters(JOURNEY_LIST))
def list_journeys(request: HttpRequest) -> Any:
    query = list_query(request, JOURNEY_LIST)
    page = paginate(
        JOURNEY_LIST, query, apply(JOURNEY_LIST, query, selectors.visible_journeys(request.user), user=request.user)
    )
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/journeys/{uuid:journey_id}", response={200: JourneyDetailOut, **ERRORS})
def get_journey(request: HttpRequest, journey_id: uuid.UUID, response: HttpResponse) -> Any:
    journey = selectors.journey_detail(request.user, journey_id)
    response["ETag"] = f'"{journey.version}"'
    return journey


@router.post("/journeys", response={201: JourneyDetailOut, **ERRORS})
def create_journey(request: AuthedRequest, payload: JourneyIn) -> Any:
    data = _data(payload)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.create_journey(actor=request.user, data=data),
        serialize=lambda j: JourneyDetailOut.from_orm(j).model_dump(mode="json"),
    )


@router.patch("/journeys/{uuid:journey_id}", response={200: JourneyDetailOut, **ERRORS})
def update_journey(request: AuthedRequest, journey_id: uuid.UUID, payload: JourneyPatch, response: HttpResponse) -> Any:
    journey = selectors.journey_detail(request.user, journey_id)
    journey = services.update_journey(
        actor=request.user,
        journey=journey,
        data=_data(payload),
        expected_version=expected_version(request, payload.version),
    )
    return _answer(request, journey, response)


@router.delete("/journeys/{uuid:journey_id}", response={204: None, **ERRORS})
def delete_journey(request: AuthedRequest, journey_id: uuid.UUID) -> Any:
    journey = selectors.journey_detail(request.user, journey_id)
    services.delete_journey(actor=request.user, journey=journey, expected_version=expected_version(request))
    return Status(204, None)


@router.post("/journeys/{uuid:journey_id}/steps", response={201: JourneyDetailOut, **ERRORS})
def add_step(request: AuthedRequest, journey_id: uuid.UUID, payload: StepIn, response: HttpResponse) -> Any:
    """A step added at the end; the answer is the journey with its steps and new version."""
    journey = selectors.journey_detail(request.user, journey_id)
    try:
        services.add_step(
            actor=request.user,
            journey=journey,
            kind=payload.kind,
            config=payload.config,
            expected_version=expected_version(request, payload.version),
        )
    except ValidationError as exc:
        raise _step_errors(exc) from exc
    return Status(201, _answer(request, journey, response))


@router.patch("/journeys/{uuid:journey_id}/steps/{int:step_id}", response={200: JourneyDetailOut, **ERRORS})
def update_step(
    request: AuthedRequest, journey_id: uuid.UUID, step_id: int, payload: StepPatch, response: HttpResponse
) -> Any:
    """A step's settings replaced (its kind stays)."""
    journey = selectors.journey_detail(request.user, journey_id)
    step = _step(journey, step_id)
    try:
        services.update_step(
            actor=request.user,
            step=step,
            config=payload.config,
            expected_version=expected_version(request, payload.version),
        )
    except ValidationError as exc:
        raise _step_errors(exc) from exc
    return _answer(request, journey, response)


@router.delete("/journeys/{uuid:journey_id}/steps/{int:step_id}", response={200: JourneyDetailOut, **ERRORS})
def remove_step(request: AuthedRequest, journey_id: uuid.UUID, step_id: int, response: HttpResponse) -> Any:
    """A step taken out (the version in If-Match); the answer is the journey as it is left."""
    journey = selectors.journey_detail(request.user, journey_id)
    step = _step(journey, step_id)
    services.remove_step(actor=request.user, step=step, expected_version=expected_version(request))
    return _answer(request, journey, response)


@router.post("/journeys/{uuid:journey_id}/steps/{int:step_id}/move", response={200: JourneyDetailOut, **ERRORS})
def move_step(
    request: AuthedRequest, journey_id: uuid.UUID, step_id: int, payload: JourneyMoveIn, response: HttpResponse
) -> Any:
    """A step moved one place up or down."""
    journey = selectors.journey_detail(request.user, journey_id)
    step = _step(journey, step_id)
    services.move_step(
        actor=request.user,
        step=step,
        up=payload.direction == "up",
        expected_version=expected_version(request, payload.version),
    )
    return _answer(request, journey, response)


@router.post("/journeys/{uuid:journey_id}/activate", response={200: JourneyDetailOut, **ERRORS})
def activate(request: AuthedRequest, journey_id: uuid.UUID, payload: VersionIn, response: HttpResponse) -> Any:
    """Start (or resume) the journey; 422 naming what keeps it from starting."""
    journey = selectors.journey_detail(request.user, journey_id)
    journey = services.activate(
        actor=request.user, journey=journey, expected_version=expected_version(request, payload.version)
    )
    return _answer(request, journey, response)


@router.post("/journeys/{uuid:journey_id}/pause", response={200: JourneyDetailOut, **ERRORS})
def pause(request: AuthedRequest, journey_id: uuid.UUID, payload: VersionIn, response: HttpResponse) -> Any:
    """Stop the journey: no one is enrolled and no step runs until it is started again."""
    journey = selectors.journey_detail(request.user, journey_id)
    journey = services.pause(
        actor=request.user, journey=journey, expected_version=expected_version(request, payload.version)
    )
    return _answer(request, journey, response)


@router.get("/journeys/{uuid:journey_id}/statistics", response={200: StatisticsOut, **ERRORS})
def statistics(request: HttpRequest, journey_id: uuid.UUID) -> Any:
    """How many were enrolled and where they are; per step how many reached it, are waiting before
    it, what came of it, and of an e-mail how many opened and clicked."""
    journey = selectors.journey_detail(request.user, journey_id)
    return {
        "totals": selectors.totals(journey),
        "steps": [
            {
                "step_id": row.step.pk,
                "position": row.step.position,
                "kind": row.step.kind,
                "reached": row.reached,
                "waiting": row.waiting,
                "outcomes": row.outcomes,
                "sent": row.sent,
                "opened": row.opened,
                "clicked": row.clicked,
            }
            for row in selectors.step_stats(journey)
        ],
    }
