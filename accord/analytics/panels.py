"""The analytics app's panel on a contact's and a company's 360° page: the customer's RFM and ABC
classification and why."""

from __future__ import annotations

from accord.analytics.views.panels import company_class_context, contact_class_context
from accord.core import panels
from accord.core.models import entity_label
from accord.people.models import Company, Contact

panels.register(
    entity_label(Contact),
    panels.Panel(
        name="classification",
        template="analytics/_classification_panel.html",
        context=contact_class_context,
        slot="side",
        order=35,
    ),
)
panels.register(
    entity_label(Company),
    panels.Panel(
        name="classification",
        template="analytics/_classification_panel.html",
        context=company_class_context,
        slot="side",
        order=35,
    ),
)
