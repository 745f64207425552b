"""The lead, deal, quote and product lists: their columns and bulk actions (see core/lists.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.access import Action
from accord.core.forms import DateInput
from accord.core.lists import Column, EditableField, ListScreen, register
from accord.identity.selectors import assignable_users
from accord.sales import selectors
from accord.sales.models import LeadSource, LeadStatus, Product
from accord.sales.selectors import quotes as quote_selectors
from accord.sales.services import deals as deal_services
from accord.sales.services import leads as lead_services
from accord.sales.services import products as product_services


def _choice(choices: Sequence[tuple[str, Any]]) -> forms.ChoiceField:
    return forms.ChoiceField(choices=[("", "—"), *choices])


LEADS = register(
    ListScreen(
        key="lead",
        spec=selectors.LEAD_LIST,
        title=_("leads"),
        list_url="sales:lead-list",
        export_url="sales:lead-export",
        detail_url="sales:lead-detail",
        columns=[
            Column("name", _("Lead"), fixed=True),
            Column("contact", _("Contact details")),
            Column("source", _("Source")),
            Column("score", _("Score")),
            Column("status", _("Status")),
            Column("owner", _("Owner")),
            Column("received", _("Received")),
        ],
        visible=selectors.visible_leads,
        assignable=assignable_users,
        # A lead becomes "converted" only by converting it (services/leads.py), so not from here.
        fields=[
            EditableField(
                "status", _("Status"), lambda: _choice([c for c in LeadStatus.choices if c[0] != LeadStatus.CONVERTED])
            ),
            EditableField("source", _("Source"), lambda: _choice(LeadSource.choices)),
        ],
        update=lambda actor, lead, data: lead_services.update_lead(actor=actor, lead=lead, data=data),
        delete=lambda actor, lead: lead_services.delete_lead(actor=actor, lead=lead),
    )
)

DEALS = register(
    ListScreen(
        key="deal",
        spec=selectors.DEAL_LIST,
        title=_("deals"),
        list_url="sales:deal-list",
        export_url="sales:deal-export",
        detail_url="sales:deal-detail",
        columns=[
            Column("name", _("Deal"), fixed=True),
            Column("stage", _("Stage")),
            Column("amount", _("Amount"), money=True),
            Column("close", _("Expected close")),
            Column("owner", _("Owner")),
            Column("updated", _("Updated")),
            Column("next_step", _("Next step"), default=False),
            Column("created", _("Created"), default=False),
        ],
        visible=selectors.visible_deals,
        describe=lambda deal: deal.name,
        assignable=assignable_users,
        # Not the stage: moving a deal has its own rules (lost reasons, stage history, automation),
        # kept by move_deal, win_deal and lose_deal one deal at a time.
        fields=[
            EditableField(
                "expected_close",
                _("Expected close"),
                lambda: forms.DateField(widget=DateInput()),
            ),
            EditableField("next_step", _("Next step"), lambda: forms.CharField(max_length=200, required=False)),
        ],
        update=lambda actor, deal, data: deal_services.update_deal(actor=actor, deal=deal, data=data),
        delete=lambda actor, deal: deal_services.delete_deal(actor=actor, deal=deal),
    )
)

QUOTES = register(
    ListScreen(
        key="quote",
        spec=quote_selectors.QUOTE_LIST,
        title=_("quotes"),
        list_url="sales:quote-list",
        export_url="sales:quote-export",
        detail_url="sales:quote-detail",
        columns=[
            Column("quote", _("Quote"), fixed=True),
            Column("customer", _("Customer")),
            Column("status", _("Status")),
            Column("gross", _("Gross"), money=True),
            Column("valid_until", pgettext_lazy("quote", "Valid until")),
            Column("owner", _("Deal owner")),
            Column("made", _("Made")),
        ],
        visible=quote_selectors.visible_quotes,
        describe=lambda quote: quote.label,
        # A quote changes only through its own steps (send, accept, decline, revise): no bulk edits.
    )
)


def _catalogue(user: Any, action: Action, queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset if product_services.can_change_catalogue(user) else queryset.none()


PRODUCTS = register(
    ListScreen(
        key="product",
        spec=selectors.PRODUCT_LIST,
        title=_("products"),
        list_url="sales:product-list",
        export_url="sales:product-export",
        detail_url="sales:product-detail",
        columns=[
            Column("name", _("Product"), fixed=True),
            Column("sku", _("SKU")),
            Column("prices", _("Prices")),
            Column("vat", _("VAT")),
            Column("unit", _("Unit")),
            Column("status", _("Status")),
            Column("category", _("Category"), default=False),
        ],
        visible=lambda user: Product.objects.all(),
        describe=lambda product: product.name,
        fields=[
            EditableField(
                "active",
                _("Status"),
                lambda: forms.TypedChoiceField(
                    choices=[("", "—"), ("true", _("Active")), ("false", _("Inactive"))],
                    coerce=lambda value: value == "true",
                ),
            ),
            EditableField("category", _("Category"), lambda: forms.CharField(max_length=80, required=False)),
        ],
        update=lambda actor, product, data: product_services.update_product(actor=actor, product=product, data=data),
        changeable=_catalogue,
        can_edit=product_services.can_change_catalogue,
    )
)
