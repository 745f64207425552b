"""Template helpers of marketing: whether the signed-in user keeps the suppression list and the
offer rules (the menu links)."""

from __future__ import annotations

from typing import Any

from django import template

from accord.marketing.selectors.offers import can_manage_offers
from accord.marketing.services.consent import can_manage_suppressions

register = template.Library()


@register.filter
def may_manage_suppressions(user: Any) -> bool:
    return can_manage_suppressions(user)


@register.filter
def may_manage_offers(user: Any) -> bool:
    return can_manage_offers(user)
