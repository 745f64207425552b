"""What a partner does in the portal: register a lead they bring. The lead is the partner company's
(``Lead.partner``); it lands with the account owner of the partner company, who qualifies it as any
other lead, and the partner follows its status."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from accord.identity.models import PortalAccess, PortalKind
from accord.sales.models import Lead, LeadSource
from accord.sales.services import leads as lead_services

FIELDS = ("first_name", "last_name", "company_name", "job_title", "email", "phone", "message")


def register_lead(*, access: PortalAccess, data: dict[str, Any]) -> Lead:
    """A lead registered by the partner: attributed to their company, owned by whoever looks after
    the partner company at Accord."""
    if access.kind != PortalKind.PARTNER or access.company is None:
        raise Http404
    owner = access.company.owner
    if owner is None or not owner.is_active:
        raise ValidationError({"__all__": [_("Your account manager is not set up yet; please contact us.")]})
    clean: dict[str, Any] = {name: str(data.get(name) or "").strip() for name in FIELDS}
    clean.update({"owner": owner, "source": LeadSource.PARTNER})
    return lead_services.create_lead(actor=None, data=clean, partner=access.company)
