"""Reads of leads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accord.core import access, search
from accord.core.exports import Column, walk
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate
from accord.core.models import entity_label
from accord.core.phones import format_phone
from accord.sales.models import Lead, LeadSource, LeadStatus, ScoringRule
from accord.sales.services import leads as lead_services

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
    search=search.matching,
)


def visible_leads(user: Any) -> QuerySet[Lead]:
    return access.scope(user, Lead.objects.all())


def lead_page(user: Any, query: ListQuery) -> Page[Lead]:
    qs = apply(LEAD_LIST, query, visible_leads(user))
    return paginate(LEAD_LIST, query, qs.select_related("owner"))


def lead_detail(user: Any, pk: Any) -> Lead:
    qs = Lead.objects.select_related("owner", "team", "web_form", "contact", "company", "deal")
    return access.get_visible(user, qs, pk=pk)


def score_reasons(lead: Lead) -> list[ScoringRule]:
    """The active scoring rules ``lead`` meets, biggest points first: why it scores what it does."""
    rules = list(ScoringRule.objects.filter(active=True))
    met = [rule for rule in rules if lead_services.score(lead, [_counting(rule)]) == 1]
    return sorted(met, key=lambda rule: (-rule.points, rule.field, rule.value))


def _counting(rule: ScoringRule) -> ScoringRule:
    # A rule worth 0 points is still met: ask with one point.
    return ScoringRule(field=rule.field, value=rule.value, points=1)


def lead_columns() -> list[Column]:
    """The export's columns, which an import maps back (``score`` and ``created_at`` only describe)."""
    return [
        Column("id", lambda lead: lead.pk, _("ID")),
        Column("first_name", lambda lead: lead.first_name, _("First name")),
        Column("last_name", lambda lead: lead.last_name, _("Last name")),
        Column("company_name", lambda lead: lead.company_name, _("Company")),
        Column("job_title", lambda lead: lead.job_title, _("Job title")),
        Column("email", lambda lead: lead.email, _("E-mail")),
        Column("phone", lambda lead: format_phone(lead.phone) if lead.phone else "", _("Phone")),
        Column(
            "source",
            lambda lead: lead.source,
            _("Source"),
            choices=LeadSource,
        ),
        Column(
            "status",
            lambda lead: lead.status,
            _("Status"),
            choices=LeadStatus,
        ),
        Column("score", lambda lead: lead.score, _("Score")),
        Column("message", lambda lead: lead.message, _("Message")),
        Column("owner", lambda lead: lead.owner.username, _("Owner")),
        Column("external_id", lambda lead: lead.external_id or "", _("External ID")),
        Column("created_at", lambda lead: lead.created_at, _("Received")),
    ]


def leads_for_export(user: Any, query: ListQuery) -> Iterator[Lead]:
    """The filtered list for an export by ``user``, who needs the export permission."""
    access.require_export(user)
    qs = apply(LEAD_LIST, query, visible_leads(user)).select_related("owner")
    return walk(LEAD_LIST, query, qs)
