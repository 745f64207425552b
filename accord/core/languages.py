"""Which language Accord writes in, when nobody's browser decides it.

A document or a message to a customer (a quote, its e-mail) is written in the first language of
a chain the interface has a catalogue for: the contact's preferred one, their company's, the
site's. Customers' records may name languages Accord cannot write (German, Ukrainian); those are
skipped, not guessed at. A message to a user (a reminder, a notification, a password link) is in
the language saved on their profile, else the site's.

The chain's links are the callers': ``people.selectors.customer_language`` knows contacts and
companies; this module knows only codes (core sits below the apps that own them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.utils import translation


def supported(code: Any) -> str:
    """``code`` as the interface speaks it ("pl-PL" -> "pl"), or "" when it has no catalogue."""
    if not code:
        return ""
    code = str(code).strip().lower().replace("_", "-")
    offered = {language for language, _name in settings.LANGUAGES}
    if code in offered:
        return code
    base = code.split("-", 1)[0]
    return base if base in offered else ""


def site_language() -> str:
    """The installation's own language (``LANGUAGE_CODE``): the last link of every chain."""
    return supported(settings.LANGUAGE_CODE) or str(settings.LANGUAGE_CODE)


def first_supported(*candidates: Any) -> str:
    """The first of ``candidates`` the interface has a catalogue for, else the site's language."""
    for candidate in candidates:
        if found := supported(candidate):
            return found
    return site_language()


def user_language(user: Any) -> str:
    """The language a message to ``user`` is written in: their profile's, else the site's."""
    return first_supported(getattr(user, "language", ""))


@contextmanager
def writing_in(language: str) -> Iterator[str]:
    """Render (gettext, dates and numbers) in ``language`` inside the block; yields the code."""
    code = first_supported(language)
    with translation.override(code):
        yield code


@contextmanager
def writing_to_user(user: Any) -> Iterator[str]:
    """Render in the language of a message to ``user`` (see ``user_language``)."""
    with writing_in(user_language(user)) as code:
        yield code
