"""Reading a customer's classification, as the user may see it, and saying why in words.

A classification is seen with its customer: whoever may see the contact or the company sees its
classes and scores; its revenue and margin only if their role sees amounts. The reason is built
when it is shown, from the stored figures, in the reader's language."""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from accord.analytics.models import AbcClass, CustomerClass, RfmSegment, ValueClass
from accord.analytics.services import cost_to_serve
from accord.analytics.services.classification import A_LINE, B_LINE
from accord.core import access
from accord.people.models import Company, Contact


@dataclass(frozen=True)
class Classification:
    """What a user may see of a customer's classification."""

    kind: str  # contact | company
    customer_id: Any
    as_of: datetime.date
    computed_at: datetime.datetime
    recency: int
    frequency: int
    monetary: int
    segment: str
    segment_label: str
    abc_revenue: str
    abc_margin: str
    orders: int
    last_order_at: datetime.datetime
    revenue: decimal.Decimal | None  # None: the user may not see amounts
    margin: decimal.Decimal | None
    uncosted_lines: int
    value_class: str
    value_label: str
    # The cost to serve over the same twelve months; None for a role that may not see amounts.
    discounts: decimal.Decimal | None
    interaction_cost: decimal.Decimal | None
    service_cost: decimal.Decimal | None
    collection_cost: decimal.Decimal | None
    late_payment_cost: decimal.Decimal | None
    cost_to_serve: decimal.Decimal | None
    contribution: decimal.Decimal | None
    reason: str

    @property
    def rfm(self) -> str:
        return f"{self.recency}-{self.frequency}-{self.monetary}"


def reason(row: CustomerClass) -> str:
    """Why the customer has its classes, e.g. "A: top 80% of margin over 12 months; RFM 5-4-5
    Champions", in the active language."""
    if row.abc_margin == AbcClass.A:
        margin = _("A: top %(share)s%% of margin over 12 months") % {"share": A_LINE}
    elif row.abc_margin == AbcClass.B:
        margin = _("B: the next %(share)s%% of margin over 12 months") % {"share": B_LINE - A_LINE}
    elif row.margin > 0:
        margin = _("C: the last %(share)s%% of margin over 12 months") % {"share": 100 - B_LINE}
    else:
        margin = _("C: no margin over 12 months")
    parts = [margin]
    if row.abc_revenue != row.abc_margin:
        parts.append(_("%(abc)s by revenue") % {"abc": row.abc_revenue})
    parts.append(
        _("RFM %(scores)s %(segment)s") % {"scores": row.rfm, "segment": RfmSegment(row.segment).label.lower()}
    )
    if row.value_class == ValueClass.KEY:
        parts.append(
            _("key customer: among those making the first %(share)s%% of the contribution after the cost to serve")
            % {"share": cost_to_serve.current_rates().key_share_percent}
        )
    elif row.value_class == ValueClass.UNPROFITABLE:
        parts.append(_("unprofitable: serving them cost more than their margin"))
    return "; ".join(parts)


def _present(user: Any, row: CustomerClass, kind: str, customer_id: Any) -> Classification:
    amounts = access.sees_amounts(user)
    return Classification(
        kind=kind,
        customer_id=customer_id,
        as_of=row.as_of,
        computed_at=row.computed_at,
        recency=row.recency,
        frequency=row.frequency,
        monetary=row.monetary,
        segment=row.segment,
        segment_label=str(RfmSegment(row.segment).label),
        abc_revenue=row.abc_revenue,
        abc_margin=row.abc_margin,
        orders=row.orders,
        last_order_at=row.last_order_at,
        revenue=row.revenue if amounts else None,
        margin=row.margin if amounts else None,
        uncosted_lines=row.uncosted_lines,
        value_class=row.value_class,
        value_label=str(ValueClass(row.value_class).label),
        discounts=row.discounts if amounts else None,
        interaction_cost=row.interaction_cost if amounts else None,
        service_cost=row.service_cost if amounts else None,
        collection_cost=row.collection_cost if amounts else None,
        late_payment_cost=row.late_payment_cost if amounts else None,
        cost_to_serve=row.cost_to_serve if amounts else None,
        contribution=row.contribution if amounts else None,
        reason=reason(row),
    )


def of_contact(user: Any, contact: Contact) -> Classification | None:
    """The contact's classification, or None if it has none or the user may not see the contact."""
    if not access.can_view(user, contact):
        return None
    row = CustomerClass.objects.filter(contact=contact).first()
    return _present(user, row, "contact", contact.pk) if row else None


def of_company(user: Any, company: Company) -> Classification | None:
    """The company's classification, or None if it has none or the user may not see the company."""
    if not access.can_view(user, company):
        return None
    row = CustomerClass.objects.filter(company=company).first()
    return _present(user, row, "company", company.pk) if row else None


def visible_contact(user: Any, contact_id: Any) -> Contact:
    """The contact, or Http404 if it is absent or out of the user's sight."""
    return access.get_visible(user, Contact.objects.all(), pk=contact_id)


def visible_company(user: Any, company_id: Any) -> Company:
    """The company, or Http404 if it is absent or out of the user's sight."""
    return access.get_visible(user, Company.objects.all(), pk=company_id)
