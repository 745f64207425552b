"""Reads of deals: the filtered list, one deal with everything its page and the API show."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accord.core import access, search
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate
from accord.core.models import entity_label
from accord.sales.models import Deal, DealStatus


def _search(qs: QuerySet[Deal], text: str) -> QuerySet[Deal]:
    words = [w for w in search.query_terms(text).split(" ") if w]
    for word in words:
        qs = qs.filter(search_text__contains=word)
    return qs


DEAL_LIST = ListSpec[Deal](
    entity=entity_label(Deal),
    filters=[
        Filter("pipeline", "pipeline_id", kind="uuid"),
        Filter("stage", "stage_id", kind="uuid"),
        Filter("status", "status", kind="choice", choices=DealStatus.values),
        Filter("owner", "owner_id", kind="uuid"),
        Filter("team", "team_id", kind="uuid"),
        Filter("territory", "territory_id", kind="uuid"),
        Filter("company", "company_id", kind="uuid"),
        Filter("currency", "currency"),
        Filter("close_after", "expected_close", kind="date", lookup="gte"),
        Filter("close_before", "expected_close", kind="date", lookup="lte"),
        Filter("external_id", "external_id"),
    ],
    sorts=[
        Sort("updated", "updated_at", kind="datetime"),
        Sort("created", "created_at", kind="datetime"),
        Sort("close", "expected_close", kind="date", nullable=True),
        Sort("name", "name"),
    ],
    default_sort="-updated",
    search=_search,
)


def visible_deals(user: Any) -> QuerySet[Deal]:
    return access.scope(user, Deal.objects.all())


def _detail_rows(qs: QuerySet[Deal]) -> QuerySet[Deal]:
    return qs.select_related("owner", "stage", "pipeline", "company", "lost_reason").prefetch_related(
        "lines", "contact_links"
    )


def deal_page(user: Any, query: ListQuery) -> Page[Deal]:
    qs = apply(DEAL_LIST, query, visible_deals(user))
    return paginate(DEAL_LIST, query, _detail_rows(qs))


def deal_detail(user: Any, pk: Any) -> Deal:
    return access.get_visible(user, _detail_rows(Deal.objects.all()), pk=pk)
