"""The portal's panel on a contact's page: whether the contact may use the portal, and a button to
invite them (or send a new sign-in link)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accord.core import access, panels
from accord.core.access import Action
from accord.core.models import entity_label
from accord.identity.models import PortalKind
from accord.people.models import Contact
from accord.portal.services.invitations import portal_of


def contact_portal_context(request: HttpRequest, contact: Any) -> dict[str, Any]:
    return {
        "portal": portal_of(contact),
        "may_invite": access.can(request.user, Action.CHANGE, contact),
        "kinds": PortalKind.choices,
        "contact": contact,
    }


panels.register(
    entity_label(Contact),
    panels.Panel(
        name="portal", template="portal/_contact_panel.html", context=contact_portal_context, slot="side", order=60
    ),
)
