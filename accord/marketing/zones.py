"""A contact's time zone, from their country: greetings go out at the contact's own 09:00.

Countries with several zones get the one most of their people live in (the United States: New
York's; Russia: Moscow's). A contact whose country is not here, or who has none, gets the
installation's ``TIME_ZONE``.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.conf import settings

ZONES = {
    "PL": "Europe/Warsaw",
    "LT": "Europe/Vilnius",
    "LV": "Europe/Riga",
    "EE": "Europe/Tallinn",
    "RO": "Europe/Bucharest",
    "MD": "Europe/Chisinau",
    "RU": "Europe/Moscow",
    "BY": "Europe/Minsk",
    "UA": "Europe/Kyiv",
    "DE": "Europe/Berlin",
    "AT": "Europe/Vienna",
    "CH": "Europe/Zurich",
    "CZ": "Europe/Prague",
    "SK": "Europe/Bratislava",
    "HU": "Europe/Budapest",
    "FR": "Europe/Paris",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "IT": "Europe/Rome",
    "ES": "Europe/Madrid",
    "SE": "Europe/Stockholm",
    "FI": "Europe/Helsinki",
    "DK": "Europe/Copenhagen",
    "NO": "Europe/Oslo",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "PT": "Europe/Lisbon",
    "US": "America/New_York",
    "CA": "America/Toronto",
}


def default_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def zone_of(country: str) -> zoneinfo.ZoneInfo:
    """The time zone of a contact in ``country`` (an ISO code, any case; "" for none)."""
    name = ZONES.get((country or "").upper())
    return zoneinfo.ZoneInfo(name) if name else default_zone()


@dataclass(frozen=True)
class LocalNow:
    """What the clock says at one instant in one zone: for which countries ("" stands for every
    country without a zone of its own)."""

    zone: str
    countries: frozenset[str]
    today: datetime.date
    time: datetime.time


def local_clocks(now: datetime.datetime) -> list[LocalNow]:
    """The date and time at ``now`` in every zone the contacts may be in."""
    by_zone: dict[str, set[str]] = {}
    for country, name in ZONES.items():
        by_zone.setdefault(name, set()).add(country)
    by_zone.setdefault(settings.TIME_ZONE, set()).add("")
    clocks = []
    for name, countries in sorted(by_zone.items()):
        local = now.astimezone(zoneinfo.ZoneInfo(name))
        clocks.append(LocalNow(name, frozenset(countries), local.date(), local.time().replace(tzinfo=None)))
    return clocks
