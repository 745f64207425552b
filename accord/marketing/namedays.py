"""Name-day calendars (``data/namedays/<country>.json``: "MM-DD" -> first names) and matching a
contact's first name to them.

A contact's calendar is their country's (their address's, else their company's) when Accord has
one for it, else their preferred language's (pl -> PL, lt -> LT, ro -> RO, ru -> RU). Names match
whatever their case and with or without their diacritics: "ŁUKASZ", "łukasz" and "Lukasz" all
celebrate on Łukasz's day. The database compares names exactly (SQLite's ``lower`` knows no
letter beyond ASCII), so the matching is done by listing, for a day, every spelling of its names
that a person types: as written, lower case, upper case, and each of those without diacritics.
"""

from __future__ import annotations

import datetime
import functools
import json
import unicodedata
from pathlib import Path

DATA = Path(__file__).parent / "data" / "namedays"

# The calendar of the customers who write in a language, when their country has none.
CALENDAR_OF_LANGUAGE = {"pl": "PL", "lt": "LT", "ro": "RO", "ru": "RU"}

# Letters that Unicode does not decompose into a base letter and a mark.
_PLAIN = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss"})
# Romanian is often typed with the cedilla letters of old keyboards; both are the same name.
_CEDILLA = str.maketrans({"ș": "ş", "Ș": "Ş", "ț": "ţ", "Ț": "Ţ"})


def calendars() -> list[str]:
    """The countries Accord has a name-day calendar for (ISO codes)."""
    return sorted(path.stem.upper() for path in DATA.glob("*.json"))


@functools.cache
def _file(country: str) -> dict[str, object]:
    path = DATA / f"{country.lower()}.json"
    if not country or not path.is_file():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def calendar(country: str) -> dict[str, list[str]]:
    """The calendar of ``country``: "MM-DD" -> names; empty when Accord has none."""
    return {day: list(names) for day, names in _file(country).items() if not day.startswith("_")}  # type: ignore[call-overload]


@functools.cache
def main_days(country: str) -> dict[str, str]:
    """Each name's day (by ``key``): a name listed on several days is celebrated on one, its
    main day (the file's ``_main``), else the first of them in the year."""
    days: dict[str, str] = {}
    for day, names in sorted(calendar(country).items()):
        for name in names:
            days.setdefault(key(name), day)
    main = _file(country).get("_main", {})
    assert isinstance(main, dict)
    days.update({key(name): day for name, day in main.items()})
    return days


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def key(name: str) -> str:
    """A name as the matching compares it: no case, no diacritics, no surrounding spaces."""
    return strip_diacritics(name.strip()).casefold()


def spellings(name: str) -> set[str]:
    """The ways a person may type ``name`` (see the module's docstring)."""
    name = unicodedata.normalize("NFC", name.strip())
    forms = {name, name.lower(), name.upper(), name[:1].upper() + name[1:].lower()}
    forms |= {form.translate(_CEDILLA) for form in forms}
    forms |= {strip_diacritics(form) for form in forms}
    return {form for form in forms if form}


def day_key(day: datetime.date) -> str:
    return f"{day.month:02d}-{day.day:02d}"


def names_on(country: str, day: datetime.date) -> list[str]:
    """The names whose day (see ``main_days``) is ``day`` in ``country``'s calendar. The names of
    29 February are celebrated on 28 February in other years, as birthdays are."""
    days = calendar(country)
    main = main_days(country)
    wanted = [day_key(day)]
    if day.month == 2 and day.day == 28 and not _leap(day.year):
        wanted.append("02-29")
    names: list[str] = []
    for on in wanted:
        names += [n for n in days.get(on, []) if main.get(key(n)) == on and n not in names]
    return names


@functools.cache
def _spellings_on(country: str, month: int, day: int, leap: bool) -> frozenset[str]:
    on = datetime.date(2024 if leap else 2025, month, day)
    found: set[str] = set()
    for name in names_on(country, on):
        found |= spellings(name)
    return frozenset(found)


def spellings_on(country: str, day: datetime.date) -> frozenset[str]:
    """Every spelling of the names celebrated on ``day`` in ``country``: what the run looks for."""
    return _spellings_on(country, day.month, day.day, _leap(day.year))


def name_days(country: str, first_name: str) -> list[str]:
    """Every day ("MM-DD") ``first_name`` is listed on in ``country``'s calendar, in the year's
    order (it is greeted on one of them: ``main_days``)."""
    wanted = key(first_name)
    return [day for day, names in sorted(calendar(country).items()) if any(key(n) == wanted for n in names)]


def calendar_for(country: str, language: str) -> str:
    """The calendar of a contact in ``country`` who prefers ``language``, or "" for none."""
    country = (country or "").upper()
    if country in calendars():
        return country
    return CALENDAR_OF_LANGUAGE.get((language or "").lower()[:2], "")


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
