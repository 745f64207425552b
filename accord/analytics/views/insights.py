"""The insight screens: product profitability, the revenue forecast and the return on the CRM.
Thin: parse the parameters (bad ones are shown and replaced by the defaults), call the selectors,
render the page or export one of its tables."""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.analytics.selectors import forecasting, products, roi
from accord.core import access, exports
from accord.core.access import AccessDenied
from accord.core.exports import Column


def _parsed(request: HttpRequest, parse: Callable[[Mapping[str, Any]], Any]) -> tuple[Any, dict[str, list[str]]]:
    """The parameters asked for; the bad ones are reported and left out (their defaults used)."""
    try:
        return parse(request.GET), {}
    except ValidationError as exc:
        errors = exc.message_dict
        good = {k: v for k, v in request.GET.items() if k not in errors}
        try:
            return parse(good), errors
        except ValidationError:
            return None, errors


def _require_amounts(request: HttpRequest) -> None:
    if not access.sees_amounts(request.user):
        raise AccessDenied(_("Your role may not see amounts, so it may not see this report."))


def _export(request: HttpRequest, columns: list[Column], rows: Any, basename: str) -> HttpResponseBase:
    if not access.can_export(request.user):
        raise AccessDenied()
    return exports.download(request, columns, rows, basename)


def _number(value: decimal.Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _quantity(value: decimal.Decimal) -> decimal.Decimal:
    """Three decimals, as stored, whichever database summed them (SQLite drops the scale)."""
    return value.quantize(decimal.Decimal("0.001"))


# --- product profitability ----------------------------------------------------------------------------

FIGURES = [
    Column("revenue", lambda r: r.revenue, gettext_lazy("Revenue")),
    Column("cost", lambda r: r.cost, gettext_lazy("Cost")),
    Column("margin", lambda r: r.margin, gettext_lazy("Margin")),
    Column("margin_percent", lambda r: r.margin_percent, gettext_lazy("Margin (%)")),
]
PRODUCT_COLUMNS = [
    Column("name", lambda r: r.name, gettext_lazy("Product")),
    Column("sku", lambda r: r.detail, gettext_lazy("SKU")),
    Column("category", lambda r: r.category, gettext_lazy("Category")),
    Column("quantity", lambda r: _quantity(r.quantity), gettext_lazy("Quantity")),
    *FIGURES,
    Column("loss", lambda r: r.loss, gettext_lazy("Loss")),
    Column("costed", lambda r: r.costed, gettext_lazy("Every line has a cost")),
]
CATEGORY_COLUMNS = [
    Column("category", lambda r: r.label, gettext_lazy("Category")),
    Column("products", lambda r: r.products, gettext_lazy("Products")),
    *FIGURES,
]
PERIOD_COLUMNS = [
    Column("period", lambda r: r.key, gettext_lazy("Period")),
    Column("label", lambda r: r.label, gettext_lazy("Name")),
    *FIGURES,
]
LIFETIME_COLUMNS = [
    Column("name", lambda r: r.name, gettext_lazy("Product")),
    Column("sku", lambda r: r.detail, gettext_lazy("SKU")),
    Column("category", lambda r: r.category, gettext_lazy("Category")),
    Column("first_sale", lambda r: r.first_sale, gettext_lazy("First sale")),
    Column("last_sale", lambda r: r.last_sale, gettext_lazy("Last sale")),
    Column("quantity", lambda r: _quantity(r.quantity), gettext_lazy("Quantity")),
    *FIGURES,
    Column("loss", lambda r: r.loss, gettext_lazy("Loss")),
]
PRODUCT_TABLES = ("products", "categories", "periods", "matrix", "lifetime")


def _margin_in(i: int) -> Callable[[Any], Any]:
    return lambda line: line.margins[i]


def _matrix_columns(result: products.Profitability) -> list[Column]:
    columns = [
        Column("name", lambda r: r.name, gettext_lazy("Product")),
        Column("sku", lambda r: r.detail, gettext_lazy("SKU")),
    ]
    for i, period in enumerate(result.periods):
        columns.append(Column(period.key, _margin_in(i), period.label))
    columns.append(Column("total", lambda r: r.total, gettext_lazy("Total")))
    return columns


@login_required
def product_profitability(request: HttpRequest) -> HttpResponseBase:
    _require_amounts(request)
    params, errors = _parsed(request, products.parse)
    params = params or products.parse({})
    result = products.report(request.user, params)
    table = request.GET.get("table")
    if request.GET.get("format"):
        if table not in PRODUCT_TABLES:
            raise BadRequest(_("Choose one of: %(choices)s.") % {"choices": ", ".join(PRODUCT_TABLES)})
        columns, rows = {
            "products": (PRODUCT_COLUMNS, result.products),
            "categories": (CATEGORY_COLUMNS, result.categories),
            "periods": (PERIOD_COLUMNS, result.periods),
            "matrix": (_matrix_columns(result), result.matrix),
            "lifetime": (LIFETIME_COLUMNS, result.lifetime),
        }[table]
        return _export(request, columns, rows, f"product-profitability-{table}")
    chart = {
        "currency": result.currency,
        "labels": [g.label for g in result.categories],
        "margin": [_number(g.margin) for g in result.categories],
        "revenue": [_number(g.revenue) for g in result.categories],
        "text": {"margin": _("Margin"), "revenue": _("Revenue")},
    }
    return render(
        request,
        "analytics/insights/products.html",
        {
            "result": result,
            "params": params,
            "errors": errors,
            "periods": [(key, str(label)) for key, label in products.PERIODS.items()],
            "query": urlencode(params.as_params()),
            "chart": chart,
            "can_export": access.can_export(request.user),
        },
    )


# --- revenue forecast ---------------------------------------------------------------------------------

FORECAST_COLUMNS = [
    Column("month", lambda p: p.month.strftime("%Y-%m"), gettext_lazy("Month")),
    Column("kind", lambda p: p.kind, gettext_lazy("Kind")),
    Column("revenue", lambda p: p.revenue, gettext_lazy("Revenue")),
    Column("forecast", lambda p: p.mean, gettext_lazy("Forecast")),
    Column("lo80", lambda p: p.lo80, gettext_lazy("80% from")),
    Column("hi80", lambda p: p.hi80, gettext_lazy("80% to")),
    Column("lo95", lambda p: p.lo95, gettext_lazy("95% from")),
    Column("hi95", lambda p: p.hi95, gettext_lazy("95% to")),
    Column("pipeline_weighted", lambda p: p.pipeline_weighted, gettext_lazy("Pipeline, weighted")),
]
BACKTEST_COLUMNS = [
    Column("month", lambda r: r.month.strftime("%Y-%m"), gettext_lazy("Month")),
    Column("actual", lambda r: r.actual, gettext_lazy("Actual")),
    Column("model", lambda r: r.model, gettext_lazy("Model")),
    Column("naive", lambda r: r.naive, gettext_lazy("Same month last year")),
]


class _ExportRow:
    """A month of history or of forecast, as one row of the export."""

    def __init__(self, month: Any, kind: str, revenue: Any = None, point: Any = None) -> None:
        self.month, self.kind, self.revenue = month, kind, revenue
        for name in ("mean", "lo80", "hi80", "lo95", "hi95", "pipeline_weighted"):
            setattr(self, name, getattr(point, name) if point is not None else None)


def _forecast_rows(result: forecasting.RevenueForecast) -> list[_ExportRow]:
    rows = [_ExportRow(month, str(_("history")), value) for month, value in result.history]
    rows += [_ExportRow(p.month, str(_("forecast")), None, p) for p in result.points]
    return rows


@login_required
def revenue_forecast(request: HttpRequest) -> HttpResponseBase:
    _require_amounts(request)
    params, errors = _parsed(request, forecasting.parse)
    params = params or forecasting.Params()
    result = forecasting.revenue_forecast(request.user, params)
    if request.GET.get("format"):
        if request.GET.get("table") == "backtest":
            return _export(request, BACKTEST_COLUMNS, result.backtest.rows if result.backtest else [], "backtest")
        return _export(request, FORECAST_COLUMNS, _forecast_rows(result), "revenue-forecast")
    shown = result.history[-24:]
    # The pipeline alone when there is no model; nothing to draw when there is neither.
    drawn = bool(shown) or bool(result.pipeline_total)
    chart = {
        "currency": result.currency,
        "labels": [forecasting.month_label(m) for m, _v in shown] + [p.label for p in result.points],
        "history": [_number(v) for _m, v in shown] + [None] * len(result.points),
        "mean": [None] * len(shown) + [_number(p.mean) for p in result.points],
        "lo80": [None] * len(shown) + [_number(p.lo80) for p in result.points],
        "hi80": [None] * len(shown) + [_number(p.hi80) for p in result.points],
        "lo95": [None] * len(shown) + [_number(p.lo95) for p in result.points],
        "hi95": [None] * len(shown) + [_number(p.hi95) for p in result.points],
        "pipeline": [None] * len(shown) + [_number(p.pipeline_weighted) for p in result.points],
        "text": {
            "history": _("Revenue"),
            "mean": _("Forecast"),
            "band80": _("80% interval"),
            "band95": _("95% interval"),
            "pipeline": _("Pipeline, weighted"),
        },
    }
    return render(
        request,
        "analytics/insights/forecast.html",
        {
            "result": result,
            "params": params,
            "errors": errors,
            "horizons": list(forecasting.HORIZONS),
            "min_months": forecasting.MIN_MONTHS,
            "seasonal_months": forecasting.SEASONAL_MONTHS,
            "query": urlencode(params.as_params()),
            "chart": chart,
            "drawn": drawn,
            "history_rows": list(reversed(result.history_rows)),
            "can_export": access.can_export(request.user),
        },
    )


# --- return on the CRM --------------------------------------------------------------------------------

ROI_COLUMNS = [
    Column("indicator", lambda i: i.key, gettext_lazy("Key")),
    Column("label", lambda i: i.label, gettext_lazy("Indicator")),
    Column("unit", lambda i: i.unit, gettext_lazy("Unit")),
    Column("before", lambda i: i.before, gettext_lazy("Before")),
    Column("after", lambda i: i.after, gettext_lazy("After")),
    Column("change", lambda i: i.change, gettext_lazy("Change")),
    Column("change_percent", lambda i: i.change_percent, gettext_lazy("Change (%)")),
    Column("definition", lambda i: i.definition, gettext_lazy("Definition")),
]


@login_required
def crm_return(request: HttpRequest) -> HttpResponseBase:
    report = None
    errors: dict[str, list[str]] = {}
    if request.GET.get("date") or request.GET.get("days"):
        try:
            params = roi.parse(request.GET)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            report = roi.report(request.user, params)
    if request.GET.get("format"):
        if report is None:
            raise BadRequest(_("Choose the day the CRM was adopted first."))
        return _export(request, ROI_COLUMNS, report.indicators, "crm-return")
    response: HttpResponse = render(
        request,
        "analytics/insights/roi.html",
        {
            "report": report,
            "errors": errors,
            "date": request.GET.get("date", ""),
            "days": request.GET.get("days", ""),
            "query": urlencode(report.params.as_params()) if report else "",
            "can_export": access.can_export(request.user),
        },
    )
    return response
