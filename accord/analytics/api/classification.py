"""The classification endpoints: a contact's or a company's RFM and ABC classification, with its
lifetime value and churn risk."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from accord.analytics.selectors import classification as selectors
from accord.analytics.selectors import lifetime
from accord.core.api import ERRORS

router = Router(tags=["analytics"])


class ClassificationOut(Schema):
    as_of: datetime.date
    computed_at: datetime.datetime
    recency: int
    frequency: int
    monetary: int
    rfm: str
    segment: str
    segment_label: str
    abc_revenue: str
    abc_margin: str
    orders: int
    last_order_at: datetime.datetime
    revenue: decimal.Decimal | None  # null for a role that may not see amounts
    margin: decimal.Decimal | None
    uncosted_lines: int
    reason: str


class LifetimeOut(Schema):
    as_of: datetime.date
    frequency: int  # repeat purchases: days with a purchase after the first
    recency_weeks: float  # first purchase to last
    age_weeks: float  # first purchase to as_of
    p_alive: float
    expected_purchases: float  # in the next twelve months
    churn_risk: Literal["low", "medium", "high"]
    churn_risk_label: str
    # null for a role that may not see amounts (and the order value without a repeat purchase,
    # the margin ratio when no cost is known)
    mean_order_value: decimal.Decimal | None
    expected_order_value: decimal.Decimal | None
    clv: decimal.Decimal | None  # twelve months, discounted, on margin where a cost is known
    margin_ratio: float | None
    on_margin: bool
    reason: str


class CustomerClassificationOut(Schema):
    kind: Literal["contact", "company"]
    id: uuid.UUID
    # null: no order in the twelve months before the last run
    classification: ClassificationOut | None
    # null: no counted order before the last run, or not enough history to fit the models
    lifetime: LifetimeOut | None


def _out(
    kind: str, pk: uuid.UUID, found: selectors.Classification | None, values: lifetime.Lifetime | None
) -> dict[str, Any]:
    data = None
    if found is not None:
        data = {**found.__dict__, "rfm": found.rfm}
    return {
        "kind": kind,
        "id": pk,
        "classification": data,
        "lifetime": values.__dict__ if values is not None else None,
    }


@router.get("/contacts/{contact_id}/classification", response={200: CustomerClassificationOut, **ERRORS})
def contact_classification(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    """The contact's RFM scores and segment and ABC classes, with the reason, and its lifetime
    value and churn risk; 404 if the contact is out of sight."""
    contact = selectors.visible_contact(request.user, contact_id)
    user = request.user
    return _out("contact", contact.pk, selectors.of_contact(user, contact), lifetime.of_contact(user, contact))


@router.get("/companies/{company_id}/classification", response={200: CustomerClassificationOut, **ERRORS})
def company_classification(request: HttpRequest, company_id: uuid.UUID) -> Any:
    """The company's RFM scores and segment and ABC classes, with the reason, and its lifetime
    value and churn risk; 404 if the company is out of sight."""
    company = selectors.visible_company(request.user, company_id)
    user = request.user
    return _out("company", company.pk, selectors.of_company(user, company), lifetime.of_company(user, company))
