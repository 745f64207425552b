"""Public holidays per country, from the ``holidays`` library.

A holiday is known by its English name ("Christmas Day"): rules choose holidays by it and a
contact's greeting for it is keyed by it, so the same holiday is one occasion whatever language
the library names it in. Its name in a greeting is the one in the message's language where the
library has it, else the country's own.
"""

from __future__ import annotations

import datetime
import functools

import holidays as holidays_library
from django.conf import settings

from accord.marketing import zones

# The library's code for each of Accord's languages.
_LIBRARY_LANGUAGE = {"en": "en_US", "pl": "pl", "lt": "lt", "ro": "ro", "ru": "ru"}


def countries() -> list[str]:
    """The countries whose holidays are greeted: those with a time zone here and the
    installation's own (which contacts without a country are taken to be in)."""
    found = set(zones.ZONES) | {settings.DEFAULT_COUNTRY.upper()}
    return sorted(c for c in found if c in holidays_library.list_supported_countries())


@functools.cache
def _year(country: str, year: int, language: str) -> dict[datetime.date, list[str]]:
    """``country``'s holidays of ``year`` named in ``language`` ("" for the country's own);
    empty when the library has no names in that language."""
    kind = holidays_library.country_holidays(country)
    if language and language not in kind.supported_languages:
        return {}
    days = holidays_library.country_holidays(country, years=year, language=language or None)
    return {day: [n.strip() for n in str(names).split(";") if n.strip()] for day, names in days.items()}


def _english(country: str, year: int) -> dict[datetime.date, list[str]]:
    return _year(country, year, "en_US") or _year(country, year, "")


def on(day: datetime.date, country: str) -> list[str]:
    """The English names of ``country``'s public holidays on ``day``."""
    return list(_english(country.upper(), day.year).get(day, []))


def celebrated(day: datetime.date, among: set[str] | frozenset[str] | None = None) -> dict[str, set[str]]:
    """English holiday name -> the countries (of ``among``, else all greeted) that have it on ``day``."""
    found: dict[str, set[str]] = {}
    for country in countries():
        if among is not None and country not in among:
            continue
        for name in on(day, country):
            found.setdefault(name, set()).add(country)
    return found


def local_name(english: str, day: datetime.date, country: str, language: str) -> str:
    """The name of the holiday ``english`` of ``country`` on ``day`` in ``language`` (one of
    Accord's), else in the country's own language, else in English."""
    country = country.upper()
    names = _english(country, day.year).get(day, [])
    if english not in names:
        return english
    position = names.index(english)
    for code in (_LIBRARY_LANGUAGE.get(language, ""), ""):
        translated = _year(country, day.year, code).get(day, [])
        if len(translated) == len(names):
            return translated[position]
    return english


def all_names() -> list[str]:
    """Every holiday name a rule may choose from (this year's and next, all greeted countries)."""
    this_year = datetime.datetime.now(zones.default_zone()).year
    names: set[str] = set()
    for country in countries():
        for year in (this_year, this_year + 1):
            for day_names in _english(country, year).values():
                names.update(day_names)
    return sorted(names)
