"""Reads of leads."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accord.core import access, search
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate
from accord.core.models import entity_label
from accord.sales.models import Lead, LeadSource, LeadStatus

LEAD_LIST = ListSpec[Lead](
    entity=entity_label(Lead),
    filters=[
        Filter("status", "status", kind="choice", choices=LeadStatus.values),
        Filter("source", "source", kind="choice", choices=LeadSource.values),
        Filter("owner", "owner_id", kind="uuid"),
        Filter("team", "team_id", kind="uuid"),
        Filter("web_form", "web_form_id", kind="uuid"),
        Filter("created_after", "created_at", kind="datetime", lookup="gte"),
        Filter("created_before", "created_at", kind="datetime", lookup="lt"),
        Filter("min_score", "score", kind="int", lookup="gte"),
    ],
    sorts=[Sort("created", "created_at", kind="datetime"), Sort("score", "score", kind="int")],
    default_sort="-created",
    search=lambda qs, text: qs.filter(search_text__contains=search.query_terms(text)),
)


def visible_leads(user: Any) -> QuerySet[Lead]:
    return access.scope(user, Lead.objects.all())


def lead_page(user: Any, query: ListQuery) -> Page[Lead]:
    qs = apply(LEAD_LIST, query, visible_leads(user))
    return paginate(LEAD_LIST, query, qs.select_related("owner"))


def lead_detail(user: Any, pk: Any) -> Lead:
    qs = Lead.objects.select_related("owner", "team", "web_form", "contact", "company", "deal")
    return access.get_visible(user, qs, pk=pk)
