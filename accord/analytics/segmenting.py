"""Segment rules on the customer classification: marketing's segment builder, its API and its
validation offer them once this module has registered them (``AnalyticsConfig.ready``).

A contact matches through their own classification (a contact buying privately) or through that of
a company they work for: "champions" reaches the people at champion companies too.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy

from accord.analytics.models import AbcClass, ChurnRisk, CustomerClass, CustomerLifetime, RfmSegment, ValueClass
from accord.marketing.segmenting import Param, RuleType, register
from accord.people.models import ContactCompany

CATEGORY = gettext_lazy("Customer value")


def _classified(field: str, model: Any = CustomerClass, relation: str = "customer_class") -> Any:
    """Contacts whose own row of ``model`` (reached from a company as ``relation``) has ``field``
    equal to the rule's value, or who work for a company whose row has it."""

    def build(p: dict[str, Any], now: datetime.datetime) -> Q:
        own = model.objects.filter(contact=OuterRef("pk"), **{field: p["value"]})
        theirs = ContactCompany.objects.filter(contact=OuterRef("pk"), **{f"company__{relation}__{field}": p["value"]})
        return Q(Exists(own)) | Q(Exists(theirs))

    return build


def _offered(choices: Any) -> Any:
    def offered() -> list[tuple[str, Any]]:
        return list(choices.choices)

    return offered


register(
    RuleType(
        "churn_risk",
        gettext_lazy("Churn risk"),
        CATEGORY,
        (Param("value", gettext_lazy("Churn risk"), "choice", choices=_offered(ChurnRisk)),),
        _classified("churn_risk", CustomerLifetime, "lifetime"),
        help=gettext_lazy("The contact's, or their company's, risk of having stopped buying (P(alive))."),
    )
)

for key, label, field, choices, help_text in (
    (
        "rfm_segment",
        gettext_lazy("RFM segment"),
        "segment",
        RfmSegment,
        gettext_lazy("The contact's, or their company's, RFM segment in the last classification."),
    ),
    (
        "abc_margin",
        gettext_lazy("ABC by margin"),
        "abc_margin",
        AbcClass,
        gettext_lazy("The contact's, or their company's, class by margin over 12 months."),
    ),
    (
        "abc_revenue",
        gettext_lazy("ABC by revenue"),
        "abc_revenue",
        AbcClass,
        gettext_lazy("The contact's, or their company's, class by revenue over 12 months."),
    ),
    (
        "customer_value",
        gettext_lazy("Customer value"),
        "value_class",
        ValueClass,
        gettext_lazy("Key, regular or unprofitable after the cost to serve, for the contact or their company."),
    ),
):
    register(
        RuleType(
            key,
            label,
            CATEGORY,
            (Param("value", label, "choice", choices=_offered(choices)),),
            _classified(field),
            help=help_text,
        )
    )
