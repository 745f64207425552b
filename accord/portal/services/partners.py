"""What a partner does in the portal: register a lead they bring, or a deal they are working on
(deal registration). Either is the partner company's (``Lead.partner``, ``Deal.partner``); it lands
with the account owner of the partner company, who works it as any other, and the partner follows
its status."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.identity.models import PortalAccess, PortalKind, User
from accord.sales.models import Deal, DealStatus, Lead, LeadSource
from accord.sales.services import deals as deal_services
from accord.sales.services import leads as lead_services

FIELDS = ("first_name", "last_name", "company_name", "job_title", "email", "phone", "message")


def _account_manager(access: PortalAccess) -> User:
    if access.kind != PortalKind.PARTNER or access.company is None:
        raise Http404
    owner = access.company.owner
    if owner is None or not owner.is_active:
        raise ValidationError({"__all__": [_("Your account manager is not set up yet; please contact us.")]})
    return owner


def register_lead(*, access: PortalAccess, data: dict[str, Any]) -> Lead:
    """A lead registered by the partner: attributed to their company, owned by whoever looks after
    the partner company at Accord."""
    owner = _account_manager(access)
    clean: dict[str, Any] = {name: str(data.get(name) or "").strip() for name in FIELDS}
    clean.update({"owner": owner, "source": LeadSource.PARTNER})
    return lead_services.create_lead(actor=None, data=clean, partner=access.company)


@transaction.atomic
def register_deal(*, access: PortalAccess, data: dict[str, Any]) -> Deal:
    """A deal the partner registers: the end customer, what is being sold, the expected value and
    close date. It opens in the first stage of the default pipeline, owned by the partner company's
    account manager. The same partner cannot register the same open deal twice."""
    owner = _account_manager(access)
    customer = str(data.get("customer") or "").strip()
    what = str(data.get("name") or "").strip()
    errors: dict[str, list[str]] = {}
    if not customer:
        errors["customer"] = [_("Name the customer the deal is with.")]
    elif len(customer) > 100:
        errors["customer"] = [_("At most 100 characters.")]
    if not what:
        errors["name"] = [_("Say what the customer is buying.")]
    elif len(what) > 95:
        errors["name"] = [_("At most 95 characters.")]
    expected_close = data.get("expected_close")
    if isinstance(expected_close, str) and expected_close.strip():
        try:
            expected_close = datetime.date.fromisoformat(expected_close.strip())
        except ValueError:
            errors["expected_close"] = [_("Enter a date as YYYY-MM-DD.")]
    if isinstance(expected_close, datetime.date) and expected_close < timezone.localdate():
        errors["expected_close"] = [_("The expected close date cannot be in the past.")]
    amount = data.get("amount")
    if amount in ("", None):
        amount = None
    else:
        try:
            amount = decimal.Decimal(str(amount).replace(",", "."))
        except decimal.InvalidOperation:
            errors["amount"] = [_("Enter a number.")]
            amount = None
    if errors:
        raise ValidationError(errors)
    name = f"{customer} — {what}"
    taken = Deal.objects.filter(partner_id=access.company_id, status=DealStatus.OPEN, name__iexact=name).exists()
    if taken:
        raise ValidationError({"name": [_("You have already registered this deal; it is still open.")]})
    fields: dict[str, Any] = {
        "name": name,
        "owner": owner,
        "source": LeadSource.PARTNER,
        "description": str(data.get("description") or "").strip(),
        "expected_close": expected_close if isinstance(expected_close, datetime.date) else None,
    }
    if amount is not None:
        fields["amount"] = amount
    if data.get("currency"):
        fields["currency"] = str(data["currency"])
    return deal_services.create_deal(actor=None, data=fields, partner=access.company)
