"""REST endpoints for interactions and tasks."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accord.activities import selectors, services
from accord.activities.models import Interaction, Task
from accord.core import idempotency
from accord.core import selectors as core_selectors
from accord.core.api import (
    ERRORS,
    PageOut,
    StrictSchema,
    UserRef,
    expected_version,
    list_parameters,
    list_query,
    wants_total,
)
from accord.core.listing import apply
from accord.core.requests import AuthedRequest
from accord.identity.selectors import find_user
from accord.people.models import Company, Contact
from accord.people.selectors import visible_contacts

router = Router(tags=["activities"])


class InteractionIn(StrictSchema):
    channel: str
    direction: str = ""
    occurred_at: datetime.datetime | None = None
    duration_seconds: int | None = None
    outcome: str = ""
    subject: str = ""
    body: str = ""
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    participant_ids: list[uuid.UUID] = []
    external_id: str | None = None


class InteractionPatch(StrictSchema):
    version: int | None = None
    channel: str | None = None
    direction: str | None = None
    occurred_at: datetime.datetime | None = None
    duration_seconds: int | None = None
    outcome: str | None = None
    subject: str | None = None
    body: str | None = None
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    participant_ids: list[uuid.UUID] | None = None


class InteractionOut(Schema):
    id: uuid.UUID
    version: int
    channel: str
    direction: str
    occurred_at: datetime.datetime
    duration_seconds: int | None
    outcome: str
    subject: str
    body: str
    author: UserRef
    contact_id: uuid.UUID | None
    company_id: uuid.UUID | None
    external_id: str | None
    created_at: datetime.datetime


class TaskIn(StrictSchema):
    title: str
    description: str = ""
    due_at: datetime.datetime | None = None
    remind_at: datetime.datetime | None = None
    priority: str = "normal"
    owner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None


class TaskPatch(StrictSchema):
    version: int | None = None
    title: str | None = None
    description: str | None = None
    due_at: datetime.datetime | None = None
    remind_at: datetime.datetime | None = None
    priority: str | None = None
    status: str | None = None
    owner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None


class TaskOut(Schema):
    id: uuid.UUID
    version: int
    title: str
    description: str
    due_at: datetime.datetime | None
    remind_at: datetime.datetime | None
    status: str
    priority: str
    completed_at: datetime.datetime | None
    owner: UserRef
    contact_id: uuid.UUID | None
    company_id: uuid.UUID | None
    created_at: datetime.datetime


def _parties(request: HttpRequest, given: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """Resolve contact_id / company_id to records the caller may see."""
    data: dict[str, Any] = {}
    for key, model in (("contact_id", Contact), ("company_id", Company)):
        if key in given:
            if given[key] is None:
                data[key[:-3]] = None
                continue
            obj = core_selectors.find_visible(request.user, model, given[key])
            if obj is None:
                errors[key] = [_("No such record.")]
            else:
                data[key[:-3]] = obj
    return data


def _interaction_data(request: HttpRequest, payload: Any) -> services.InteractionData:
    given = payload.model_dump(exclude_unset=True)
    errors: dict[str, list[str]] = {}
    data = {k: v for k, v in given.items() if k not in {"contact_id", "company_id", "participant_ids", "version"}}
    data.update(_parties(request, given, errors))
    if "participant_ids" in given and given["participant_ids"] is not None:
        ids = given["participant_ids"]
        people = list(visible_contacts(request.user).filter(pk__in=ids))
        if len(people) != len(set(ids)):
            errors["participant_ids"] = [_("Some of these contacts do not exist.")]
        data["participants"] = people
    if errors:
        raise ValidationError(errors)
    return services.interaction_data(data)


def _task_data(request: HttpRequest, payload: Any) -> services.TaskData:
    given = payload.model_dump(exclude_unset=True)
    errors: dict[str, list[str]] = {}
    data = {k: v for k, v in given.items() if k not in {"contact_id", "company_id", "owner_id", "version", "status"}}
    data.update(_parties(request, given, errors))
    if given.get("owner_id") is not None:
        owner = find_user(given["owner_id"])
        if owner is None:
            errors["owner_id"] = [_("No such user.")]
        data["owner"] = owner
    if "status" in given and given["status"] is not None:
        data["status"] = given["status"]
    if errors:
        raise ValidationError(errors)
    return services.task_data(data)


def _etag(response: HttpResponse, obj: Any) -> None:
    response["ETag"] = f'"{obj.version}"'


# --- interactions ---------------------------------------------------------------------------------


@router.get(
    "/interactions",
    response={200: PageOut[InteractionOut], **ERRORS},
    openapi_extra=list_parameters(selectors.INTERACTION_LIST),
    tags=["interactions"],
)
def list_interactions(request: HttpRequest) -> Any:
    query = list_query(request, selectors.INTERACTION_LIST)
    page = selectors.interaction_page(request.user, query)
    total = (
        apply(selectors.INTERACTION_LIST, query, selectors.visible_interactions(request.user)).count()
        if wants_total(request)
        else None
    )
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor, "total": total}


@router.post("/interactions", response={201: InteractionOut, **ERRORS}, tags=["interactions"])
def create_interaction(request: AuthedRequest, payload: InteractionIn) -> Any:
    def run() -> Interaction:
        return services.log_interaction(actor=request.user, data=_interaction_data(request, payload))

    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=run,
        serialize=lambda obj: InteractionOut.from_orm(selectors.interaction_detail(request.user, obj.pk)).model_dump(
            mode="json"
        ),
    )


@router.get("/interactions/{uuid:interaction_id}", response={200: InteractionOut, **ERRORS}, tags=["interactions"])
def get_interaction(request: HttpRequest, interaction_id: uuid.UUID, response: HttpResponse) -> Any:
    interaction = selectors.interaction_detail(request.user, interaction_id)
    _etag(response, interaction)
    return interaction


@router.patch("/interactions/{uuid:interaction_id}", response={200: InteractionOut, **ERRORS}, tags=["interactions"])
def update_interaction(
    request: AuthedRequest, interaction_id: uuid.UUID, payload: InteractionPatch, response: HttpResponse
) -> Any:
    interaction = selectors.interaction_detail(request.user, interaction_id)
    services.update_interaction(
        actor=request.user,
        interaction=interaction,
        data=_interaction_data(request, payload),
        expected_version=expected_version(request, payload.version),
    )
    interaction = selectors.interaction_detail(request.user, interaction_id)
    _etag(response, interaction)
    return interaction


@router.delete("/interactions/{uuid:interaction_id}", response={204: None, **ERRORS}, tags=["interactions"])
def delete_interaction(request: AuthedRequest, interaction_id: uuid.UUID) -> Any:
    interaction = selectors.interaction_detail(request.user, interaction_id)
    services.delete_interaction(actor=request.user, interaction=interaction, expected_version=expected_version(request))
    return Status(204, None)


# --- tasks -----------------------------------------------------------------------------------------


@router.get(
    "/tasks",
    response={200: PageOut[TaskOut], **ERRORS},
    openapi_extra=list_parameters(selectors.TASK_LIST),
    tags=["tasks"],
)
def list_tasks(request: HttpRequest) -> Any:
    query = list_query(request, selectors.TASK_LIST)
    page = selectors.task_page(request.user, query)
    total = (
        apply(selectors.TASK_LIST, query, selectors.visible_tasks(request.user)).count()
        if wants_total(request)
        else None
    )
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor, "total": total}


@router.post("/tasks", response={201: TaskOut, **ERRORS}, tags=["tasks"])
def create_task(request: AuthedRequest, payload: TaskIn) -> Any:
    def run() -> Task:
        return services.create_task(actor=request.user, data=_task_data(request, payload))

    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=run,
        serialize=lambda obj: TaskOut.from_orm(selectors.task_detail(request.user, obj.pk)).model_dump(mode="json"),
    )


@router.get("/tasks/{uuid:task_id}", response={200: TaskOut, **ERRORS}, tags=["tasks"])
def get_task(request: HttpRequest, task_id: uuid.UUID, response: HttpResponse) -> Any:
    task = selectors.task_detail(request.user, task_id)
    _etag(response, task)
    return task


@router.patch("/tasks/{uuid:task_id}", response={200: TaskOut, **ERRORS}, tags=["tasks"])
def update_task(request: AuthedRequest, task_id: uuid.UUID, payload: TaskPatch, response: HttpResponse) -> Any:
    task = selectors.task_detail(request.user, task_id)
    services.update_task(
        actor=request.user,
        task=task,
        data=_task_data(request, payload),
        expected_version=expected_version(request, payload.version),
    )
    task = selectors.task_detail(request.user, task_id)
    _etag(response, task)
    return task


@router.delete("/tasks/{uuid:task_id}", response={204: None, **ERRORS}, tags=["tasks"])
def delete_task(request: AuthedRequest, task_id: uuid.UUID) -> Any:
    task = selectors.task_detail(request.user, task_id)
    services.delete_task(actor=request.user, task=task, expected_version=expected_version(request))
    return Status(204, None)
