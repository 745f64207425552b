"""Business time: adding working minutes to a moment and counting the working time between two.

A calendar is its time zone, its working periods per weekday (Monday first, "HH:MM" pairs), the
country whose public holidays are days off and its own closed days. Periods are laid out in local
wall time and turned into instants through the zone, so a working day across a change of clocks
lasts what the clock on the wall says (9 to 17 is eight hours on the day clocks go forward, too,
unless the change falls inside the period, when it is seven or nine real hours, as lived).

``Hours`` is built once per calendar and answers in microseconds; with no calendar (``None``) the
clock runs day and night.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import re
import zoneinfo
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import holidays as holidays_library

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
# How far ahead the search for working time goes before it gives up (a calendar with no hours).
_HORIZON_DAYS = 3 * 366


class CalendarError(ValueError):
    """A calendar's hours or closed days cannot be read."""


def parse_time(value: str) -> datetime.time | None:
    """ "09:30" -> time(9, 30); "24:00" -> None (the end of the day)."""
    if not isinstance(value, str) or not _HHMM.match(value):
        raise CalendarError(value)
    if value == "24:00":
        return None
    hours, minutes = value.split(":")
    return datetime.time(int(hours), int(minutes))


def clean_hours(hours: Any) -> list[list[list[str]]]:
    """Seven weekdays' periods, each a sorted list of non-overlapping ["HH:MM", "HH:MM"] with the
    start before the end; raises ``CalendarError`` naming the weekday (0 = Monday) that is wrong."""
    if not isinstance(hours, list) or len(hours) != 7:
        raise CalendarError("7")
    cleaned: list[list[list[str]]] = []
    for day, periods in enumerate(hours):
        if not isinstance(periods, list):
            raise CalendarError(str(day))
        spans = []
        for period in periods:
            if not isinstance(period, list | tuple) or len(period) != 2:
                raise CalendarError(str(day))
            try:
                start, end = parse_time(period[0]), parse_time(period[1])
            except CalendarError as exc:
                raise CalendarError(str(day)) from exc
            if start is None or (end is not None and end <= start):
                raise CalendarError(str(day))
            spans.append((start, end or datetime.time.max, period[0], period[1]))
        spans.sort()
        for before, after in itertools.pairwise(spans):
            if after[0] < before[1]:
                raise CalendarError(str(day))
        cleaned.append([[s[2], s[3]] for s in spans])
    return cleaned


@dataclass(frozen=True)
class Hours:
    """A calendar ready for arithmetic."""

    zone: zoneinfo.ZoneInfo
    # Per weekday, (start, end) as minutes since local midnight; end 1440 = midnight.
    week: tuple[tuple[tuple[int, int], ...], ...]
    country: str
    closed: frozenset[datetime.date]

    @classmethod
    def of(cls, time_zone: str, hours: Sequence[Any], country: str = "", closed_days: Sequence[str] = ()) -> Hours:
        week = []
        for periods in clean_hours(list(hours)):
            spans = []
            for start, end in periods:
                s, e = parse_time(start), parse_time(end)
                assert s is not None
                spans.append((s.hour * 60 + s.minute, 1440 if e is None else e.hour * 60 + e.minute))
            week.append(tuple(spans))
        closed = set()
        for day in closed_days:
            try:
                closed.add(datetime.date.fromisoformat(str(day)))
            except ValueError as exc:
                raise CalendarError(str(day)) from exc
        return cls(zoneinfo.ZoneInfo(time_zone), tuple(week), country.upper(), frozenset(closed))

    def is_day_off(self, day: datetime.date) -> bool:
        return day in self.closed or (bool(self.country) and day in _holidays(self.country, day.year))

    def periods(self, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """The working periods of local ``day`` as aware instants (UTC), in order."""
        if self.is_day_off(day):
            return []
        result = []
        for start, end in self.week[day.weekday()]:
            begin = _local(day, start, self.zone)
            finish = _local(day, end, self.zone)
            if finish > begin:
                result.append((begin, finish))
        return result

    def _from(self, moment: datetime.datetime) -> Iterator[tuple[datetime.datetime, datetime.datetime]]:
        """Working periods from ``moment`` on (the first one cut at ``moment``)."""
        day = moment.astimezone(self.zone).date() - datetime.timedelta(days=1)
        for offset in range(_HORIZON_DAYS):
            for begin, finish in self.periods(day + datetime.timedelta(days=offset)):
                if finish <= moment:
                    continue
                yield max(begin, moment), finish

    def add(self, start: datetime.datetime, minutes: float) -> datetime.datetime:
        """The moment ``minutes`` of working time after ``start``."""
        left = datetime.timedelta(minutes=minutes)
        if left <= datetime.timedelta(0):
            return start
        for begin, finish in self._from(start):
            length = finish - begin
            if left <= length:
                return begin + left
            left -= length
        raise CalendarError("no working time")

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        """The working time from ``start`` to ``end`` (zero when ``end`` is not later)."""
        total = datetime.timedelta(0)
        if end <= start:
            return total
        for begin, finish in self._from(start):
            if begin >= end:
                break
            total += min(finish, end) - begin
        return total


def _local(day: datetime.date, minute: int, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """Local wall time ``minute`` of ``day`` as an instant; a wall time skipped by a change of
    clocks is taken as the first instant after it, one lived twice as the first time."""
    if minute >= 1440:
        day, minute = day + datetime.timedelta(days=1), 0
    wall = datetime.datetime.combine(day, datetime.time(minute // 60, minute % 60))
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(datetime.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # Skipped (spring forward): the wall time never shows, the clock jumps past it. The moment it
    # jumps lies between the two readings of ``wall`` (``fold`` 1 before the gap, 0 after it): the
    # first instant whose wall time is not earlier than ``wall``.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(datetime.UTC)
    high = instant
    while high - low > datetime.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)  # clocks change on a whole second, the last one up to ``high``


@functools.cache
def _holidays(country: str, year: int) -> frozenset[datetime.date]:
    try:
        return frozenset(holidays_library.country_holidays(country, years=year))
    except NotImplementedError:  # the library's answer for a country it has no calendar of
        return frozenset()


class AlwaysOpen:
    """No calendar: every minute counts."""

    def add(self, start: datetime.datetime, minutes: float) -> datetime.datetime:
        return start + datetime.timedelta(minutes=minutes)

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
        return max(end - start, datetime.timedelta(0))


ALWAYS = AlwaysOpen()
