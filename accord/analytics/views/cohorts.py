"""The retention-by-cohort page and its export: parse ``months``, call the selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.analytics.selectors import cohorts as selectors
from accord.core import access, exports
from accord.core.access import AccessDenied
from accord.core.exports import Column


def _heat(share: float | None) -> str:
    """The cell's shade, in tenths (a class, as the content-security policy allows no inline style)."""
    return "" if share is None else f"heat-{min(10, int(share // 10))}"


def _month_label(day: Any) -> str:
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _columns(offsets: int) -> list[Column]:
    columns = [
        Column("cohort", lambda row: row.month.strftime("%Y-%m"), gettext_lazy("First purchase")),
        Column("customers", lambda row: row.customers, gettext_lazy("Customers")),
    ]
    for k in range(offsets):
        columns.append(Column(f"month_{k}", _active_in(k), _("Month %(n)s") % {"n": k}))
    return columns


def _active_in(k: int) -> Any:
    """The export's cell of month ``k``: the customers who ordered then (empty: not reached yet)."""

    def value(row: selectors.Cohort) -> int | None:
        return row.active[k] if k < len(row.active) else None

    return value


@login_required
def cohort_retention(request: HttpRequest) -> HttpResponseBase:
    errors: dict[str, list[str]] = {}
    try:
        months = selectors.parse_months(request.GET.get("months"))
    except ValidationError as exc:
        errors = exc.message_dict
        months = selectors.MONTHS_DEFAULT
    result = selectors.retention(request.user, months=months)
    if request.GET.get("format") and not errors:
        if not access.can_export(request.user):
            raise AccessDenied()
        return exports.download(request, _columns(result.offsets), result.cohorts, "retention-by-cohort")
    rows = [
        {
            "label": _month_label(cohort.month),
            "customers": cohort.customers,
            "cells": [
                {"share": share, "count": count, "heat": _heat(share)}
                for share, count in zip(
                    cohort.shares + [None] * (result.offsets - len(cohort.active)),
                    cohort.active + [None] * (result.offsets - len(cohort.active)),
                    strict=True,
                )
            ],
        }
        for cohort in result.cohorts
    ]
    average = [{"share": share, "heat": _heat(share)} for share in result.average]
    return render(
        request,
        "analytics/cohorts.html",
        {
            "result": result,
            "rows": rows,
            "average": average,
            "offsets": list(range(result.offsets)),
            "months": months,
            "months_text": str(months),
            "month_choices": [6, 12, 18, 24, 36],
            "errors": errors,
            "can_export": access.can_export(request.user),
            "has_customers": any(cohort.customers for cohort in result.cohorts),
        },
        status=422 if errors else 200,
    )
