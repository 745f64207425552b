"""REST endpoints of offers: offer rules (CRUD, versioned; admins and marketers), a rule's uplift
report, and a contact's next best offer (anyone who may see the contact)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from accord.core import idempotency
from accord.core.api import ERRORS, StrictSchema, expected_version
from accord.core.requests import AuthedRequest
from accord.marketing.models import OfferRule
from accord.marketing.selectors import offers as selectors
from accord.marketing.services import offers as services

router = Router(tags=["offers"])


class OfferRuleOut(Schema):
    id: uuid.UUID
    version: int
    name: str
    product_id: uuid.UUID | None
    title: str
    url: str
    description: str
    offer_name: str
    preferences: list[str]
    classifications: list[str]
    conditions: dict[str, Any]
    priority: int
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    active: bool
    holdout_percent: int
    repurchase_days: int
    conversion_days: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class OfferRuleIn(StrictSchema):
    name: str
    product_id: uuid.UUID | None = None
    title: str = ""
    url: str = ""
    description: str = ""
    preferences: list[str] = []
    classifications: list[str] = []
    conditions: dict[str, Any] | None = None
    priority: int = 0
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    active: bool = True
    holdout_percent: int = 0
    repurchase_days: int = 90
    conversion_days: int = 30


class OfferRulePatch(StrictSchema):
    version: int | None = None
    name: str | None = None
    product_id: uuid.UUID | None = None
    title: str | None = None
    url: str | None = None
    description: str | None = None
    preferences: list[str] | None = None
    classifications: list[str] | None = None
    conditions: dict[str, Any] | None = None
    priority: int | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    active: bool | None = None
    holdout_percent: int | None = None
    repurchase_days: int | None = None
    conversion_days: int | None = None


class OfferOut(Schema):
    rule_id: uuid.UUID
    contact_id: uuid.UUID
    name: str
    url: str
    reason: str
    product_id: uuid.UUID | None


class NextOfferOut(Schema):
    offer: OfferOut | None


class GroupOut(Schema):
    contacts: int
    converted: int
    rate: float | None


class UpliftOut(Schema):
    rule_id: uuid.UUID
    conversion_days: int
    holdout_percent: int
    measured: bool
    treated: GroupOut
    held_out: GroupOut
    difference: float | None
    z: float | None
    enough_data: bool
    significant: bool
    verdict: str


def _data(payload: dict[str, Any]) -> dict[str, Any]:
    if "product_id" in payload:
        payload["product"] = payload.pop("product_id")
    return payload


@router.get("/offers/rules", response={200: list[OfferRuleOut], **ERRORS})
def list_rules(request: HttpRequest) -> Any:
    return list(selectors.rules_for(request.user))


@router.get("/offers/rules/{uuid:rule_id}", response={200: OfferRuleOut, **ERRORS})
def get_rule(request: HttpRequest, rule_id: uuid.UUID, response: HttpResponse) -> Any:
    rule = selectors.rule_detail(request.user, rule_id)
    response["ETag"] = f'"{rule.version}"'
    return rule


@router.post("/offers/rules", response={201: OfferRuleOut, **ERRORS})
def create_rule(request: AuthedRequest, payload: OfferRuleIn) -> Any:
    data = _data(payload.model_dump(exclude_unset=True))
    data.setdefault("name", payload.name)

    def run() -> OfferRule:
        return services.create_rule(actor=request.user, data=data)

    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=run,
        serialize=lambda r: OfferRuleOut.from_orm(r).model_dump(mode="json"),
    )


@router.patch("/offers/rules/{uuid:rule_id}", response={200: OfferRuleOut, **ERRORS})
def update_rule(request: AuthedRequest, rule_id: uuid.UUID, payload: OfferRulePatch, response: HttpResponse) -> Any:
    rule = selectors.rule_detail(request.user, rule_id)
    # A field sent as null is cleared where it may be (dates, the product); others ignore null.
    clearable = {"product_id", "valid_from", "valid_until"}
    data = {
        k: v
        for k, v in payload.model_dump(exclude_unset=True, exclude={"version"}).items()
        if v is not None or k in clearable
    }
    rule = services.update_rule(
        actor=request.user, rule=rule, data=_data(data), expected_version=expected_version(request, payload.version)
    )
    response["ETag"] = f'"{rule.version}"'
    return rule


@router.delete("/offers/rules/{uuid:rule_id}", response={204: None, **ERRORS})
def delete_rule(request: AuthedRequest, rule_id: uuid.UUID) -> Any:
    rule = selectors.rule_detail(request.user, rule_id)
    services.delete_rule(actor=request.user, rule=rule, expected_version=expected_version(request))
    return Status(204, None)


@router.get("/offers/rules/{uuid:rule_id}/uplift", response={200: UpliftOut, **ERRORS})
def rule_uplift(request: HttpRequest, rule_id: uuid.UUID) -> Any:
    """Conversion among contacts offered the rule's offer against its held-out contacts."""
    rule = selectors.rule_detail(request.user, rule_id)
    report = selectors.uplift(rule)
    if not report.measured:
        verdict = "not_measured"
    elif not report.enough_data:
        verdict = "not_enough_data"
    else:
        verdict = "significant" if report.significant else "not_significant"
    return {
        "rule_id": rule.pk,
        "conversion_days": rule.conversion_days,
        "holdout_percent": rule.holdout_percent,
        "measured": report.measured,
        "treated": {**report.treated.__dict__, "rate": report.treated.rate},
        "held_out": {**report.held_out.__dict__, "rate": report.held_out.rate},
        "difference": report.difference,
        "z": report.z,
        "enough_data": report.enough_data,
        "significant": report.significant,
        "verdict": verdict,
    }


@router.get("/contacts/{uuid:contact_id}/next-offer", response={200: NextOfferOut, **ERRORS})
def next_offer(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    """The contact's next best offer with the reason (null: none now)."""
    _contact, offer = selectors.offer_for(request.user, contact_id)
    if offer is None:
        return {"offer": None}
    return {
        "offer": {
            "rule_id": offer.rule.pk,
            "contact_id": offer.contact_id,
            "name": offer.name,
            "url": offer.url,
            "reason": offer.reason,
            "product_id": offer.product_id,
        }
    }
