"""Retention by first-purchase month over the API."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from accord.analytics.selectors import cohorts as selectors
from accord.core.api import ERRORS

router = Router(tags=["analytics"])


class CohortOut(Schema):
    month: datetime.date
    customers: int
    # customers ordering k months after their first (k = 0, 1, ...), up to this month
    active: list[int | None]
    shares: list[float | None]


class RetentionOut(Schema):
    first: datetime.date
    last: datetime.date
    cohorts: list[CohortOut]
    average: list[float | None]


@router.get("/analytics/cohorts", response={200: RetentionOut, **ERRORS})
def cohort_retention(request: HttpRequest, months: str | None = None) -> Any:
    """The last ``months`` (3-36, default 12) cohorts of customers by the month of their first
    confirmed order and the share of each that ordered again in each month after; counted over the
    orders the caller may see."""
    result = selectors.retention(request.user, months=selectors.parse_months(months))
    return {
        "first": result.first,
        "last": result.last,
        "cohorts": [
            {"month": c.month, "customers": c.customers, "active": c.active, "shares": c.shares} for c in result.cohorts
        ],
        "average": result.average,
    }
