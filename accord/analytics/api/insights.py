"""The analytics insights endpoints: product profitability, the revenue forecast and the return on
the CRM. Read only, over the records the user may see; amounts in the base currency. Bad
parameters answer 422 naming each one."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from accord.analytics.selectors import forecasting, products, roi
from accord.core import access
from accord.core.access import AccessDenied
from accord.core.api import ERRORS

router = Router(tags=["analytics"])


def _require_amounts(request: HttpRequest) -> None:
    if not access.sees_amounts(request.user):
        raise AccessDenied(_("Your role may not see amounts, so it may not see this report."))


# --- product profitability ----------------------------------------------------------------------------


class ProfitFiguresOut(Schema):
    revenue: decimal.Decimal
    cost: decimal.Decimal
    margin: decimal.Decimal
    margin_percent: decimal.Decimal | None
    loss: bool


class ProductProfitOut(ProfitFiguresOut):
    product_id: str | None  # null: the lines typed in without a product
    name: str
    sku: str
    category: str
    quantity: decimal.Decimal
    costed: bool


class ProfitGroupOut(ProfitFiguresOut):
    key: str
    label: str
    products: int


class ProfitMatrixOut(Schema):
    product_id: str | None
    name: str
    margins: list[decimal.Decimal | None]  # one per period, null: not sold in it
    total: decimal.Decimal


class ProductLifeOut(ProductProfitOut):
    first_sale: datetime.date | None
    last_sale: datetime.date | None


class ProfitabilityOut(Schema):
    start: datetime.date
    end: datetime.date
    period: str
    currency: str
    total: ProfitGroupOut
    products: list[ProductProfitOut]
    categories: list[ProfitGroupOut]
    periods: list[ProfitGroupOut]
    matrix: list[ProfitMatrixOut]
    lifetime: list[ProductLifeOut]


def _figures(row: Any) -> dict[str, Any]:
    return {
        "revenue": row.revenue,
        "cost": row.cost,
        "margin": row.margin,
        "margin_percent": row.margin_percent,
        "loss": row.loss,
    }


def _product(row: Any) -> dict[str, Any]:
    return {
        **_figures(row),
        "product_id": str(row.key) if row.key is not None else None,
        "name": row.name,
        "sku": row.detail,
        "category": row.category,
        "quantity": row.quantity,
        "costed": row.costed,
    }


def _group(group: products.Group) -> dict[str, Any]:
    return {**_figures(group), "key": group.key, "label": group.label, "products": group.products}


@router.get(
    "/analytics/products/profitability",
    response={200: ProfitabilityOut, **ERRORS},
    openapi_extra={
        "parameters": [
            {
                "name": "start",
                "in": "query",
                "schema": {"type": "string", "format": "date"},
                "description": "First day",
            },
            {"name": "end", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "Last day"},
            {"name": "period", "in": "query", "schema": {"type": "string", "enum": list(products.PERIODS)}},
        ]
    },
    summary="Revenue, cost and margin per product, category and period, and each product's lifetime",
)
def get_product_profitability(request: HttpRequest) -> Any:
    _require_amounts(request)
    params = products.parse(request.GET)
    result = products.report(request.user, params)
    return {
        "start": params.start,
        "end": params.end,
        "period": params.period,
        "currency": result.currency,
        "total": _group(result.total),
        "products": [_product(p) for p in result.products],
        "categories": [_group(g) for g in result.categories],
        "periods": [_group(g) for g in result.periods],
        "matrix": [
            {
                "product_id": str(m.key) if m.key is not None else None,
                "name": m.name,
                "margins": m.margins,
                "total": m.total,
            }
            for m in result.matrix
        ],
        "lifetime": [
            {**_product(life), "first_sale": life.first_sale, "last_sale": life.last_sale} for life in result.lifetime
        ],
    }


# --- revenue forecast ---------------------------------------------------------------------------------


class RevenueHistoryOut(Schema):
    month: str  # YYYY-MM
    revenue: decimal.Decimal


class RevenueForecastPointOut(Schema):
    month: str
    forecast: decimal.Decimal | None  # null (and the bounds too): too little history for a model
    lo80: decimal.Decimal | None
    hi80: decimal.Decimal | None
    lo95: decimal.Decimal | None
    hi95: decimal.Decimal | None
    pipeline_amount: decimal.Decimal
    pipeline_weighted: decimal.Decimal
    pipeline_deals: int


class ForecastBacktestRowOut(Schema):
    month: str
    actual: decimal.Decimal
    model: decimal.Decimal
    naive: decimal.Decimal


class ForecastBacktestOut(Schema):
    months: int
    mae_model: decimal.Decimal
    mae_naive: decimal.Decimal
    mape_model: decimal.Decimal | None
    mape_naive: decimal.Decimal | None
    beats_naive: bool
    rows: list[ForecastBacktestRowOut]


class RevenueForecastOut(Schema):
    currency: str
    horizon: int
    method: str | None  # null: too little history for a forecast
    message: str
    history: list[RevenueHistoryOut]
    forecast: list[RevenueForecastPointOut]
    backtest: ForecastBacktestOut | None
    missing_rates: list[str]


@router.get(
    "/analytics/forecast",
    response={200: RevenueForecastOut, **ERRORS},
    openapi_extra={
        "parameters": [
            {
                "name": "horizon",
                "in": "query",
                "schema": {"type": "integer", "minimum": 6, "maximum": 12},
                "description": "Months to forecast (12 by default)",
            }
        ]
    },
    summary="Monthly revenue, its ETS forecast with 80% and 95% intervals, the pipeline and a backtest",
)
def get_forecast(request: HttpRequest) -> Any:
    _require_amounts(request)
    params = forecasting.parse(request.GET)
    result = forecasting.revenue_forecast(request.user, params)
    test = result.backtest
    message = ""
    if not result.enough:
        message = _("At least %(n)s months of revenue are needed for a forecast; there are %(have)s.") % {
            "n": forecasting.MIN_MONTHS,
            "have": len(result.history),
        }
    return {
        "currency": result.currency,
        "horizon": params.horizon,
        "method": result.method,
        "message": message,
        "history": [{"month": f"{m:%Y-%m}", "revenue": v} for m, v in result.history],
        "forecast": [
            {
                "month": f"{p.month:%Y-%m}",
                "forecast": p.mean,
                "lo80": p.lo80,
                "hi80": p.hi80,
                "lo95": p.lo95,
                "hi95": p.hi95,
                "pipeline_amount": p.pipeline_amount,
                "pipeline_weighted": p.pipeline_weighted,
                "pipeline_deals": p.pipeline_deals,
            }
            for p in result.points
        ],
        "backtest": None
        if test is None
        else {
            "months": len(test.rows),
            "mae_model": test.mae_model,
            "mae_naive": test.mae_naive,
            "mape_model": test.mape_model,
            "mape_naive": test.mape_naive,
            "beats_naive": test.beats_naive,
            "rows": [
                {"month": f"{r.month:%Y-%m}", "actual": r.actual, "model": r.model, "naive": r.naive} for r in test.rows
            ],
        },
        "missing_rates": result.missing_rates,
    }


# --- return on the CRM --------------------------------------------------------------------------------


class RoiWindowOut(Schema):
    start: datetime.date
    end: datetime.date


class RoiIndicatorOut(Schema):
    key: str
    label: str
    definition: str
    unit: str
    before: decimal.Decimal | None
    after: decimal.Decimal | None
    change: decimal.Decimal | None
    change_percent: decimal.Decimal | None
    higher_is_better: bool
    improved: bool | None


class RoiOut(Schema):
    date: datetime.date
    days: int
    currency: str
    before: RoiWindowOut
    after: RoiWindowOut
    indicators: list[RoiIndicatorOut]


@router.get(
    "/analytics/roi",
    response={200: RoiOut, **ERRORS},
    openapi_extra={
        "parameters": [
            {
                "name": "date",
                "in": "query",
                "required": True,
                "schema": {"type": "string", "format": "date"},
                "description": "The day the CRM was adopted",
            },
            {
                "name": "days",
                "in": "query",
                "schema": {"type": "integer", "minimum": 7, "maximum": 366},
                "description": "The windows' length (by default the days since adoption, at most a year)",
            },
        ]
    },
    summary="Win rate, sales cycle, revenue per rep, first response, DSO and churn before and after adoption",
)
def get_roi(request: HttpRequest) -> Any:
    params = roi.parse(request.GET)
    report = roi.report(request.user, params)
    return {
        "date": params.date,
        "days": params.days,
        "currency": report.currency,
        "before": {"start": report.before.start, "end": report.before.end},
        "after": {"start": report.after.start, "end": report.after.end},
        "indicators": [
            {
                "key": i.key,
                "label": i.label,
                "definition": i.definition,
                "unit": i.unit,
                "before": i.before,
                "after": i.after,
                "change": i.change,
                "change_percent": i.change_percent,
                "higher_is_better": i.higher_is_better,
                "improved": i.improved,
            }
            for i in report.indicators
        ],
    }
