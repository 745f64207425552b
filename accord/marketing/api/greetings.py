"""REST endpoints of greetings: the rules (administrators and marketers) and the upcoming ones."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.http import Http404
from ninja import Router, Schema, Status
from pydantic import Field

from accord.core.access import AccessDenied
from accord.core.api import ERRORS, StrictSchema, expected_version
from accord.core.requests import AuthedRequest
from accord.marketing.models import GreetingRule
from accord.marketing.selectors import greetings as selectors
from accord.marketing.services import greetings as services

router = Router(tags=["greetings"])


class TextIn(StrictSchema):
    subject: str = ""
    body: str = ""


class RuleIn(StrictSchema):
    name: str
    occasion: str
    channel: str
    holidays: list[str] = []
    texts: dict[str, TextIn] = {}
    send_at: str = "09:00"
    enabled: bool = False


class RulePatch(StrictSchema):
    name: str | None = None
    occasion: str | None = None
    channel: str | None = None
    holidays: list[str] | None = None
    texts: dict[str, TextIn] | None = None
    send_at: str | None = None
    enabled: bool | None = None
    version: int | None = None


class TextOut(Schema):
    subject: str = ""
    body: str = ""


class RuleOut(Schema):
    id: uuid.UUID
    name: str
    occasion: str
    channel: str
    holidays: list[str]
    texts: dict[str, TextOut]
    send_at: str
    enabled: bool
    version: int

    @staticmethod
    def resolve_send_at(obj: Any) -> str:
        return obj.send_at.strftime("%H:%M")


class UpcomingOut(Schema):
    date: datetime.date
    rule_id: uuid.UUID
    occasion: str
    label: str
    count: int


class UpcomingList(Schema):
    items: list[UpcomingOut]
    totals: dict[str, int] = Field(default_factory=dict)


def _require(request: AuthedRequest) -> None:
    if not selectors.may_manage(request.user):
        raise AccessDenied()


def _rule(request: AuthedRequest, rule_id: uuid.UUID) -> GreetingRule:
    _require(request)
    rule = selectors.rules(request.user).filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    return rule


def _data(payload: Schema) -> dict[str, Any]:
    data = payload.model_dump(exclude_none=True, exclude={"version"})
    return data


@router.get("/greetings/rules", response={200: list[RuleOut], **ERRORS})
def list_rules(request: AuthedRequest) -> Any:
    """The greeting rules (administrators and marketers)."""
    _require(request)
    return list(selectors.rules(request.user))


@router.post("/greetings/rules", response={201: RuleOut, **ERRORS})
def create_rule(request: AuthedRequest, payload: RuleIn) -> Any:
    _require(request)
    return Status(201, services.save_rule(actor=request.user, data=_data(payload)))


@router.get("/greetings/rules/{uuid:rule_id}", response={200: RuleOut, **ERRORS})
def get_rule(request: AuthedRequest, rule_id: uuid.UUID) -> Any:
    return _rule(request, rule_id)


@router.patch("/greetings/rules/{uuid:rule_id}", response={200: RuleOut, **ERRORS})
def update_rule(request: AuthedRequest, rule_id: uuid.UUID, payload: RulePatch) -> Any:
    rule = _rule(request, rule_id)
    version = expected_version(request, payload.version)
    return services.save_rule(actor=request.user, rule=rule, data=_data(payload), version=version)


@router.delete("/greetings/rules/{uuid:rule_id}", response={204: None, **ERRORS})
def delete_rule(request: AuthedRequest, rule_id: uuid.UUID) -> Any:
    rule = _rule(request, rule_id)
    services.delete_rule(actor=request.user, rule=rule, version=expected_version(request))
    return Status(204, None)


@router.get("/greetings/upcoming", response={200: UpcomingList, **ERRORS})
def upcoming(request: AuthedRequest, start: datetime.date | None = None, days: int = 30) -> Any:
    """The greetings of the enabled rules in the ``days`` days from ``start`` (today), counted
    per day and occasion."""
    _require(request)
    found = selectors.upcoming(request.user, start=start, days=max(1, min(days, 366)))
    return {
        "items": [
            {"date": u.day, "rule_id": u.rule.pk, "occasion": u.rule.occasion, "label": u.occasion, "count": u.count}
            for u in found
        ],
        "totals": selectors.totals(found),
    }
