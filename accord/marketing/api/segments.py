"""REST endpoints of segments and static lists: CRUD (versioned), counts, members, a count of
unsaved rules, and a static list's members added and removed.

A rule the API refuses is refused as the builder refuses it: 422 with the rule's path as the key
(``rules.1.0.days``) and a message naming the rule."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from accord.core import idempotency
from accord.core.access import Action, require
from accord.core.api import ERRORS, PageOut, StrictSchema, expected_version, list_parameters, list_query
from accord.core.requests import AuthedRequest
from accord.marketing import segmenting
from accord.marketing.selectors import segments as selectors
from accord.marketing.services import segments as services
from accord.people.models import Contact
from accord.people.selectors import CONTACT_LIST

router = Router(tags=["segments"])


class SegmentOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    description: str
    kind: str
    rules: dict[str, Any]
    owner_id: uuid.UUID
    team_id: uuid.UUID | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class SegmentIn(StrictSchema):
    name: str
    description: str = ""
    kind: Literal["dynamic", "static"] = "dynamic"
    rules: dict[str, Any] | None = None


class SegmentPatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    description: str | None = None
    rules: dict[str, Any] | None = None


class RulesIn(StrictSchema):
    rules: dict[str, Any]


class CountOut(Schema):
    count: int


class MemberOut(Schema):
    id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    phone: str
    owner_id: uuid.UUID

    @staticmethod
    def resolve_email(obj: Contact) -> str:
        return obj.primary_email

    @staticmethod
    def resolve_phone(obj: Contact) -> str:
        return obj.primary_phone


class MembersIn(StrictSchema):
    contact_ids: list[uuid.UUID]


class MembersChangedOut(Schema):
    changed: int
    count: int


@router.get(
    "/segments", response={200: PageOut[SegmentOut], **ERRORS}, openapi_extra=list_parameters(selectors.SEGMENT_LIST)
)
def list_segments(request: HttpRequest) -> Any:
    page = selectors.segment_page(request.user, list_query(request, selectors.SEGMENT_LIST))
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/segments/{uuid:segment_id}", response={200: SegmentOut, **ERRORS})
def get_segment(request: HttpRequest, segment_id: uuid.UUID, response: HttpResponse) -> Any:
    segment = selectors.segment_detail(request.user, segment_id)
    response["ETag"] = f'"{segment.version}"'
    return segment


@router.post("/segments", response={201: SegmentOut, **ERRORS})
def create_segment(request: AuthedRequest, payload: SegmentIn) -> Any:
    data = payload.model_dump(exclude_unset=True)
    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=lambda: services.create_segment(actor=request.user, data=data),
        serialize=lambda s: SegmentOut.from_orm(s).model_dump(mode="json"),
    )


@router.patch("/segments/{uuid:segment_id}", response={200: SegmentOut, **ERRORS})
def update_segment(request: AuthedRequest, segment_id: uuid.UUID, payload: SegmentPatch, response: HttpResponse) -> Any:
    segment = selectors.segment_detail(request.user, segment_id)
    data = {k: v for k, v in payload.model_dump(exclude_unset=True, exclude={"version"}).items() if v is not None}
    segment = services.update_segment(
        actor=request.user, segment=segment, data=data, expected_version=expected_version(request, payload.version)
    )
    response["ETag"] = f'"{segment.version}"'
    return segment


@router.delete("/segments/{uuid:segment_id}", response={204: None, **ERRORS})
def delete_segment(request: AuthedRequest, segment_id: uuid.UUID) -> Any:
    segment = selectors.segment_detail(request.user, segment_id)
    services.delete_segment(actor=request.user, segment=segment, expected_version=expected_version(request))
    return Status(204, None)


@router.get("/segments/{uuid:segment_id}/count", response={200: CountOut, **ERRORS})
def segment_count(request: HttpRequest, segment_id: uuid.UUID) -> Any:
    """How many members the caller sees (a dynamic segment evaluated now)."""
    segment = selectors.segment_detail(request.user, segment_id)
    return {"count": selectors.member_count(user=request.user, segment=segment)}


@router.get(
    "/segments/{uuid:segment_id}/members",
    response={200: PageOut[MemberOut], **ERRORS},
    openapi_extra=list_parameters(CONTACT_LIST),
)
def segment_members(request: HttpRequest, segment_id: uuid.UUID) -> Any:
    segment = selectors.segment_detail(request.user, segment_id)
    page = selectors.member_page(user=request.user, segment=segment, query=list_query(request, CONTACT_LIST))
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.post("/segments/preview-count", response={200: CountOut, **ERRORS})
def preview_count(request: HttpRequest, payload: RulesIn) -> Any:
    """How many contacts the caller sees match ``rules`` (not saved)."""
    rules = segmenting.clean(payload.rules, user=request.user)
    return {"count": selectors.matching(user=request.user, rules=rules).count()}


def _members(request: HttpRequest, ids: list[uuid.UUID]) -> list[Contact]:
    return list(selectors.visible_contacts(request.user).filter(pk__in=ids))


@router.post("/segments/{uuid:segment_id}/members", response={200: MembersChangedOut, **ERRORS})
def add_members(request: AuthedRequest, segment_id: uuid.UUID, payload: MembersIn) -> Any:
    """Put contacts on a static list (those the caller cannot see are left out)."""
    segment = selectors.segment_detail(request.user, segment_id)
    require(request.user, Action.CHANGE, segment)
    added = services.add_members(actor=request.user, segment=segment, contacts=_members(request, payload.contact_ids))
    return {"changed": added, "count": selectors.member_count(user=request.user, segment=segment)}


@router.post("/segments/{uuid:segment_id}/members/remove", response={200: MembersChangedOut, **ERRORS})
def remove_members(request: AuthedRequest, segment_id: uuid.UUID, payload: MembersIn) -> Any:
    segment = selectors.segment_detail(request.user, segment_id)
    removed = services.remove_members(
        actor=request.user, segment=segment, contacts=_members(request, payload.contact_ids)
    )
    return {"changed": removed, "count": selectors.member_count(user=request.user, segment=segment)}
