"""The message templates every installation starts with; administrators reword them afterwards.

The words are the catalogue's own (the same ones a quote's e-mail used before templates), with
the quote's number as a template variable.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

LANGUAGES = ("en", "pl", "lt", "ro", "ru")


def quote_email(language: str) -> dict[str, str]:
    with translation.override(language):
        return {
            "subject": _("Quote %(number)s") % {"number": "{{ number }}"},
            "body_text": _("Please find our quote %(number)s attached.") % {"number": "{{ number }}"} + "\n",
        }


def ensure_defaults(model: Any = None) -> None:
    """Create the default templates that do not exist yet (an admin's rewording is kept)."""
    if model is None:
        from accord.messaging.models import MessageTemplate as model
    for language in LANGUAGES:
        model.objects.get_or_create(kind="quote", channel="email", language=language, defaults=quote_email(language))
