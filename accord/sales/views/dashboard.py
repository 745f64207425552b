"""The sales dashboard (KPI tiles and charts with table fallbacks) and the forecast table with its
CSV export. Thin: parse the filters, call the forecast selectors, render."""

from __future__ import annotations

import decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.core import access, exports
from accord.core.access import AccessDenied
from accord.core.exports import Column
from accord.identity.selectors import active_users, team_choices
from accord.sales.selectors import forecast as selectors
from accord.sales.selectors import settings as settings_selectors

GROUP_LABELS = {"month": gettext_lazy("By month"), "owner": gettext_lazy("By owner"), "team": gettext_lazy("By team")}
# The export's header of the grouping column.
GROUP_HEADERS = {"month": gettext_lazy("Month"), "owner": gettext_lazy("Owner"), "team": gettext_lazy("Team")}
TOP_OWNERS = 10  # the owner chart shows the biggest; the forecast page lists them all


def _filters(request: HttpRequest) -> tuple[selectors.SalesFilter, dict[str, list[str]]]:
    """The filters asked for; bad ones are reported and fall back to the defaults."""
    try:
        return selectors.parse_filter(request.GET), {}
    except ValidationError as exc:
        errors = exc.message_dict
        dropped = set(errors)
        if dropped & {"period", "start", "end"}:
            dropped |= {"period", "start", "end"}  # a half-understood period: back to the default one
        good = {k: v for k, v in request.GET.items() if k not in dropped}
        try:
            return selectors.parse_filter(good), errors
        except ValidationError:
            return selectors.default_filter(), errors


def _filter_context(request: HttpRequest, flt: selectors.SalesFilter, errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "filter": flt,
        "filter_errors": errors,
        "periods": [(key, str(label)) for key, label in selectors.PERIODS.items()],
        "pipelines": settings_selectors.pipelines(active=True),
        "owners": active_users(),
        "teams": team_choices(),
        "query_string": urlencode(flt.as_params()),
    }


def _number(value: decimal.Decimal | None) -> float | None:
    return float(value) if value is not None else None


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    flt, errors = _filters(request)
    by_month = selectors.forecast(request.user, flt, "month")
    by_owner = selectors.forecast(request.user, flt, "owner")
    metrics = selectors.metrics(request.user, flt)
    owners = [row for row in by_owner.rows if row.deals][:TOP_OWNERS]
    amounts = access.sees_amounts(request.user)
    charts = {
        "currency": by_month.currency,
        "months": {
            "labels": [row.label for row in by_month.rows],
            "amount": [_number(row.amount) for row in by_month.rows],
            "weighted": [_number(row.weighted) for row in by_month.rows],
        },
        "owners": {
            "labels": [row.label for row in owners],
            "weighted": [_number(row.weighted) for row in owners],
        },
        "funnel": {
            "labels": [row.name for row in metrics.conversion],
            "reached": [row.reached for row in metrics.conversion],
        },
        "lost": {
            "labels": [row.name for row in metrics.lost_reasons],
            "deals": [row.deals for row in metrics.lost_reasons],
        },
        "text": {
            "amount": _("Pipeline"),
            "weighted": _("Weighted"),
            "deals": _("Deals"),
            "reached": _("Deals that reached the stage"),
        },
    }
    if not amounts:
        # The pipeline and forecast charts are sums of amounts: a role that may not see amounts
        # keeps the counts (conversion, lost reasons, win rate, cycle) and nothing else.
        charts.pop("months")
        charts.pop("owners")
    missing = sorted(set(by_month.missing_rates) | set(metrics.missing_rates)) if amounts else []
    return render(
        request,
        "sales/dashboard.html",
        {
            **_filter_context(request, flt, errors),
            "by_month": by_month,
            "owner_rows": owners,
            "metrics": metrics,
            "charts": charts,
            "missing_rates": missing,
        },
    )


def _export_columns(currency: str, group: str) -> list[Column]:
    return [
        Column("key", lambda r: r.key, _("Key")),
        Column("label", lambda r: r.label, GROUP_HEADERS[group]),
        Column("deals", lambda r: r.deals, _("Deals")),
        Column("amount", lambda r: r.amount, _("Amount")),
        Column("weighted", lambda r: r.weighted, _("Weighted amount")),
        Column("currency", lambda r: currency, _("Currency")),
    ]


@login_required
def forecast(request: HttpRequest) -> HttpResponseBase:
    if not access.sees_amounts(request.user):
        # The forecast is nothing but amounts (its table and its export).
        raise AccessDenied(_("Your role may not see amounts, so it may not see the forecast."))
    flt, errors = _filters(request)
    group = request.GET.get("group") or "month"
    if group not in selectors.GROUPS:
        errors = {**errors, "group": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(selectors.GROUPS)}]}
        group = "month"
    result = selectors.forecast(request.user, flt, group)
    if request.GET.get("format"):
        if not access.can_export(request.user):
            raise AccessDenied()
        rows = [*result.rows, result.total]
        return exports.download(request, _export_columns(result.currency, group), rows, f"forecast-{group}")
    context = _filter_context(request, flt, errors)
    params = flt.as_params()
    return render(
        request,
        "sales/forecast.html",
        {
            **context,
            "result": result,
            "group": group,
            "groups": [(key, str(label), urlencode({**params, "group": key})) for key, label in GROUP_LABELS.items()],
            "export_query": urlencode({**params, "group": group}),
            "can_export": access.can_export(request.user),
        },
    )
