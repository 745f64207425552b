"""Phone numbers as people read them. Shared by every app (lists, history, search results), so it
lives in core; normalising what users type stays with the contacts (accord.people.validators)."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


# Parsing a number costs about 40 µs; a list or an API page shows the same numbers again and again.
@lru_cache(maxsize=8192)
def format_phone(e164: str) -> str:
    """E.164 as people read it: +48 601 234 567 (anything unparsable as given)."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
