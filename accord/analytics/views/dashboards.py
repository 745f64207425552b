"""The dashboards per role: pick the role's dashboard, call the selector, render its tiles and charts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accord.analytics.selectors import dashboards as selectors

# The chart bars' lengths are classes in steps of 5% (the content-security policy allows no style="").
STEPS = 20


def _bar(count: int, most: int) -> str:
    if not most or not count:
        return "bar-0"
    return f"bar-{max(1, round(STEPS * count / most))}"


@login_required
def my_dashboard(request: HttpRequest) -> HttpResponse:
    return redirect("analytics:role-dashboard", role=selectors.default_role(request.user))


@login_required
def dashboard(request: HttpRequest, role: str) -> HttpResponse:
    try:
        board = selectors.dashboard(request.user, role)
    except ValidationError as exc:
        raise Http404 from exc
    charts: list[dict[str, Any]] = [
        {
            "chart": chart,
            "rows": [{"row": row, "bar": _bar(row.count, chart.max_count)} for row in chart.rows],
        }
        for chart in board.charts
    ]
    return render(
        request,
        "analytics/dashboards/dashboard.html",
        {
            "board": board,
            "charts": charts,
            "roles": list(selectors.ROLES.items()),
        },
    )
