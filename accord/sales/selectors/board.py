"""Reads of the deal board: a pipeline's open deals in columns, a page of cards per column and the
totals of every column from one aggregate query over the whole filtered set.

A column shows a page of cards (soonest expected close first, keyset-paginated so "show more" stays
fast on a column of 60,000 deals); its count and sums cover every deal the filters select, never
just the cards on screen. Amounts in other currencies are converted to the base currency at the
latest rate; a currency without a rate is left out of the sums and named on the board.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, DecimalField, F, QuerySet, Sum

from accord.core import access, money
from accord.core.listing import ListQuery, Page, apply, paginate
from accord.sales.models import Deal, DealStatus, Pipeline, Stage, StageKind
from accord.sales.selectors.deals import DEAL_LIST, visible_deals

CARDS_PER_COLUMN = 20
ZERO = decimal.Decimal(0)
# Filters the board honours: the pipeline is the page's, the status is always "open".
BOARD_FILTERS = ("owner", "team", "territory", "company", "close_after", "close_before")


@dataclass
class ColumnTotals:
    count: int = 0
    amount: decimal.Decimal = ZERO
    weighted: decimal.Decimal = ZERO


@dataclass
class Column:
    stage: Stage
    page: Page[Deal] | None
    totals: ColumnTotals


@dataclass
class Board:
    pipeline: Pipeline
    columns: list[Column]
    closed: list[Stage]  # won and lost stages: drop targets, not columns
    stages: list[Stage]
    currency: str
    missing_rates: list[str] = field(default_factory=list)
    totals: ColumnTotals = field(default_factory=ColumnTotals)
    # False for a user who may not see amounts: the sums are left at zero and not shown.
    amounts: bool = True


def board_query(query: ListQuery) -> ListQuery:
    """The list query restricted to what the board filters on."""
    kept = {name: values for name, values in query.filters.items() if name in BOARD_FILTERS}
    raw = {name: values for name, values in query.raw.items() if name in BOARD_FILTERS or name == "q"}
    return ListQuery(filters=kept, search=query.search, sort="close", limit=CARDS_PER_COLUMN, raw=raw)


def board_deals(user: Any, pipeline: Pipeline, query: ListQuery) -> QuerySet[Deal]:
    """The open deals of ``pipeline`` that ``user`` may see and the filters select."""
    qs = visible_deals(user).filter(pipeline=pipeline, status=DealStatus.OPEN)
    return apply(DEAL_LIST, board_query(query), qs)


def column_page(user: Any, pipeline: Pipeline, stage: Stage, query: ListQuery, cursor: str = "") -> Page[Deal]:
    """One page of a column's cards, soonest expected close first (no date last)."""
    q = board_query(query)
    q.cursor = cursor
    qs = board_deals(user, pipeline, query).filter(stage=stage).select_related("owner", "company")
    return paginate(DEAL_LIST, q, qs.only(*CARD_FIELDS))


# What a card shows (and the keyset cursor needs): fewer columns, less to build per card.
CARD_FIELDS = (
    "id",
    "version",
    "name",
    "pipeline_id",
    "stage_id",
    "status",
    "amount",
    "currency",
    "expected_close",
    "next_step",
    "team_id",
    "territory_id",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "company__id",
    "company__name",
)


def column_totals(qs: QuerySet[Deal], currency: str) -> tuple[dict[Any, ColumnTotals], list[str]]:
    """Count, sum and probability-weighted sum per stage, in ``currency``; one query (plus the rates)."""
    rows = list(
        qs.order_by()
        .values("stage_id", "currency")
        .annotate(
            n=Count("*"),
            sum_amount=Sum("amount"),
            sum_weighted=Sum(
                F("amount") * F("probability"), output_field=DecimalField(max_digits=20, decimal_places=2)
            ),
        )
    )
    table = money.rates({row["currency"] for row in rows} | {currency})
    missing = sorted({row["currency"] for row in rows if row["currency"] not in table})
    target = table.get(currency, decimal.Decimal(1))
    result: dict[Any, ColumnTotals] = {}
    for row in rows:
        totals = result.setdefault(row["stage_id"], ColumnTotals())
        totals.count += row["n"]
        if row["currency"] in missing:
            continue
        factor = table[row["currency"]] / target
        totals.amount += decimal.Decimal(row["sum_amount"] or 0) * factor
        totals.weighted += decimal.Decimal(row["sum_weighted"] or 0) * factor / 100
    for totals in result.values():
        totals.amount = money.quantize(totals.amount)
        totals.weighted = money.quantize(totals.weighted)
    return result, missing


def column_counts(qs: QuerySet[Deal]) -> dict[Any, ColumnTotals]:
    """How many deals each stage holds, without their amounts (for a user who may not see them)."""
    rows = qs.order_by().values("stage_id").annotate(n=Count("*"))
    return {row["stage_id"]: ColumnTotals(count=row["n"]) for row in rows}


def card(user: Any, pk: Any) -> Deal:
    """One deal as its board card shows it (after a move)."""
    return access.get_visible(user, Deal.objects.select_related("owner", "company").only(*CARD_FIELDS), pk=pk)


def board(user: Any, pipeline: Pipeline, query: ListQuery, *, with_cards: bool = True) -> Board:
    """The whole board: every open stage with its first page of cards and its totals."""
    stages = list(pipeline.stages.order_by("position"))
    currency = money.base_currency()
    amounts = access.sees_amounts(user)
    if amounts:
        totals, missing = column_totals(board_deals(user, pipeline, query), currency)
    else:
        totals, missing = column_counts(board_deals(user, pipeline, query)), []
    columns = []
    overall = ColumnTotals()
    for stage in stages:
        if stage.kind != StageKind.OPEN:
            continue
        here = totals.get(stage.pk, ColumnTotals())
        overall.count += here.count
        overall.amount += here.amount
        overall.weighted += here.weighted
        page = column_page(user, pipeline, stage, query) if with_cards and here.count else None
        columns.append(Column(stage=stage, page=page, totals=here))
    closed = [s for s in stages if s.kind != StageKind.OPEN]
    return Board(
        pipeline=pipeline,
        columns=columns,
        closed=closed,
        stages=stages,
        currency=currency,
        missing_rates=missing,
        totals=overall,
        amounts=amounts,
    )
