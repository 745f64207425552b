"""The open deals of a contact or a company, on their 360° pages; files on leads, deals and quotes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accord.core import access, attachments, panels
from accord.core.models import entity_label
from accord.people.models import Company, Contact
from accord.sales.models import Deal, Lead, Quote
from accord.sales.selectors.deals import open_deals_of


def deals_context(request: HttpRequest, party: Contact | Company) -> dict[str, Any]:
    is_contact = isinstance(party, Contact)
    deals = open_deals_of(request.user, contact=party) if is_contact else open_deals_of(request.user, company=party)
    return {
        "party": party,
        "party_field": "contact" if is_contact else "company",
        "deals": deals,
        "can_add": access.can_create(request.user),
        "amounts": access.sees_amounts(request.user),
    }


for model in (Contact, Company):
    panels.register(
        entity_label(model),
        panels.Panel(name="deals", template="sales/_deals_panel.html", context=deals_context, slot="side", order=20),
    )

attachments.enable(Lead)
attachments.enable(Deal)
# A quote is changed through its deal: whoever may change the deal may attach files to its quotes.
attachments.enable(Quote, change_via="deal")
