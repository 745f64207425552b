"""REST endpoints of the sales forecast and the team's effectiveness (read only, scoped by the access
policy like every list). Amounts are in the base currency; ``missing_rates`` names the currencies
left out for want of an exchange rate.

The forecast is a sum of amounts: a role that may not see amounts is refused it (403). Its metrics
keep their counts and rates, with the amounts null."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from accord.core import access
from accord.core.access import AccessDenied
from accord.core.api import ERRORS
from accord.sales.selectors import forecast as selectors

router = Router(tags=["forecast"])


# --- schemas ------------------------------------------------------------------------------------------


class PeriodOut(Schema):
    period: str
    start: datetime.date
    end: datetime.date


class ForecastRowOut(Schema):
    key: str
    label: str
    deals: int
    amount: decimal.Decimal
    weighted: decimal.Decimal


class ForecastOut(Schema):
    group: str
    currency: str
    period: PeriodOut
    rows: list[ForecastRowOut]
    total: ForecastRowOut
    missing_rates: list[str]


class StageConversionOut(Schema):
    stage_id: str
    name: str
    kind: str
    reached: int
    to_next: decimal.Decimal | None
    to_won: decimal.Decimal | None


class ForecastLostReasonOut(Schema):
    reason_id: str
    name: str
    deals: int
    amount: decimal.Decimal | None
    share: decimal.Decimal | None


class MetricsOut(Schema):
    currency: str
    period: PeriodOut
    pipeline_id: str | None
    won_deals: int
    won_amount: decimal.Decimal | None
    lost_deals: int
    lost_amount: decimal.Decimal | None
    win_rate: decimal.Decimal | None
    average_cycle_days: decimal.Decimal | None
    conversion: list[StageConversionOut]
    lost_reasons: list[ForecastLostReasonOut]
    missing_rates: list[str]


# --- parameters ---------------------------------------------------------------------------------------

_FILTER_PARAMETERS: list[dict[str, Any]] = [
    {
        "name": "period",
        "in": "query",
        "schema": {"type": "string", "enum": [*selectors.PERIODS, "custom"]},
        "description": f"A named period (default {selectors.DEFAULT_PERIOD}), or custom with start and end",
    },
    {"name": "start", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "First day"},
    {"name": "end", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "Last day"},
    {"name": "pipeline", "in": "query", "schema": {"type": "string", "format": "uuid"}},
    {"name": "owner", "in": "query", "schema": {"type": "string", "format": "uuid"}},
    {"name": "team", "in": "query", "schema": {"type": "string", "format": "uuid"}},
]


def _filter(params: Mapping[str, Any], errors: dict[str, list[str]]) -> selectors.SalesFilter | None:
    try:
        return selectors.parse_filter(params)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return None


def _period(flt: selectors.SalesFilter) -> dict[str, Any]:
    return {"period": flt.period, "start": flt.start, "end": flt.end}


# --- endpoints ----------------------------------------------------------------------------------------


@router.get(
    "/sales/forecast",
    response={200: ForecastOut, **ERRORS},
    openapi_extra={
        "parameters": [
            {
                "name": "group",
                "in": "query",
                "schema": {"type": "string", "enum": list(selectors.GROUPS)},
                "description": "Rows by month of expected close (default), by owner or by team",
            },
            *_FILTER_PARAMETERS,
        ]
    },
    summary="Weighted forecast of open deals",
)
def get_forecast(request: HttpRequest) -> Any:
    if not access.sees_amounts(request.user):
        raise AccessDenied(_("Your role may not see amounts, so it may not see the forecast."))
    errors: dict[str, list[str]] = {}
    group = request.GET.get("group") or "month"
    if group not in selectors.GROUPS:
        errors["group"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(selectors.GROUPS)}]
    flt = _filter(request.GET, errors)
    if errors or flt is None:
        raise ValidationError(errors)
    result = selectors.forecast(request.user, flt, group)
    return {
        "group": result.group,
        "currency": result.currency,
        "period": _period(flt),
        "rows": result.rows,
        "total": result.total,
        "missing_rates": result.missing_rates,
    }


@router.get(
    "/sales/metrics",
    response={200: MetricsOut, **ERRORS},
    openapi_extra={"parameters": _FILTER_PARAMETERS},
    summary="Conversion per stage, win rate, sales cycle and lost reasons",
)
def get_metrics(request: HttpRequest) -> Any:
    errors: dict[str, list[str]] = {}
    flt = _filter(request.GET, errors)
    if errors or flt is None:
        raise ValidationError(errors)
    result = selectors.metrics(request.user, flt)
    amounts = access.sees_amounts(request.user)
    lost_reasons = (
        result.lost_reasons
        if amounts
        else [
            {"reason_id": r.reason_id, "name": r.name, "deals": r.deals, "share": r.share} for r in result.lost_reasons
        ]
    )
    return {
        "currency": result.currency,
        "period": _period(flt),
        "pipeline_id": str(result.pipeline.pk) if result.pipeline else None,
        "won_deals": result.won_deals,
        "won_amount": result.won_amount if amounts else None,
        "lost_deals": result.lost_deals,
        "lost_amount": result.lost_amount if amounts else None,
        "win_rate": result.win_rate,
        "average_cycle_days": result.average_cycle_days,
        "conversion": result.conversion,
        "lost_reasons": lost_reasons,
        "missing_rates": result.missing_rates,
    }
