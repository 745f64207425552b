"""Marketing's panels on a contact's 360° page: consent (each channel and purpose with its state
and proof, the give / withdraw form and the latest history), the next best offer, and the campaigns
and journeys that reached the contact."""

from __future__ import annotations

from accord.core import panels
from accord.core.models import entity_label
from accord.marketing.views.consent import consent_context
from accord.marketing.views.journeys import received_context
from accord.marketing.views.offers import offer_context
from accord.people.models import Contact

panels.register(
    entity_label(Contact),
    panels.Panel(
        name="consent", template="marketing/_consent_panel.html", context=consent_context, slot="side", order=60
    ),
)
panels.register(
    entity_label(Contact),
    panels.Panel(name="offer", template="marketing/_offer_panel.html", context=offer_context, slot="side", order=55),
)
panels.register(
    entity_label(Contact),
    panels.Panel(
        name="received", template="marketing/_received_panel.html", context=received_context, slot="side", order=65
    ),
)
