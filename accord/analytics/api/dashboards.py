"""The dashboards per role over the API: the same tiles and charts as the screens, same rules."""

from __future__ import annotations

import decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from accord.analytics.selectors import dashboards as selectors
from accord.core.api import ERRORS

router = Router(tags=["analytics"])


class TileOut(Schema):
    key: str
    label: str
    help: str
    value: decimal.Decimal | int | None
    unit: str  # count | money | percent | days | hours
    previous: decimal.Decimal | int | None
    previous_label: str
    url: str  # the list or report of the records the tile counts


class ChartRowOut(Schema):
    label: str
    count: int
    amount: decimal.Decimal | None
    url: str


class ChartOut(Schema):
    key: str
    title: str
    group_label: str
    rows: list[ChartRowOut]


class DashboardOut(Schema):
    role: str
    title: str
    currency: str
    amounts: bool  # False: the caller may not see amounts, so no tile or column of them
    missing_rates: list[str]
    tiles: list[TileOut]
    charts: list[ChartOut]


@router.get("/analytics/dashboards/{role}", response={200: DashboardOut, **ERRORS})
def dashboard(request: HttpRequest, role: str) -> Any:
    """The dashboard of ``role`` (sales, collections, service, marketing, management) over the
    records the caller may see; each tile's ``url`` opens the list of exactly what it counts."""
    board = selectors.dashboard(request.user, selectors.parse_role(role))
    return {
        "role": board.role,
        "title": board.title,
        "currency": board.currency,
        "amounts": board.amounts,
        "missing_rates": board.missing_rates,
        "tiles": [
            {
                "key": t.key,
                "label": t.label,
                "help": t.help,
                "value": t.value,
                "unit": t.unit,
                "previous": t.previous,
                "previous_label": t.previous_label,
                "url": t.url,
            }
            for t in board.tiles
        ],
        "charts": [
            {
                "key": c.key,
                "title": c.title,
                "group_label": c.group_label,
                "rows": [{"label": r.label, "count": r.count, "amount": r.amount, "url": r.url} for r in c.rows],
            }
            for c in board.charts
        ],
    }
