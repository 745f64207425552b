"""Reads of deals: the filtered list, one deal with everything its page and the API show."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core import access, search
from accord.core.exports import Column, walk
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, Total, apply, paginate, total
from accord.core.models import entity_label
from accord.people.models import Contact
from accord.sales.models import Deal, DealContact, DealLine, DealStageChange, DealStatus

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
        Filter("closed_after", "closed_at", kind="datetime", lookup="gte"),
        Filter("closed_before", "closed_at", kind="datetime", lookup="lt"),
        Filter("external_id", "external_id"),
        Filter("amount_min", "amount", kind="decimal", lookup="gte", money=True),
        Filter("amount_max", "amount", kind="decimal", lookup="lte", money=True),
    ],
    sorts=[
        Sort("updated", "updated_at", kind="datetime"),
        Sort("created", "created_at", kind="datetime"),
        Sort("close", "expected_close", kind="date", nullable=True),
        Sort("name", "name"),
        Sort("amount", "amount", money=True),
    ],
    default_sort="-updated",
    search=search.matching,
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


def deal_for(user: Any, pk: Any, *, related: tuple[str, ...] = ()) -> Deal:
    """One deal ``user`` may see, with ``related`` (foreign keys) joined; Http404 otherwise."""
    qs = Deal.objects.select_related(*related) if related else Deal.objects.all()
    return access.get_visible(user, qs, pk=pk)


# --- the deal screens: the list, its export, the deal page ------------------------------------------


def deal_list_page(user: Any, query: ListQuery) -> Page[Deal]:
    """A page of the deal list: only what a row shows, so the page costs the same on any data."""
    qs = apply(DEAL_LIST, query, visible_deals(user))
    qs = qs.select_related("owner", "stage", "pipeline", "company").defer("description", "search_text", "custom")
    return paginate(DEAL_LIST, query, qs)


def deal_total(user: Any, query: ListQuery, *, exact: bool = False, page: Page[Any] | None = None) -> Total:
    """How many deals the filtered list has: exact, or "about N" when counting would take too long."""
    return total(apply(DEAL_LIST, query, visible_deals(user)), exact=exact, query=query, page=page)


# The export's columns that are amounts: left out for a user who may not see them.
MONEY_COLUMNS = frozenset({"amount", "weighted_amount"})


def deal_columns(user: Any = None) -> list[Column]:
    """The export's columns; given ``user``, without the amounts when that user may not see them."""
    columns = _deal_columns()
    if user is not None and not access.sees_amounts(user):
        columns = [c for c in columns if c.name not in MONEY_COLUMNS]
    return columns


def _deal_columns() -> list[Column]:
    return [
        Column("id", lambda d: d.pk, _("ID")),
        Column("name", lambda d: d.name, _("Name")),
        Column("pipeline", lambda d: d.pipeline.name, pgettext_lazy("sales pipeline", "Pipeline")),
        Column("stage", lambda d: d.stage.name, _("Stage")),
        Column("status", lambda d: d.status, _("Status")),
        Column("amount", lambda d: d.amount, _("Amount")),
        Column("currency", lambda d: d.currency, _("Currency")),
        Column("probability", lambda d: d.probability, _("Probability")),
        Column("weighted_amount", lambda d: d.weighted_amount, _("Weighted amount")),
        Column("expected_close", lambda d: d.expected_close, _("Expected close")),
        Column("company", lambda d: d.company.name if d.company else "", _("Company")),
        Column("owner", lambda d: d.owner.username if d.owner else "", _("Owner")),
        Column("next_step", lambda d: d.next_step, _("Next step")),
        Column("lost_reason", lambda d: d.lost_reason.name if d.lost_reason else "", _("Lost reason")),
        Column("external_id", lambda d: d.external_id or "", _("External ID")),
        Column("created_at", lambda d: d.created_at, _("Created")),
        Column("closed_at", lambda d: d.closed_at, pgettext_lazy("date closed", "Closed")),
    ]


def deals_for_export(user: Any, query: ListQuery, size: int = 1000) -> Iterator[Deal]:
    """Every deal of the filtered list that ``user`` (who needs the export permission) may see, in
    the list's order, one keyset page in memory at a time."""
    access.require_export(user)
    qs = apply(DEAL_LIST, query, visible_deals(user)).select_related(
        "owner", "stage", "pipeline", "company", "lost_reason"
    )
    return walk(DEAL_LIST, query, qs, size)


def deal_page_detail(user: Any, pk: Any) -> Deal:
    """One deal with everything its page shows, in a fixed number of queries."""
    qs = Deal.objects.select_related(
        "owner", "team", "territory", "stage", "pipeline", "company", "lost_reason"
    ).prefetch_related(
        Prefetch("lines", queryset=DealLine.objects.select_related("product")),
        Prefetch("contact_links", queryset=DealContact.objects.select_related("contact")),
    )
    return access.get_visible(user, qs, pk=pk)


def deal_contacts(user: Any, deal: Deal) -> list[Contact]:
    """The contacts linked to ``deal`` that ``user`` may see, in the order they were linked. A deal
    shared with a team may name a contact kept by another; that one stays out of sight. Uses the
    links ``deal_page_detail`` loaded: no query."""
    return [link.contact for link in deal.contact_links.all() if access.can_view(user, link.contact)]


def stage_history(deal: Deal, limit: int = 100) -> list[DealStageChange]:
    return list(
        DealStageChange.objects.filter(deal=deal)
        .select_related("from_stage", "to_stage", "changed_by")
        .order_by("-changed_at", "-id")[:limit]
    )


def open_deals_of(user: Any, *, company: Any = None, contact: Any = None, limit: int = 10) -> list[Deal]:
    """The open deals of a company or a contact that ``user`` may see, soonest close first."""
    qs = visible_deals(user).filter(status=DealStatus.OPEN)
    qs = qs.filter(company=company) if company is not None else qs.filter(contact_links__contact=contact)
    return list(
        qs.select_related("stage", "owner")
        .defer("description", "search_text", "custom")
        .order_by(F("expected_close").asc(nulls_last=True), "id")[:limit]
    )
