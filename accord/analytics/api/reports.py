"""The analytics reports endpoints: run a pivot, drill into it, and keep saved reports.

The same rules as the pages: every figure and every record counts only what the caller may see;
amount measures need a role that sees amounts; only a report's owner or an administrator changes
it, from its current version (409 otherwise).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accord.analytics.models import Report, ReportFormat
from accord.analytics.selectors import pivot
from accord.analytics.selectors import reports as selectors
from accord.analytics.services import reports as services
from accord.core.api import ERRORS, expected_version
from accord.core.requests import AuthedRequest
from accord.identity.roles import is_portal_role
from accord.identity.selectors import active_users, role_choices

router = Router(tags=["analytics"])


class PivotFilterIn(Schema):
    field: str
    op: str
    value: Any = None


class PivotDefinitionIn(Schema):
    entity: str
    rows: str = ""
    columns: str = ""
    measures: list[str] = ["count"]
    grain: str = "month"
    filters: list[PivotFilterIn] = []
    top: int = pivot.DEFAULT_TOP
    chart: str = "bar"


class PivotKeyOut(Schema):
    key: str
    label: str


class PivotMeasureOut(Schema):
    key: str
    label: str
    money: bool


class PivotCellOut(Schema):
    row: str | None  # null: the total over the rows
    column: str | None  # null: the total over the columns
    values: dict[str, int | decimal.Decimal | None]


class PivotOut(Schema):
    entity: str
    definition: dict[str, Any]
    currency: str
    missing_rates: list[str]
    measures: list[PivotMeasureOut]
    rows: list[PivotKeyOut]
    columns: list[PivotKeyOut]
    cells: list[PivotCellOut]


class PivotDrillIn(Schema):
    definition: PivotDefinitionIn
    row: str | None = None
    column: str | None = None
    page: int = 1


class PivotRecordOut(Schema):
    id: str
    title: str
    url: str
    values: dict[str, str]


class PivotDrillOut(Schema):
    count: int
    page: int
    pages: int
    results: list[PivotRecordOut]


class ReportIn(Schema):
    name: str
    definition: PivotDefinitionIn
    shared_with: list[str] = []  # role codes
    frequency: str = ""
    delivery_format: str = ReportFormat.XLSX
    recipients: list[uuid.UUID] = []
    version: int | None = None


class ReportOut(Schema):
    id: uuid.UUID
    name: str
    entity: str
    definition: dict[str, Any]
    owner_id: uuid.UUID
    owner: str
    shared_with: list[str]
    frequency: str
    delivery_format: str
    recipients: list[uuid.UUID]
    next_delivery_at: datetime.datetime | None
    last_delivered_at: datetime.datetime | None
    version: int
    may_change: bool


def _pivot_out(result: pivot.Pivot) -> dict[str, Any]:
    row_keys: list[str | None] = [r.key for r in result.rows] or [None]
    col_keys: list[str | None] = [c.key for c in result.columns]
    cells = []
    for rk in row_keys:
        for ck in [*col_keys, None] if col_keys else [None]:
            if rk is not None and ck is not None and (rk, ck) not in result.cells:
                continue  # an empty cell is left out
            cells.append(
                {"row": rk, "column": ck, "values": {m.key: result.value(rk, ck, m.key) for m in result.measures}}
            )
    if result.rows:
        for ck in [*col_keys, None] if col_keys else [None]:
            cells.append(
                {"row": None, "column": ck, "values": {m.key: result.value(None, ck, m.key) for m in result.measures}}
            )
    return {
        "entity": result.entity.key,
        "definition": result.definition.as_dict(),
        "currency": result.currency,
        "missing_rates": result.missing_rates,
        "measures": [m.__dict__ for m in result.measures],
        "rows": [r.__dict__ for r in result.rows],
        "columns": [c.__dict__ for c in result.columns],
        "cells": cells,
    }


def _drill_out(found: pivot.Drill) -> dict[str, Any]:
    return {
        "count": found.page.paginator.count,
        "page": found.page.number,
        "pages": found.page.paginator.num_pages,
        "results": [
            {
                "id": str(r.record.pk),
                "title": r.title,
                "url": r.url,
                "values": dict(zip(found.headers, r.values, strict=True)),
            }
            for r in found.rows
        ],
    }


def _report_out(user: Any, report: Report) -> dict[str, Any]:
    return {
        "id": report.pk,
        "name": report.name,
        "entity": report.entity,
        "definition": report.definition,
        "owner_id": report.owner_id,
        "owner": str(report.owner),
        "shared_with": sorted(r.code for r in report.shared_with.all()),
        "frequency": report.frequency,
        "delivery_format": report.delivery_format,
        "recipients": [u.pk for u in report.recipients.all()],
        "next_delivery_at": report.next_delivery_at,
        "last_delivered_at": report.last_delivered_at,
        "version": report.version,
        "may_change": selectors.may_change(user, report),
    }


def _fields(payload: ReportIn) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    roles = {r.code: r for r in role_choices() if not is_portal_role(r.code)}
    unknown_roles = [code for code in payload.shared_with if code not in roles]
    if unknown_roles:
        errors["shared_with"] = [_("No such role: %(codes)s.") % {"codes": ", ".join(unknown_roles)}]
    people = {u.pk: u for u in active_users().filter(pk__in=payload.recipients).select_related("role")}
    missing = [str(pk) for pk in payload.recipients if pk not in people or is_portal_role(people[pk].role.code)]
    if missing:
        errors["recipients"] = [_("No such user: %(ids)s.") % {"ids": ", ".join(missing)}]
    if errors:
        raise ValidationError(errors)
    return {
        "name": payload.name,
        "definition": payload.definition.dict(),
        "shared_with": [roles[code] for code in dict.fromkeys(payload.shared_with)],
        "frequency": payload.frequency,
        "delivery_format": payload.delivery_format,
        "recipients": [people[pk] for pk in dict.fromkeys(payload.recipients)],
    }


@router.post("/analytics/pivot", response={200: PivotOut, **ERRORS})
def run_pivot(request: AuthedRequest, payload: PivotDefinitionIn) -> Any:
    """Run an unsaved definition over what the caller may see."""
    definition = pivot.parse_definition(request.user, payload.dict())
    return _pivot_out(pivot.run(request.user, definition))


@router.post("/analytics/pivot/drill", response={200: PivotDrillOut, **ERRORS})
def drill_pivot(request: AuthedRequest, payload: PivotDrillIn) -> Any:
    """The records behind a cell (``row`` and ``column`` keys; null: the total on that axis)."""
    definition = pivot.parse_definition(request.user, payload.definition.dict())
    return _drill_out(pivot.drill(request.user, definition, row=payload.row, column=payload.column, page=payload.page))


@router.get("/analytics/reports", response={200: list[ReportOut], **ERRORS})
def list_reports(request: AuthedRequest) -> Any:
    """The caller's reports and those shared with their role."""
    found = selectors.visible_reports(request.user).prefetch_related("shared_with", "recipients")
    return [_report_out(request.user, r) for r in found]


