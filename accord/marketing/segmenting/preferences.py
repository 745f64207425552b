"""The preference rule: contacts with a name among their preferences (``people.Contact.preferences``,
a JSON list of names), compared without case. Offer rules match preferences with the same
condition (``preference_q``)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db import connection
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.db.models.lookups import IContains
from django.utils.translation import gettext_lazy

from accord.marketing.segmenting import CATEGORY_CONTACT, Param, RuleType, register


def preference_q(name: str) -> Q:
    """Contacts with ``name`` among their preferences (without case): the quoted name inside the
    JSON array's text. PostgreSQL's jsonb text holds the characters and its UPPER knows every
    alphabet. SQLite's text holds non-ASCII letters as ``\\uXXXX`` escapes, which its LIKE cannot
    fold, so there the usual spellings (as typed, lower, upper, capitalised, title case) are each
    looked for."""
    text: Any = Cast("preferences", TextField())
    if connection.vendor == "postgresql":
        return Q(IContains(text, json.dumps(name, ensure_ascii=False)))
    q = Q()
    for spelling in dict.fromkeys((name, name.lower(), name.upper(), name.capitalize(), name.title())):
        q |= Q(IContains(text, json.dumps(spelling)))
    return q


PREFERENCE_OPS = (("has", gettext_lazy("prefers")), ("has_not", gettext_lazy("does not prefer")))


def _preference_q(p: dict[str, Any], now: datetime.datetime) -> Q:
    q = preference_q(p["value"])
    return q if p["op"] == "has" else ~q


register(
    RuleType(
        "preference",
        gettext_lazy("Preference"),
        CATEGORY_CONTACT,
        (
            Param("op", gettext_lazy("condition"), "choice", choices=lambda: PREFERENCE_OPS, default="has"),
            Param("value", gettext_lazy("Preference")),
        ),
        _preference_q,
        help=gettext_lazy("A name among the contact's interests and product preferences, in any case."),
    )
)
