"""The consent rule: contacts who may be sent marketing for a purpose on a channel now (consent
granted, an address, not suppressed), as the consent module decides it (``reachable_q``). It is
registered like any other part's rule type would be."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy

from accord.marketing.models import ConsentChannel, ConsentPurpose
from accord.marketing.segmenting import CATEGORY_OTHER, Param, RuleType, register
from accord.marketing.selectors.consent import reachable_q

CONSENT_OPS = (("has", gettext_lazy("may be sent")), ("has_not", gettext_lazy("may not be sent")))


def _consent_q(p: dict[str, Any], now: datetime.datetime) -> Q:
    reachable = reachable_q(channel=p["channel"], purpose=p["purpose"])
    return reachable if p["op"] == "has" else ~reachable


register(
    RuleType(
        "consent",
        gettext_lazy("Has consent"),
        CATEGORY_OTHER,
        (
            Param("op", gettext_lazy("condition"), "choice", choices=lambda: CONSENT_OPS, default="has"),
            Param("channel", gettext_lazy("channel"), "choice", choices=lambda: list(ConsentChannel.choices)),
            Param("purpose", gettext_lazy("purpose"), "choice", choices=lambda: list(ConsentPurpose.choices)),
        ),
        _consent_q,
        help=gettext_lazy("Consent granted for the purpose on the channel, an address to use, and not suppressed."),
    )
)