@router.post("/analytics/reports", response={201: ReportOut, **ERRORS})
def create_report(request: AuthedRequest, payload: ReportIn) -> Any:
    report = services.create_report(actor=request.user, **_fields(payload))
    return Status(201, _report_out(request.user, selectors.visible_report(request.user, report.pk)))


@router.get("/analytics/reports/{uuid:report_id}", response={200: ReportOut, **ERRORS})
def get_report(request: AuthedRequest, report_id: uuid.UUID) -> Any:
    return _report_out(request.user, selectors.visible_report(request.user, report_id))


@router.put("/analytics/reports/{uuid:report_id}", response={200: ReportOut, **ERRORS})
def update_report(request: AuthedRequest, report_id: uuid.UUID, payload: ReportIn) -> Any:
    """Replace a report; ``version`` (or If-Match) is the version last read."""
    report = selectors.visible_report(request.user, report_id)
    services.update_report(
        actor=request.user,
        report=report,
        expected_version=expected_version(request, payload.version),
        **_fields(payload),
    )
    return _report_out(request.user, selectors.visible_report(request.user, report_id))


@router.delete("/analytics/reports/{uuid:report_id}", response={204: None, **ERRORS})
def delete_report(request: AuthedRequest, report_id: uuid.UUID) -> Any:
    report = selectors.visible_report(request.user, report_id)
    services.delete_report(actor=request.user, report=report, expected_version=expected_version(request))
    return Status(204, None)


@router.get("/analytics/reports/{uuid:report_id}/result", response={200: PivotOut, **ERRORS})
def report_result(request: AuthedRequest, report_id: uuid.UUID) -> Any:
    """The saved report's pivot over what the caller may see."""
    report = selectors.visible_report(request.user, report_id)
    return _pivot_out(pivot.run(request.user, selectors.definition_of(request.user, report)))


@router.get("/analytics/reports/{uuid:report_id}/drill", response={200: PivotDrillOut, **ERRORS})
def report_drill(
    request: AuthedRequest, report_id: uuid.UUID, row: str | None = None, column: str | None = None, page: int = 1
) -> Any:
    """The records behind a cell of the saved report (absent ``row`` or ``column``: the total)."""
    report = selectors.visible_report(request.user, report_id)
    definition = selectors.definition_of(request.user, report)
    return _drill_out(pivot.drill(request.user, definition, row=row, column=column, page=page))
