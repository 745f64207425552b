"""Leads, deals and quotes in the search service (registered from ``SalesConfig.ready``)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accord.core import global_search
from accord.core.global_search import PHONE, TEXT, Searchable, Shown
from accord.core.money import format_money
from accord.core.phones import format_phone
from accord.people.models import Company
from accord.sales.defaults import label as default_label
from accord.sales.models import Deal, DealContact, Lead, Quote, Stage
from accord.sales.selectors.deals import visible_deals
from accord.sales.selectors.leads import visible_leads
from accord.sales.selectors.quotes import visible_quotes

COMPANY = _("company")
CONTACT = _("contact")
CUSTOMER = _("customer")
TAX_ID = _("tax id")
EXTERNAL_ID = _("external id")


def _amount(value: Any, currency: str) -> str:
    return format_money(value, currency, decimals=0)


def show_leads(leads: Sequence[Lead]) -> dict[Any, Shown]:
    return {
        lead.pk: Shown(
            title=lead.full_name or lead.company_name or lead.email,
            subtitle=" · ".join(p for p in (lead.company_name, lead.get_status_display()) if p),
            url=reverse("sales:lead-detail", args=[lead.pk]),
            fields=[
                ("", lead.full_name or lead.company_name or lead.email, TEXT),
                (COMPANY, lead.company_name, TEXT),
                (_("e-mail"), lead.email, TEXT),
                (_("phone"), format_phone(lead.phone) if lead.phone else "", PHONE),
                (EXTERNAL_ID, lead.external_id or "", TEXT),
            ],
        )
        for lead in leads
    }


def show_deals(deals: Sequence[Deal], *, amounts: bool = True) -> dict[Any, Shown]:
    """Company names, stages and people of the hits: three queries, whatever the number of hits.
    Without ``amounts`` (a user who may not see them) the subtitle leaves the amount out."""
    companies = dict(
        Company.objects.filter(pk__in={d.company_id for d in deals if d.company_id}).values_list("pk", "name")
    )
    stages = dict(Stage.objects.filter(pk__in={d.stage_id for d in deals}).values_list("pk", "name"))
    people: dict[Any, list[str]] = {}
    links = DealContact.objects.filter(deal_id__in=[d.pk for d in deals]).order_by("id")
    for deal_id, first, last in links.values_list("deal_id", "contact__first_name", "contact__last_name"):
        people.setdefault(deal_id, []).append(" ".join(p for p in (first, last) if p))
    shown = {}
    for deal in deals:
        company = companies.get(deal.company_id, "") if deal.company_id else ""
        stage = default_label(stages.get(deal.stage_id, ""))
        shown[deal.pk] = Shown(
            title=deal.name,
            subtitle=" · ".join(
                p for p in (stage, _amount(deal.amount, deal.currency) if amounts else "", company) if p
            ),
            url=reverse("sales:deal-detail", args=[deal.pk]),
            fields=[
                ("", deal.name, TEXT),
                (COMPANY, company, TEXT),
                *((CONTACT, name, TEXT) for name in people.get(deal.pk, [])),
                (EXTERNAL_ID, deal.external_id or "", TEXT),
            ],
        )
    return shown


def show_quotes(quotes: Sequence[Quote], *, amounts: bool = True) -> dict[Any, Shown]:
    return {
        quote.pk: Shown(
            title=quote.label,
            subtitle=" · ".join(
                p
                for p in (
                    quote.get_status_display(),
                    _amount(quote.gross_total, quote.currency) if amounts else "",
                    quote.customer_name,
                )
                if p
            ),
            url=reverse("sales:quote-detail", args=[quote.pk]),
            fields=[
                ("", quote.label, TEXT),
                (CUSTOMER, quote.customer_name, TEXT),
                (TAX_ID, quote.customer_tax_id, TEXT),
            ],
        )
        for quote in quotes
    }


def register() -> None:
    global_search.register(
        Searchable(
            kind="lead",
            label=_("Leads"),
            model=Lead,
            visible=visible_leads,
            names=lambda lead: [lead.full_name, lead.company_name, lead.email],
            show=show_leads,
            columns=("first_name", "last_name", "company_name", "email", "phone", "status", "external_id"),
        )
    )
    global_search.register(
        Searchable(
            kind="deal",
            label=_("Deals"),
            model=Deal,
            visible=visible_deals,
            names=lambda deal: [deal.name],
            show=show_deals,
            show_without_amounts=functools.partial(show_deals, amounts=False),
            columns=("name", "amount", "currency", "stage_id", "company_id", "external_id"),
        )
    )
    global_search.register(
        Searchable(
            kind="quote",
            label=_("Quotes"),
            model=Quote,
            visible=visible_quotes,
            names=lambda quote: [quote.label, quote.customer_name],
            show=show_quotes,
            show_without_amounts=functools.partial(show_quotes, amounts=False),
            columns=("number", "revision", "status", "currency", "gross_total", "customer_name", "customer_tax_id"),
        )
    )
