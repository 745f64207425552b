"""The service app's panel on a contact's and a company's 360° page: their tickets, open first,
with a button to open a new one."""

from __future__ import annotations

from accord.core import panels
from accord.core.models import entity_label
from accord.people.models import Company, Contact
from accord.service.views.tickets import company_tickets_context, contact_tickets_context

panels.register(
    entity_label(Contact),
    panels.Panel(
        name="tickets",
        template="service/_tickets_panel.html",
        context=contact_tickets_context,
        slot="side",
        order=40,
    ),
)
panels.register(
    entity_label(Company),
    panels.Panel(
        name="tickets",
        template="service/_tickets_panel.html",
        context=company_tickets_context,
        slot="side",
        order=40,
    ),
)
