"""The contact and company lists filtered by classification: ``?rfm_segment=champions``,
``?abc_revenue=A``, ``?abc_margin=A``, ``?customer_value=key`` (key, regular, unprofitable),
``?churn_risk=high`` (several values: any of them), in the filter bar, the API's list, exports and
bulk actions alike. A customer with no classification (no lifetime figures) matches none."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accord.analytics.models import AbcClass, ChurnRisk, RfmSegment, ValueClass
from accord.core.listing import Filter, ListSpec
from accord.people.selectors import COMPANY_LIST, CONTACT_LIST


def _filters() -> list[Filter]:
    return [
        Filter(
            "rfm_segment",
            "customer_class__segment",
            kind="choice",
            lookup="in",
            choices=RfmSegment.values,
            label=_("RFM segment"),
            offered=RfmSegment.choices,
        ),
        Filter(
            "abc_revenue",
            "customer_class__abc_revenue",
            kind="choice",
            lookup="in",
            choices=AbcClass.values,
            label=_("ABC by revenue"),
            offered=AbcClass.choices,
        ),
        Filter(
            "abc_margin",
            "customer_class__abc_margin",
            kind="choice",
            lookup="in",
            choices=AbcClass.values,
            label=_("ABC by margin"),
            offered=AbcClass.choices,
        ),
        Filter(
            "customer_value",
            "customer_class__value_class",
            kind="choice",
            lookup="in",
            choices=ValueClass.values,
            label=_("Customer value"),
            offered=ValueClass.choices,
        ),
        Filter(
            "churn_risk",
            "lifetime__churn_risk",
            kind="choice",
            lookup="in",
            choices=ChurnRisk.values,
            label=_("Churn risk"),
            offered=ChurnRisk.choices,
        ),
    ]


def _add(spec: ListSpec[Any]) -> None:
    known = {f.name for f in spec.filters}
    spec.filters = [*spec.filters, *(f for f in _filters() if f.name not in known)]


_add(CONTACT_LIST)
_add(COMPANY_LIST)
