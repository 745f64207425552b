"""The contact list filtered by marketing consent: ``?reachable=email:newsletter`` keeps the
contacts who may receive that purpose on that channel now (granted, an address, not suppressed),
as ``selectors.consent.reachable_q`` decides it for campaigns. Several values: any of them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accord.core.listing import Filter
from accord.marketing.models import ConsentChannel, ConsentPurpose
from accord.marketing.selectors.consent import reachable_q
from accord.people.selectors import CONTACT_LIST

CHOICES = [f"{channel}:{purpose}" for channel in ConsentChannel.values for purpose in ConsentPurpose.values]


def _reachable(values: list[Any]) -> Q:
    q = Q(pk__in=[])
    for value in values:
        channel, purpose = str(value).split(":", 1)
        q |= reachable_q(channel=channel, purpose=purpose)
    return q


REACHABLE = Filter(
    "reachable",
    "pk",
    kind="choice",
    choices=CHOICES,
    label=_("May receive"),
    build=_reachable,
    offered=[
        (f"{channel}:{purpose}", format_lazy("{} — {}", channel_label, purpose_label))
        for channel, channel_label in ConsentChannel.choices
        for purpose, purpose_label in ConsentPurpose.choices
    ],
)

if all(f.name != REACHABLE.name for f in CONTACT_LIST.filters):
    CONTACT_LIST.filters = [*CONTACT_LIST.filters, REACHABLE]
