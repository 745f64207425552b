"""The report builder, saved reports, their exports and drill-downs. Thin: parse the definition from
the query string (or the saved report), call the pivot selectors and the report services, render.

The definition travels in the query string (``entity``, ``rows``, ``columns``, ``measure`` repeated,
``grain``, ``top``, ``chart``, and ``f_field``/``f_op``/``f_value`` repeated for the filters), so a
pivot on screen is a link: its export and its drill-downs are the same link with a few more words.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.analytics.models import Frequency, Report, ReportFormat
from accord.analytics.reporting import render as rendering
from accord.analytics.reporting.registry import REGISTRY, Entity
from accord.analytics.selectors import pivot
from accord.analytics.selectors import reports as selectors
from accord.analytics.services import reports as services
from accord.core import access
from accord.core.access import AccessDenied
from accord.core.errors import Conflict, message_dict
from accord.core.requests import AuthedRequest
from accord.identity.roles import is_portal_role
from accord.identity.selectors import active_users, role_choices

DEFINITION_PARAMS = ("entity", "rows", "columns", "measure", "grain", "top", "chart", "f_field", "f_op", "f_value")


def definition_data(params: QueryDict) -> dict[str, Any]:
    """The JSON form of a definition from the builder's query string (blank filter rows skipped)."""
    filters = [
        {"field": field, "op": op, "value": value}
        for field, op, value in zip(
            params.getlist("f_field"), params.getlist("f_op"), params.getlist("f_value"), strict=False
        )
        if field
    ]
    return {
        "entity": params.get("entity", ""),
        "rows": params.get("rows", ""),
        "columns": params.get("columns", ""),
        "measures": [m for m in params.getlist("measure") if m] or ["count"],
        "grain": params.get("grain") or "month",
        "top": params.get("top") or pivot.DEFAULT_TOP,
        "chart": params.get("chart") or "bar",
        "filters": filters,
    }


def definition_query(data: dict[str, Any]) -> str:
    """The query string of a definition (its JSON form)."""
    pairs: list[tuple[str, Any]] = [
        (k, data.get(k) or "") for k in ("entity", "rows", "columns", "grain", "top", "chart")
    ]
    pairs += [("measure", m) for m in data.get("measures") or []]
    for flt in data.get("filters") or []:
        value = flt.get("value")
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        pairs += [
            ("f_field", flt.get("field", "")),
            ("f_op", flt.get("op", "")),
            ("f_value", "" if value is None else value),
        ]
    return urlencode(pairs)


def _has_definition(params: QueryDict) -> bool:
    return any(key in params for key in DEFINITION_PARAMS)


def _entity_for(user: Any, key: str) -> Entity:
    offered = REGISTRY.for_user(user)
    return next((e for e in offered if e.key == key), offered[0])


def _chart(result: pivot.Pivot, grid: rendering.Table) -> dict[str, Any]:
    """The chart's data: one series per column (or per measure without columns), for the first
    measure when there are columns."""
    lines = [line for line in grid.lines if not line.total] or grid.lines
    measures = result.measures
    if result.columns:
        series = [
            {"label": c.label, "data": [_number(result.value(line.key, c.key, measures[0].key)) for line in lines]}
            for c in result.columns
        ]
    else:
        series = [
            {"label": m.label, "data": [_number(result.value(line.key, None, m.key)) for line in lines]}
            for m in measures
        ]
    return {
        "type": result.definition.chart,
        "labels": [line.label for line in lines],
        "series": series,
        "measure": measures[0].label,
    }


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


