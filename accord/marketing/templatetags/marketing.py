"""Template helpers of marketing: whether the signed-in user keeps the suppression list (the menu link)."""

from __future__ import annotations

from typing import Any

from django import template

from accord.marketing.services.consent import can_manage_suppressions

register = template.Library()


@register.filter
def may_manage_suppressions(user: Any) -> bool:
    return can_manage_suppressions(user)
