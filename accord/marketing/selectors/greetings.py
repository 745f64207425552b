"""Reads of greetings: who is greeted on a day, and for whom, the rules, the upcoming and the
greetings made.

Every occasion is found in SQL: a birthday by month and day, a name day by the spellings of the
day's names per calendar, a holiday by the countries that have it, an anniversary by the day of
the company's founding or of the contact's first won deal. The run never reads all contacts.

A contact's country is their first address's, else their main company's (else "": the
installation's). It decides their time zone, their holidays and (with their language) their
name-day calendar.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, Upper
from django.utils import timezone, translation

from accord.core import access
from accord.marketing import holidays_calendar, namedays, zones
from accord.marketing.models import Greeting, GreetingChannel, GreetingRule, Occasion
from accord.people.models import Address, Contact, ContactCompany

FOUNDED_FIELD = "founded"  # the companies' date custom field holding the founding date


def founded_field() -> str:
    return str(getattr(settings, "ACCORD_COMPANY_FOUNDED_FIELD", FOUNDED_FIELD))


def _main_company(column: str) -> Subquery:
    links = ContactCompany.objects.filter(contact=OuterRef("pk")).order_by("-is_primary", "id")
    return Subquery(links.values(f"company__{column}")[:1])


def with_country(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """``contacts`` with ``g_country``: the first address's country, else the main company's."""
    addresses = Address.objects.filter(contact=OuterRef("pk")).exclude(country="").order_by("position", "id")
    companies = (
        ContactCompany.objects.filter(contact=OuterRef("pk")).exclude(company__country="").order_by("-is_primary", "id")
    )
    return contacts.annotate(
        g_country=Upper(
            Coalesce(
                Subquery(addresses.values("country")[:1]),
                Subquery(companies.values("company__country")[:1]),
                Value(""),
            )
        )
    )


@contextmanager
def planned_plainly() -> Iterator[None]:
    """Run the block's queries without PostgreSQL's JIT compilation. A candidates query looks up
    each contact's country and consent in subqueries, which the planner prices as if it ran them
    for every contact (millions), so it compiles the query to machine code first: two seconds
    for a query that then finds its few dozen contacts in milliseconds."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def reachable(contacts: QuerySet[Contact], channel: str) -> QuerySet[Contact]:
    """Those of ``contacts`` who may be greeted on ``channel``: they have the address for it and
    gave their consent to greetings on it."""
    from accord.marketing.selectors.consent import reachable_q

    address = Q(primary_email__gt="") if channel == GreetingChannel.EMAIL else Q(primary_phone__gt="")
    return contacts.filter(address).filter(reachable_q(channel=channel, purpose="greetings"))


def in_countries(countries: Iterable[str] | None, with_default: bool) -> Q:
    """The contacts (annotated ``with_country``) of ``countries``; ``with_default``: also those
    of every country without a zone of its own (and of none). None: all of them."""
    if countries is None or (with_default and set(zones.ZONES) <= set(countries)):
        return Q()  # everyone: no country to compute
    q = Q(g_country__in=sorted(countries))
    if with_default:
        q |= ~Q(g_country__in=sorted(zones.ZONES))
    return q


@dataclass
class Batch:
    """The contacts to greet for one rule on one day: one occasion (``key``) of one year."""

    rule: GreetingRule
    day: datetime.date
    key: str
    contacts: QuerySet[Contact]
    holiday: str = ""
    # Anniversaries: the year counted from, by contact (filled as the contacts are read).
    since: dict[Any, int] = field(default_factory=dict)


def _not_greeted(contacts: QuerySet[Contact], key: str, year: int) -> QuerySet[Contact]:
    done = Greeting.objects.filter(contact=OuterRef("pk"), occasion_key=key, year=year)
    return contacts.filter(~Exists(done))


def _birthdays(day: datetime.date) -> Q:
    q = Q(birthday__month=day.month, birthday__day=day.day)
    if day.month == 2 and day.day == 28 and not namedays._leap(day.year):
        q |= Q(birthday__month=2, birthday__day=29)  # greeted the day before in other years
    return q


def birthdays_q(day: datetime.date) -> Q:
    """The contacts whose birthday is ``day`` (those born on 29 February: the 28th in other years)."""
    return _birthdays(day)


