"""Profit and loss per product or per customer, for a period, on screen and as CSV or XLSX."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.billing.selectors import profitability
from accord.core import exports


def _period(request: HttpRequest) -> tuple[datetime.date, datetime.date, list[str]]:
    """The period asked for (the last twelve months when not given), and what was wrong with it."""
    today = timezone.localdate()
    errors: list[str] = []
    found: dict[str, datetime.date] = {}
    for name, default in (("start", today.replace(year=today.year - 1) + datetime.timedelta(days=1)), ("end", today)):
        raw = request.GET.get(name, "").strip()
        try:
            found[name] = datetime.date.fromisoformat(raw) if raw else default
        except ValueError:
            errors.append(_("Enter the dates as YYYY-MM-DD."))
            found[name] = default
    if found["start"] > found["end"]:
        errors.append(_("The period must start before it ends."))
        found["start"] = found["end"]
    return found["start"], found["end"], errors


COLUMNS = [
    exports.Column("name", lambda r: r.name, gettext_lazy("Name")),
    exports.Column("detail", lambda r: r.detail, gettext_lazy("SKU")),
    exports.Column("quantity", lambda r: r.quantity, gettext_lazy("Quantity")),
    exports.Column("revenue", lambda r: r.revenue, gettext_lazy("Revenue")),
    exports.Column("cost", lambda r: r.cost, gettext_lazy("Cost")),
    exports.Column("margin", lambda r: r.margin, gettext_lazy("Margin")),
    exports.Column("margin_percent", lambda r: r.margin_percent, gettext_lazy("Margin (%)")),
    exports.Column("costed", lambda r: r.costed, gettext_lazy("Every line has a cost")),
]


@login_required
def profitability_report(request: HttpRequest) -> Any:
    by = "customer" if request.GET.get("by") == "customer" else "product"
    start, end, errors = _period(request)
    report = (profitability.by_customer if by == "customer" else profitability.by_product)(request.user, start, end)
    if request.GET.get("format"):
        columns = COLUMNS if by == "product" else [c for c in COLUMNS if c.name != "detail"]
        return exports.download(request, columns, report.rows, f"profit-by-{by}")
    return render(
        request,
        "billing/profitability.html",
        {"report": report, "by": by, "errors": errors, "start": start, "end": end},
    )
