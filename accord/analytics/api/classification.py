"""The classification endpoints: a contact's or a company's RFM and ABC classification, with its
lifetime value and churn risk."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from accord.analytics.models import CostRates
from accord.analytics.selectors import classification as selectors
from accord.analytics.selectors import lifetime
from accord.analytics.services import cost_to_serve
from accord.core import access, money
from accord.core.access import AccessDenied
from accord.core.api import ERRORS, StrictSchema, expected_version
from accord.core.requests import AuthedRequest

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
    value_class: Literal["key", "regular", "unprofitable"]
    value_label: str
    # The cost to serve over the same twelve months (null for a role that may not see amounts).
    discounts: decimal.Decimal | None
    interaction_cost: decimal.Decimal | None
    service_cost: decimal.Decimal | None
    collection_cost: decimal.Decimal | None
    late_payment_cost: decimal.Decimal | None
    cost_to_serve: decimal.Decimal | None
    contribution: decimal.Decimal | None
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


class CostRatesOut(Schema):
    version: int  # 0: the defaults, never saved
    currency: str
    phone: decimal.Decimal
    email: decimal.Decimal
    meeting: decimal.Decimal
    visit: decimal.Decimal
    chat: decimal.Decimal
    sms: decimal.Decimal
    letter: decimal.Decimal
    fax: decimal.Decimal
    web_form: decimal.Decimal
    social: decimal.Decimal
    ticket: decimal.Decimal
    collection_email: decimal.Decimal
    collection_sms: decimal.Decimal
    collection_letter: decimal.Decimal
    collection_call: decimal.Decimal
    collection_handoff: decimal.Decimal
    financing_percent: decimal.Decimal
    key_share_percent: int


class CostRatesIn(StrictSchema):
    """The rates to change; the others stay. Amounts as numbers or strings."""

    version: int | None = None
    phone: decimal.Decimal | str | None = None
    email: decimal.Decimal | str | None = None
    meeting: decimal.Decimal | str | None = None
    visit: decimal.Decimal | str | None = None
    chat: decimal.Decimal | str | None = None
    sms: decimal.Decimal | str | None = None
    letter: decimal.Decimal | str | None = None
    fax: decimal.Decimal | str | None = None
    web_form: decimal.Decimal | str | None = None
    social: decimal.Decimal | str | None = None
    ticket: decimal.Decimal | str | None = None
    collection_email: decimal.Decimal | str | None = None
    collection_sms: decimal.Decimal | str | None = None
    collection_letter: decimal.Decimal | str | None = None
    collection_call: decimal.Decimal | str | None = None
    collection_handoff: decimal.Decimal | str | None = None
    financing_percent: decimal.Decimal | str | None = None
    key_share_percent: int | str | None = None


def _rates_out(rates: CostRates, response: HttpResponse) -> dict[str, Any]:
    version = cost_to_serve.saved_version(rates)
    response["ETag"] = f'"{version}"'
    return {
        "version": version,
        "currency": money.base_currency(),
        **{name: getattr(rates, name) for name in cost_to_serve.RATE_FIELDS},
    }


@router.get("/analytics/cost-rates", response={200: CostRatesOut, **ERRORS})
def get_cost_rates(request: HttpRequest, response: HttpResponse) -> Any:
    """The rates the cost to serve is charged at (administrators only)."""
    if not access.is_admin(request.user):
        raise AccessDenied()
    return _rates_out(cost_to_serve.current_rates(), response)


@router.patch("/analytics/cost-rates", response={200: CostRatesOut, **ERRORS})
def update_cost_rates(request: AuthedRequest, payload: CostRatesIn, response: HttpResponse) -> Any:
    """Change some rates (administrators only); each wrong one is named in the 422, nothing is
    saved unless all are right. ``If-Match`` or ``version`` guards against a stale edit."""
    given = payload.model_dump(exclude_unset=True, exclude={"version"})
    rates = cost_to_serve.update_rates(
        actor=request.user, data=given, expected_version=expected_version(request, payload.version)
    )
    return _rates_out(rates, response)
