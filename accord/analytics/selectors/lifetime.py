"""Reading a customer's lifetime value and churn risk, as the user may see it, and saying why.

Seen with its customer, like the classification: whoever may see the contact or the company sees
its P(alive), expected purchases and churn risk; its CLV and order values only if their role sees
amounts."""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accord.analytics.models import ChurnRisk, CustomerLifetime
from accord.analytics.models.lifetime import HIGH_BELOW, LOW_FROM
from accord.core import access
from accord.people.models import Company, Contact


@dataclass(frozen=True)
class Lifetime:
    """What a user may see of a customer's lifetime figures."""

    as_of: datetime.date
    frequency: int
    recency_weeks: float
    age_weeks: float
    p_alive: float
    expected_purchases: float
    churn_risk: str
    churn_risk_label: str
    # None: the user may not see amounts (or, for the ratio, no cost was known)
    mean_order_value: decimal.Decimal | None
    expected_order_value: decimal.Decimal | None
    clv: decimal.Decimal | None
    margin_ratio: float | None
    on_margin: bool  # False: no cost was known, the CLV is on revenue
    reason: str

    @property
    def margin_percent(self) -> str:
        """The margin ratio as a percentage, "66%" ("" when unknown or not to be seen)."""
        if self.margin_ratio is None:
            return ""
        return _("%(n)s%%") % {"n": number_format(round(self.margin_ratio * 100), 0)}


def _number(value: float, places: int = 1) -> str:
    return number_format(round(value, places), places)


def reason(row: CustomerLifetime) -> str:
    """Why the customer has its churn risk, in the active language, e.g. "Bought on 12 days over
    40 weeks, the last 2 weeks ago: P(alive) 0.93, churn risk low (P(alive) 0.7 or more).
    Expects 6.1 purchases in the next 12 months." """
    p_alive = _number(row.p_alive, 2)
    if row.frequency == 0:
        history = _(
            "One purchase day, %(age)s weeks ago: with no repeat purchase to judge by, the model "
            "counts the customer as active (P(alive) 1)."
        ) % {"age": _number(row.age)}
    else:
        # Two days or more: no singular to word
        history = _("Bought on %(days)s days over %(age)s weeks, the last %(silence)s weeks ago: P(alive) %(p)s.") % {
            "days": row.frequency + 1,
            "age": _number(row.age),
            "silence": _number(row.age - row.recency),
            "p": p_alive,
        }
    if row.churn_risk == ChurnRisk.HIGH:
        band = _("Churn risk high: P(alive) below %(line)s.") % {"line": _number(HIGH_BELOW, 1)}
    elif row.churn_risk == ChurnRisk.MEDIUM:
        band = _("Churn risk medium: P(alive) from %(low)s to below %(high)s.") % {
            "low": _number(HIGH_BELOW, 1),
            "high": _number(LOW_FROM, 1),
        }
    else:
        band = _("Churn risk low: P(alive) %(line)s or more.") % {"line": _number(LOW_FROM, 1)}
    expects = _("Expected purchases in the next 12 months: %(n)s.") % {"n": _number(row.expected_purchases)}
    return " ".join([history, band, expects])


def _present(user: Any, row: CustomerLifetime) -> Lifetime:
    amounts = access.sees_amounts(user)
    return Lifetime(
        as_of=row.as_of,
        frequency=row.frequency,
        recency_weeks=row.recency,
        age_weeks=row.age,
        p_alive=row.p_alive,
        expected_purchases=row.expected_purchases,
        churn_risk=row.churn_risk,
        churn_risk_label=str(ChurnRisk(row.churn_risk).label),
        mean_order_value=row.mean_order_value if amounts else None,
        expected_order_value=row.expected_order_value if amounts else None,
        clv=row.clv if amounts else None,
        margin_ratio=row.margin_ratio if amounts else None,
        on_margin=row.margin_ratio is not None,
        reason=reason(row),
    )


def of_contact(user: Any, contact: Contact) -> Lifetime | None:
    """The contact's lifetime figures, or None if it has none or the user may not see it."""
    if not access.can_view(user, contact):
        return None
    row = CustomerLifetime.objects.filter(contact=contact).first()
    return _present(user, row) if row else None


def of_company(user: Any, company: Company) -> Lifetime | None:
    """The company's lifetime figures, or None if it has none or the user may not see it."""
    if not access.can_view(user, company):
        return None
    row = CustomerLifetime.objects.filter(company=company).first()
    return _present(user, row) if row else None
