"""A company's invoices on its 360° page: what it owes and its latest invoices."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accord.billing.selectors import invoices as invoice_selectors
from accord.billing.selectors import receivables
from accord.core import access, panels
from accord.core.models import entity_label
from accord.people.models import Company

LATEST = 5


def invoices_context(request: HttpRequest, company: Company) -> dict[str, Any]:
    latest = list(
        invoice_selectors.visible_invoices(request.user)
        .filter(company=company)
        .exclude(status="draft")
        .order_by("-issue_date", "-number")[:LATEST]
    )
    for invoice in latest:
        invoice.shown_status = invoice_selectors.display_status(invoice)  # type: ignore[attr-defined]
    return {
        "company": company,
        "invoices": latest,
        "balances": receivables.balances(request.user, company=company),
        "can_add": access.can_create(request.user),
    }


panels.register(
    entity_label(Company),
    panels.Panel(
        name="invoices", template="billing/_invoices_panel.html", context=invoices_context, slot="side", order=30
    ),
)