def _name_days(day: datetime.date) -> Q:
    """The contacts whose name is celebrated on ``day`` in their calendar. The names of every
    calendar come first, on their own: a comparison with a list, which leaves the few contacts
    so named for the country (two look-ups each) to be worked out for."""
    q = Q(pk__in=[])
    calendars = namedays.calendars()
    every: set[str] = set()
    for country in calendars:
        every |= namedays.spellings_on(country, day)
    if not every:
        return q
    for country in calendars:
        names = namedays.spellings_on(country, day)
        if not names:
            continue
        of_calendar = Q(g_country=country)
        language = next((lang for lang, c in namedays.CALENDAR_OF_LANGUAGE.items() if c == country), "")
        if language:
            of_calendar |= ~Q(g_country__in=calendars) & Q(preferred_language=language)
        q |= of_calendar & Q(first_name__in=sorted(names))
    return Q(first_name__in=sorted(every)) & q


def _company_anniversary(day: datetime.date) -> Q:
    key = founded_field()
    suffix = f"-{day.month:02d}-{day.day:02d}"
    days = [suffix]
    if day.month == 2 and day.day == 28 and not namedays._leap(day.year):
        days.append("-02-29")
    q = Q()
    for ending in days:
        q |= Q(**{f"company__custom__{key}__endswith": ending})
    links = ContactCompany.objects.filter(q, contact=OuterRef("pk"), is_primary=True)
    return Q(Exists(links))


def details(rule: GreetingRule) -> QuerySet[Contact]:
    """Contacts with what a greeting of ``rule`` says of them: their country, their main
    company's name and language, and for anniversaries what the years count from."""
    contacts = with_country(Contact.objects.all()).only(
        "id", "first_name", "last_name", "primary_email", "primary_phone", "preferred_language"
    )
    contacts = contacts.annotate(
        g_company=_main_company("name"), g_company_language=_main_company("preferred_language")
    )
    if rule.occasion == Occasion.COMPANY_ANNIVERSARY:
        contacts = contacts.annotate(g_since_text=_main_company(f"custom__{founded_field()}"))
    elif rule.occasion == Occasion.CUSTOMER_ANNIVERSARY:
        contacts = _first_won(contacts)
    return contacts