def _builder_context(request: AuthedRequest, data: dict[str, Any], report: Report | None) -> dict[str, Any]:
    user = request.user
    entity = _entity_for(user, str(data.get("entity") or ""))
    data = {**data, "entity": entity.key}
    errors: dict[str, list[str]] = {}
    result = grid = chart = None
    try:
        definition = pivot.parse_definition(user, data)
        result = pivot.run(user, definition)
        grid = rendering.table(result)
        chart = _chart(result, grid)
        data = definition.as_dict()
    except ValidationError as exc:
        errors = message_dict(exc)
    query = definition_query(data)
    filter_rows = [
        {**flt, "value": ",".join(map(str, flt["value"])) if isinstance(flt.get("value"), list) else flt.get("value")}
        for flt in data.get("filters") or []
    ]
    filter_rows.append({"field": "", "op": "", "value": None})
    fields = [(d.key, str(d.label), d.kind) for d in entity.dimensions] + [
        (n.key, str(n.label), "number") for n in entity.numbers_for(user)
    ]
    return {
        "report": report,
        "entities": [(e.key, str(e.label)) for e in REGISTRY.for_user(user)],
        "entity": entity,
        "dimensions": [(d.key, str(d.label)) for d in entity.dimensions],
        "measures": pivot.measure_choices(user, entity),
        "fields": fields,
        "operators": [(k, str(v)) for k, v in pivot.OPERATORS.items()],
        "operators_by_kind": {kind: list(ops) for kind, ops in pivot.OPERATORS_BY_KIND.items()},
        "grains": [(k, str(v)) for k, v in pivot.GRAINS.items()],
        "charts": [(k, str(v)) for k, v in pivot.CHARTS.items()],
        "data": data,
        "filter_rows": filter_rows,
        "errors": errors,
        "result": result,
        "grid": grid,
        "chart": chart,
        "query": query,
        "hidden_pairs": parse_qsl(query, keep_blank_values=True),
        "can_export": access.can_export(user),
        "may_change": report is None or selectors.may_change(user, report),
        "roles": [r for r in role_choices() if not is_portal_role(r.code)],
        "people": [u for u in active_users().select_related("role") if u.email and not is_portal_role(u.role.code)],
        "frequencies": Frequency.choices,
        "formats": ReportFormat.choices,
        "shared_ids": {str(r.pk) for r in report.shared_with.all()} if report else set(),
        "recipient_ids": {str(u.pk) for u in report.recipients.all()} if report else set(),
    }


@login_required
def report_list(request: AuthedRequest) -> HttpResponse:
    reports = list(selectors.visible_reports(request.user).prefetch_related("shared_with"))
    labels = {e.key: str(e.label) for e in REGISTRY.entities.values()}
    rows = [(r, labels.get(r.entity, r.entity), selectors.may_change(request.user, r)) for r in reports]
    return render(request, "analytics/reports/list.html", {"rows": rows})


@login_required
def report_builder(request: AuthedRequest) -> HttpResponse:
    """A new pivot: built from the query string, saved by a POST."""
    if request.method == "POST":
        return _save(request, None)
    return render(
        request, "analytics/reports/builder.html", _builder_context(request, definition_data(request.GET), None)
    )


@login_required
def report_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    """A saved report: its own definition, or the one in the query string while it is edited."""
    report = selectors.visible_report(request.user, pk)
    if request.method == "POST":
        return _save(request, report)
    data = definition_data(request.GET) if _has_definition(request.GET) else report.definition
    return render(request, "analytics/reports/builder.html", _builder_context(request, data, report))


def _picked(request: AuthedRequest, name: str, choices: list[Any]) -> list[Any]:
    wanted = set(request.POST.getlist(name))
    return [c for c in choices if str(c.pk) in wanted]


