"""Template helpers of printed letters: whether the signed-in user may print them (the menu link)."""

from __future__ import annotations

from typing import Any

from django import template

from accord.messaging import selectors

register = template.Library()


@register.filter
def may_print_letters(user: Any) -> bool:
    return selectors.may_print(user)