def _first_won(contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """The customer anniversary counts from the contact's first won deal (the day it was closed,
    in the installation's time zone): a contact becomes a customer when they buy, which a deal
    won says for every kind of business (an invoice may never be made in Accord, and a contact's
    record is often made long before they buy)."""
    from accord.sales.models import DealContact

    first = (
        DealContact.objects.filter(contact=OuterRef("pk"), deal__status="won", deal__closed_at__isnull=False)
        .order_by("deal__closed_at")
        .values("deal__closed_at")[:1]
    )
    return contacts.annotate(g_since=Subquery(first))


def _anniversary_ids(day: datetime.date) -> Any:
    from accord.sales.models import DealContact

    firsts = (
        DealContact.objects.filter(deal__status="won", deal__closed_at__isnull=False)
        .values("contact")
        .annotate(first=Min("deal__closed_at"))
    )
    q = Q(first__month=day.month, first__day=day.day)
    if day.month == 2 and day.day == 28 and not namedays._leap(day.year):
        q |= Q(first__month=2, first__day=29)
    return firsts.filter(q, first__year__lt=day.year).values("contact")


def batches(
    rule: GreetingRule, day: datetime.date, countries: Iterable[str] | None = None, with_default: bool = True
) -> list[Batch]:
    """Who ``rule`` greets on ``day`` (the contacts' local date) among the contacts of
    ``countries`` (see ``in_countries``), not greeted for it yet this year."""
    base = reachable(with_country(Contact.objects.all()), rule.channel)
    where = in_countries(countries, with_default)
    year = day.year
    occasion = rule.occasion
    if occasion == Occasion.BIRTHDAY:
        found = [Batch(rule, day, "birthday", base.filter(_birthdays(day)).filter(where))]
    elif occasion == Occasion.NAME_DAY:
        found = [Batch(rule, day, "name_day", base.filter(where).filter(_name_days(day)))]
    elif occasion == Occasion.COMPANY_ANNIVERSARY:
        contacts = base.filter(where).filter(_company_anniversary(day))
        found = [Batch(rule, day, "company_anniversary", contacts)]
    elif occasion == Occasion.CUSTOMER_ANNIVERSARY:
        contacts = base.filter(where).filter(pk__in=_anniversary_ids(day))
        found = [Batch(rule, day, "customer_anniversary", contacts)]
    else:
        found = []
        chosen = set(rule.holidays or [])
        for name, having in sorted(holidays_calendar.celebrated(day).items()):
            if chosen and name not in chosen:
                continue
            of_holiday = Q(g_country__in=sorted(having))
            if settings.DEFAULT_COUNTRY.upper() in having:
                of_holiday |= Q(g_country="")
            found.append(Batch(rule, day, f"holiday:{name}"[:120], base.filter(where).filter(of_holiday), name))
    for batch in found:
        batch.contacts = _not_greeted(batch.contacts, batch.key, year)
    return found


def due(now: datetime.datetime, rules: Iterable[GreetingRule] | None = None) -> list[Batch]:
    """What is due at ``now``: for every enabled rule, the contacts whose local time has reached
    the rule's hour on their local date. A contact is due from that moment to the end of their
    day, so a run that was late, or a clock that skipped an hour, loses no greeting."""
    if rules is None:
        rules = GreetingRule.objects.filter(enabled=True).order_by("occasion", "channel", "id")
    clocks = zones.local_clocks(now)
    found: list[Batch] = []
    for rule in rules:
        by_day: dict[datetime.date, tuple[set[str], bool]] = {}
        for clock in clocks:
            if clock.time < rule.send_at:
                continue
            countries, with_default = by_day.setdefault(clock.today, (set(), False))
            countries |= {c for c in clock.countries if c}
            by_day[clock.today] = (countries, with_default or "" in clock.countries)
        for day, (countries, with_default) in sorted(by_day.items()):
            found.extend(batches(rule, day, countries, with_default))
    return found


def rules(user: Any) -> QuerySet[GreetingRule]:
    """The greeting rules, for the administrators and marketers who manage them."""
    return GreetingRule.objects.all() if may_manage(user) else GreetingRule.objects.none()


def may_manage(user: Any) -> bool:
    """Greetings write to every customer: administrators and marketers set them up."""
    if access.is_admin(user):
        return True
    role = getattr(user, "role", None)
    return bool(getattr(user, "is_authenticated", False) and role is not None and role.code == "marketer")


@dataclass(frozen=True)
class Upcoming:
    day: datetime.date
    rule: GreetingRule
    occasion: str
    count: int


class _Counts:
    """The reachable contacts of one channel counted once by what decides their occasions (their
    country, birthday, first name and language, company's founding, first won deal), so the next
    30 days' greetings are added up from a few grouped queries instead of one search per day."""

    def __init__(self, channel: str, spellings: set[str]) -> None:
        base = reachable(Contact.objects.all(), channel)
        with planned_plainly():
            countries = with_country(base).values("g_country").annotate(n=Count("pk")).order_by()  # type: ignore[misc]
            self.countries = {row["g_country"]: row["n"] for row in countries}
            born = (
                base.filter(birthday__isnull=False)
                .values(month=ExtractMonth("birthday"), day=ExtractDay("birthday"))
                .annotate(n=Count("pk"))
                .order_by()
            )
            self.birthdays = {(row["month"], row["day"]): row["n"] for row in born}
            named = (
                with_country(base.filter(first_name__in=sorted(spellings)))
                .values("first_name", "g_country", "preferred_language")  # type: ignore[misc]
                .annotate(n=Count("pk"))
                .order_by()
            )
            self.names = [
                (row["first_name"], namedays.calendar_for(row["g_country"], row["preferred_language"]), row["n"])
                for row in named
            ]
            founded = (
                base.filter(company_links__is_primary=True)
                .values(founded=F(f"company_links__company__custom__{founded_field()}"))
                .annotate(n=Count("pk"))
                .order_by()
            )
            self.founded = [(str(row["founded"] or ""), row["n"]) for row in founded]
            firsts = _anniversary_firsts().filter(contact__in=base.values("pk")).values_list("first", flat=True)
            self.firsts = [timezone.localtime(when, zones.default_zone()).date() for when in firsts if when]

    def on(self, rule: GreetingRule, day: datetime.date) -> list[tuple[str, int]]:
        """(what is celebrated, how many) for ``rule`` on ``day``."""
        leap_day_too = day.month == 2 and day.day == 28 and not namedays._leap(day.year)

        def same_day(month: int, dom: int) -> bool:
            return (month, dom) == (day.month, day.day) or (leap_day_too and (month, dom) == (2, 29))

        label = str(Occasion(rule.occasion).label)
        if rule.occasion == Occasion.BIRTHDAY:
            count = self.birthdays.get((day.month, day.day), 0) + (
                self.birthdays.get((2, 29), 0) if leap_day_too else 0
            )
            return [(label, count)]
        if rule.occasion == Occasion.NAME_DAY:
            wanted = {country: namedays.spellings_on(country, day) for country in namedays.calendars()}
            return [(label, sum(n for name, calendar, n in self.names if name in wanted.get(calendar, ())))]
        if rule.occasion == Occasion.COMPANY_ANNIVERSARY:
            count = 0
            for founded, n in self.founded:
                try:
                    date = datetime.date.fromisoformat(founded)
                except ValueError:
                    continue
                if date.year < day.year and same_day(date.month, date.day):
                    count += n
            return [(label, count)]
        if rule.occasion == Occasion.CUSTOMER_ANNIVERSARY:
            count = sum(1 for first in self.firsts if first.year < day.year and same_day(first.month, first.day))
            return [(label, count)]
        found = []
        chosen = set(rule.holidays or [])
        for name, having in sorted(holidays_calendar.celebrated(day).items()):
            if chosen and name not in chosen:
                continue
            count = sum(self.countries.get(country, 0) for country in having)
            if settings.DEFAULT_COUNTRY.upper() in having:
                count += self.countries.get("", 0)
            # Named in the reader's language, as the installation's country (or another having it) calls it.
            country = settings.DEFAULT_COUNTRY.upper() if settings.DEFAULT_COUNTRY.upper() in having else min(having)
            found.append((holidays_calendar.local_name(name, day, country, translation.get_language() or ""), count))
        return found


def _anniversary_firsts() -> Any:
    from accord.sales.models import DealContact

    return (
        DealContact.objects.filter(deal__status="won", deal__closed_at__isnull=False)
        .values("contact")
        .annotate(first=Min("deal__closed_at"))
        .order_by()
    )


def upcoming(user: Any, *, start: datetime.date | None = None, days: int = 30) -> list[Upcoming]:
    """The greetings of the enabled rules in the next ``days`` days, counted per day and occasion:
    who may be reached on the rule's channel and has the occasion that day (each day as the
    installation's date: a contact far east or west may get theirs a day apart; today's count
    includes those greeted already)."""
    if not may_manage(user):
        return []
    start = start or datetime.datetime.now(zones.default_zone()).date()
    enabled = list(GreetingRule.objects.filter(enabled=True).order_by("occasion", "name"))
    dates = [start + datetime.timedelta(days=offset) for offset in range(days)]
    spellings: set[str] = set()
    if any(rule.occasion == Occasion.NAME_DAY for rule in enabled):
        for day in dates:
            for country in namedays.calendars():
                spellings |= namedays.spellings_on(country, day)
    counts = {channel: _Counts(channel, spellings) for channel in sorted({rule.channel for rule in enabled})}
    found: list[Upcoming] = []
    for day in dates:
        for rule in enabled:
            for label, count in counts[rule.channel].on(rule, day):
                if count:
                    found.append(Upcoming(day, rule, label, count))
    return found


def totals(found: Iterable[Upcoming]) -> dict[str, int]:
    """The upcoming greetings counted per occasion."""
    result: dict[str, int] = {}
    for item in found:
        label = str(Occasion(item.rule.occasion).label)
        result[label] = result.get(label, 0) + item.count
    return result


def sent(user: Any, *, limit: int = 200) -> QuerySet[Greeting]:
    """The latest greetings made, newest first (for those who manage greetings)."""
    if not may_manage(user):
        return Greeting.objects.none()
    return Greeting.objects.select_related("contact", "rule", "message").order_by("-created_at", "-id")[:limit]