def _save(request: AuthedRequest, report: Report | None) -> HttpResponse:
    user = request.user
    data = definition_data(request.POST)
    roles = [r for r in role_choices() if not is_portal_role(r.code)]
    people = list(active_users().select_related("role"))
    fields: dict[str, Any] = {
        "name": request.POST.get("name", ""),
        "definition": data,
        "shared_with": _picked(request, "shared_with", roles),
        "frequency": request.POST.get("frequency", ""),
        "delivery_format": request.POST.get("delivery_format") or ReportFormat.XLSX,
        "recipients": _picked(request, "recipients", people),
    }
    try:
        if report is not None and selectors.may_change(user, report):
            version = request.POST.get("version")
            saved = services.update_report(
                actor=user, report=report, expected_version=int(version) if version else None, **fields
            )
            messages.success(request, _("The report was saved."))
        else:
            saved = services.create_report(actor=user, **fields)
            messages.success(request, _("The report was saved as your own."))
    except ValidationError as exc:
        context = _builder_context(request, data, report)
        context["save_errors"] = message_dict(exc)
        context["posted"] = request.POST
        return render(request, "analytics/reports/builder.html", context, status=400)
    except Conflict as exc:
        context = _builder_context(request, data, report)
        context["save_errors"] = {"__all__": [exc.message]}
        return render(request, "analytics/reports/builder.html", context, status=409)
    return redirect("analytics:report-detail", pk=saved.pk)


@login_required
@require_POST
def report_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    report = selectors.visible_report(request.user, pk)
    version = request.POST.get("version")
    try:
        services.delete_report(actor=request.user, report=report, expected_version=int(version) if version else None)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("analytics:report-detail", pk=report.pk)
    messages.success(request, _("The report was deleted."))
    return redirect("analytics:report-list")


def _definition_or_400(request: AuthedRequest) -> tuple[pivot.Definition, Report | None]:
    report = selectors.visible_report(request.user, request.GET["report"]) if request.GET.get("report") else None
    data = definition_data(request.GET) if _has_definition(request.GET) or report is None else report.definition
    # No records named: the first the user may count, as the builder starts with.
    data = {**data, "entity": data.get("entity") or _entity_for(request.user, "").key}
    definition = pivot.parse_definition(request.user, data)
    return definition, report


@login_required
def report_export(request: AuthedRequest) -> HttpResponseBase:
    """The pivot on screen as CSV, XLSX or PDF (``format``)."""
    if not access.can_export(request.user):
        raise AccessDenied()
    fmt = request.GET.get("format") or "csv"
    if fmt not in ReportFormat.values:
        return HttpResponse(_("Choose one of: %(choices)s.") % {"choices": ", ".join(ReportFormat.values)}, status=400)
    try:
        definition, report = _definition_or_400(request)
    except ValidationError as exc:
        return HttpResponse("; ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
    result = pivot.run(request.user, definition)
    title = report.name if report else str(result.entity.label)
    content, content_type, extension = rendering.render(result, fmt, title)
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = content_disposition_header(
        True, f"report-{definition.entity}-{stamp}.{extension}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def report_drill(request: AuthedRequest) -> HttpResponse:
    """The records behind one cell or total of the pivot (``row``, ``col``; absent: the total)."""
    try:
        definition, report = _definition_or_400(request)
        found = pivot.drill(
            request.user,
            definition,
            row=request.GET.get("row"),
            column=request.GET.get("col"),
            page=request.GET.get("page"),
        )
    except ValidationError as exc:
        return render(request, "analytics/reports/drill.html", {"errors": message_dict(exc)}, status=400)
    keep = request.GET.copy()
    keep.pop("page", None)
    page = found.page
    back = (
        f"{_report_url(report)}?{definition_query(definition.as_dict())}"
        if report
        else f"{_builder_url()}?{definition_query(definition.as_dict())}"
    )
    return render(
        request,
        "analytics/reports/drill.html",
        {
            "found": found,
            "lines": [(row, list(zip(found.headers, row.values, strict=True))) for row in found.rows],
            "report": report,
            "back": back,
            "row_label": request.GET.get("row_label", ""),
            "col_label": request.GET.get("col_label", ""),
            "prev_link": f"{keep.urlencode()}&page={page.previous_page_number()}" if page.has_previous() else "",
            "next_link": f"{keep.urlencode()}&page={page.next_page_number()}" if page.has_next() else "",
            "total": page.paginator.count,
        },
    )


def _report_url(report: Report) -> str:
    from django.urls import reverse

    return reverse("analytics:report-detail", args=[report.pk])


def _builder_url() -> str:
    from django.urls import reverse

    return reverse("analytics:report-builder")
