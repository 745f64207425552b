"""Units of measure of products and lines in the reader's language.

A unit is stored as the short code people type ("pcs", "h", "day", "user"); the common codes are
shown in the reader's language, anything else as it was typed.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

UNITS: dict[str, Promise] = {
    "pcs": pgettext_lazy("unit of measure", "pcs"),
    "pc": pgettext_lazy("unit of measure", "pcs"),
    "h": pgettext_lazy("unit of measure", "h"),
    "hour": pgettext_lazy("unit of measure", "h"),
    "day": pgettext_lazy("unit of measure", "day"),
    "month": pgettext_lazy("unit of measure", "month"),
    "year": pgettext_lazy("unit of measure", "year"),
    "user": pgettext_lazy("unit of measure", "user"),
    "licence": pgettext_lazy("unit of measure", "licence"),
    "license": pgettext_lazy("unit of measure", "licence"),
    "set": pgettext_lazy("unit of measure", "set"),
    "kg": pgettext_lazy("unit of measure", "kg"),
    "m": pgettext_lazy("unit of measure", "m"),
}


def unit_label(code: str | None) -> str:
    """``"pcs"`` as the reader reads it ("szt." in Polish); an unknown unit as it was typed."""
    text = (code or "").strip()
    known = UNITS.get(text.lower())
    return str(known) if known is not None else text
