"""The input checks the service app's services share: a text within a limit, one of a choice's
values. Each adds its error under the field's name, so a service reports every bad field at once."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def text(value: Any, field: str, limit: int, errors: dict[str, list[str]], *, required: bool = True) -> str:
    """``value`` as stripped text; an error on ``field`` when it is missing (if required) or longer
    than ``limit`` characters."""
    found = str(value or "").strip()
    if required and not found:
        errors[field] = [_("This field is required.")]
    elif len(found) > limit:
        errors[field] = [_("At most %(limit)s characters.") % {"limit": limit}]
    return found


def choice(value: Any, choices: Any, field: str, errors: dict[str, list[str]]) -> str:
    """``value`` if it is one of ``choices``' values (a TextChoices), else "" and an error."""
    if value not in choices.values:
        errors[field] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(choices.values)}]
        return ""
    return str(value)
