"""The benchmark dataset: at scale 1.0, 1M contacts, 200k companies and 5M interactions.

Generated in bulk straight into the tables (core.bulk: COPY on PostgreSQL, executemany on SQLite),
deterministically from a seed, keeping every derived column the services keep (sort names,
primary e-mail and phone, search text, last interaction). One contact, "Heavy Timeline", has
10,000 interactions for the 360° page workload.

Ownership: 10 teams of 5 sales reps; records are spread evenly over the 50 reps, so a rep with
team visibility sees a tenth of the data.
"""

from __future__ import annotations

import datetime
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from faker import Faker

from accord.activities.models import Interaction
from accord.core import bulk, dbstats, search
from accord.core.ids import uuid7
from accord.core.models import Tag
from accord.identity.models import Role, Team, User
from accord.people.demo import ascii_slug
from accord.people.models import Company, Contact, ContactCompany, ContactTag, EmailAddress, PhoneNumber
from accord.people.services import contact_document, sort_name

FULL = {"contacts": 1_000_000, "companies": 200_000, "interactions": 5_000_000}
HEAVY_TIMELINE = 10_000
TEAMS, REPS_PER_TEAM = 10, 5
CHUNK = 20_000
LOCALES = {
    "pl_PL": ("PL", 0.45),
    "lt_LT": ("LT", 0.15),
    "ro_RO": ("RO", 0.15),
    "ru_RU": ("RU", 0.1),
    "en_GB": ("GB", 0.15),
}
MOBILE_PREFIX = {
    "PL": ("48", ["50", "51", "53", "57", "60", "66", "69", "72", "78", "79", "88"], 7),
    "LT": ("370", ["60", "61", "62", "65", "67", "68", "69"], 6),
    "RO": ("40", ["72", "73", "74", "75", "76", "78"], 7),
    "RU": ("7", ["903", "905", "915", "916", "925", "926"], 7),
    "GB": ("44", ["74", "75", "77", "78", "79"], 8),
}
FREE_MAIL = ["gmail.com", "wp.pl", "onet.pl", "outlook.com", "yahoo.com", "mail.ru", "inbox.lt", "yahoo.ro"]
CHANNELS = (
    ["phone"] * 35
    + ["email"] * 30
    + ["meeting"] * 9
    + ["note"] * 9
    + ["visit"] * 5
    + ["chat"] * 4
    + ["sms"] * 3
    + ["letter", "web_form", "social", "fax"]
)
SUBJECTS = [
    "Follow-up call",
    "Offer sent",
    "Pricing questions",
    "Quarterly review",
    "Product demo",
    "Renewal",
    "Delivery status",
    "Invoice question",
    "Meeting summary",
    "Intro call",
]
LEGAL = {
    "PL": ["Sp. z o.o.", "S.A.", "Sp.k.", "s.c."],
    "LT": ["UAB", "AB"],
    "RO": ["SRL", "SA"],
    "RU": ["ООО", "АО"],
    "GB": ["Ltd", "plc", "LLP"],
}
MARKER = "bench_dataset"


@dataclass
class Dataset:
    scale: float
    seed: int
    contacts: int
    companies: int
    interactions: int
    reps: list[Any]
    heavy_contact_id: uuid.UUID


def counts(scale: float) -> dict[str, int]:
    return {name: max(10, round(n * scale)) for name, n in FULL.items()}


def _marker(scale: float, seed: int) -> str:
    return f"scale={scale};seed={seed}"


def existing(scale: float, seed: int) -> bool:
    """Whether this database already holds the dataset of this scale and seed."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if MARKER not in tables:
            return False
        cursor.execute(f"SELECT description FROM {MARKER}")
        row = cursor.fetchone()
    return bool(row and row[0] == _marker(scale, seed))


def load(scale: float, seed: int) -> Dataset:
    reps = list(User.objects.filter(username__startswith="bench-rep-").select_related("role").order_by("username"))
    heavy = Contact.objects.get(external_id="bench-heavy-timeline")
    n = counts(scale)
    return Dataset(scale, seed, n["contacts"], n["companies"], n["interactions"], reps, heavy.pk)


class Pools:
    """Names, streets and phone numbers per country, drawn from Faker once and combined at random."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.rng = rng
        self.first: dict[str, list[str]] = {}
        self.last: dict[str, list[str]] = {}
        self.cities: dict[str, list[str]] = {}
        for locale, (country, _weight) in LOCALES.items():
            faker = Faker(locale)
            faker.seed_instance(seed)
            self.first[country] = list({faker.first_name() for _ in range(600)})
            self.last[country] = list({faker.last_name() for _ in range(1500)})
            self.cities[country] = list({faker.city() for _ in range(200)})
        self.countries = [c for c, _w in LOCALES.values()]
        self.weights = [w for _c, w in LOCALES.values()]

    def country(self) -> str:
        return self.rng.choices(self.countries, self.weights)[0]

    def phone(self, country: str) -> str:
        code, prefixes, rest = MOBILE_PREFIX[country]
        return "+" + code + self.rng.choice(prefixes) + "".join(self.rng.choices("0123456789", k=rest))


def _slug(text: str) -> str:
    return ascii_slug(text)


def generate(scale: float, seed: int, log: Callable[[str], None] = print) -> Dataset:
    """Fill the (empty) database with the dataset; returns what it made."""
    rng = random.Random(seed)
    n = counts(scale)
    started = time.monotonic()
    pools = Pools(rng, seed)
    with transaction.atomic():
        reps = _people(rng)
        tags = [Tag.objects.get_or_create(name=name)[0] for name in ("VIP", "Partner", "Newsletter", "Reseller")]
    log(f"  users and teams ({time.monotonic() - started:.0f} s)")
    company_ids, company_names = _companies(rng, pools, reps, n["companies"])
    log(f"  {n['companies']:,} companies ({time.monotonic() - started:.0f} s)")
    contact_owner, heavy = _contacts(rng, pools, reps, n["contacts"], company_ids, company_names, tags)
    log(f"  {n['contacts']:,} contacts ({time.monotonic() - started:.0f} s)")
    _interactions(rng, reps, contact_owner, n["interactions"], heavy)
    log(f"  {n['interactions']:,} interactions ({time.monotonic() - started:.0f} s)")
    _last_interaction()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (description VARCHAR(100))")
        cursor.execute(f"DELETE FROM {MARKER}")
        cursor.execute(f"INSERT INTO {MARKER} (description) VALUES (%s)", [_marker(scale, seed)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # now, rather than when autovacuum gets to it
    dbstats.refresh()  # SQLite's
    log(f"  done in {time.monotonic() - started:.0f} s")
    return load(scale, seed)


def _people(rng: random.Random) -> list[User]:
    role = Role.objects.get(code=Role.SALES_REP)
    reps = []
    for t in range(TEAMS):
        team, _ = Team.objects.get_or_create(name=f"Bench team {t + 1:02d}")
        for r in range(REPS_PER_TEAM):
            user, _ = User.objects.get_or_create(
                username=f"bench-rep-{t + 1:02d}-{r + 1}", defaults={"role": role, "first_name": f"Rep {t + 1}.{r + 1}"}
            )
            user.teams.add(team)
            reps.append(User.objects.select_related("role").get(pk=user.pk))
    User.objects.get_or_create(username="bench-admin", defaults={"role": Role.objects.get(code=Role.ADMIN)})
    return reps


def _chunks(total: int) -> Iterator[range]:
    for start in range(0, total, CHUNK):
        yield range(start, min(total, start + CHUNK))


def _when(rng: random.Random, now: datetime.datetime) -> datetime.datetime:
    return now - datetime.timedelta(seconds=rng.randint(60, 730 * 86400))


def _companies(rng: random.Random, pools: Pools, reps: list[User], total: int) -> tuple[list[uuid.UUID], dict]:
    now = timezone.now()
    ids: list[uuid.UUID] = []
    names: dict[uuid.UUID, str] = {}
    kinds = ["Trade", "Group", "Tech", "Logistics", "Foods", "Steel", "Bud", "Med", "Invest"]
    for chunk in _chunks(total):
        companies, emails, phones = [], [], []
        for i in chunk:
            country = pools.country()
            owner = reps[i % len(reps)]
            name = f"{rng.choice(pools.last[country])} {rng.choice(kinds)} {rng.choice(LEGAL[country])}"
            domain = f"{_slug(name.split()[0])}{i}.{country.lower()}"
            email, phone, pk = f"office@{domain}", pools.phone(country), uuid7()
            website = f"https://www.{domain}"
            text = search.document(name, website.removeprefix("https://www."), email, *search.phone_terms(phone))
            companies.append(
                (
                    pk,
                    name,
                    sort_name(name),
                    country,
                    website,
                    owner.pk,
                    owner.primary_team_id,
                    _when(rng, now),
                    email,
                    phone,
                    text,
                )
            )
            emails.append((uuid7(), pk, email))
            phones.append((uuid7(), pk, phone, "work"))
            ids.append(pk)
            names[pk] = name
        with transaction.atomic():
            bulk.insert_values(Company, COMPANY_COLUMNS, companies)
            bulk.insert_values(EmailAddress, ["id", "company", "email"], emails)
            bulk.insert_values(PhoneNumber, ["id", "company", "number", "label"], phones)
    return ids, names


COMPANY_COLUMNS = [
    "id",
    "name",
    "sort_name",
    "country",
    "website",
    "owner",
    "team",
    "created_at",
    "primary_email",
    "primary_phone",
    "search_text",
]
CONTACT_COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "sort_name",
    "preferred_language",
    "source",
    "owner",
    "team",
    "created_at",
    "primary_email",
    "primary_phone",
    "external_id",
    "search_text",
    "birthday",
]
INTERACTION_COLUMNS = [
    "id",
    "channel",
    "direction",
    "occurred_at",
    "created_at",
    "subject",
    "author",
    "contact",
    "duration_seconds",
    "outcome",
]


def _contacts(
    rng: random.Random,
    pools: Pools,
    reps: list[User],
    total: int,
    company_ids: list[uuid.UUID],
    company_names: dict,
    tags: list[Tag],
) -> tuple[list[tuple[uuid.UUID, uuid.UUID]], uuid.UUID]:
    now = timezone.now()
    owners: list[tuple[uuid.UUID, uuid.UUID]] = []
    heavy: uuid.UUID | None = None
    sources = ["manual", "import", "web_form", "referral", "campaign"]
    # Birthdays (four contacts in five have one, born 1950-2004, 29 February included) come from a
    # generator of their own: the names, owners and companies drawn from ``rng`` stay as they were.
    birthdays = random.Random(f"birthdays:{total}")
    born = [datetime.date(1950, 1, 1) + datetime.timedelta(days=d) for d in range(0, 20089)]
    for chunk in _chunks(total):
        contacts, emails, phones, links, tagged = [], [], [], [], []
        for i in chunk:
            country = pools.country()
            owner = reps[i % len(reps)]
            first, last = (
                ("Heavy", "Timeline") if i == 0 else (rng.choice(pools.first[country]), rng.choice(pools.last[country]))
            )
            employer = rng.choice(company_ids) if rng.random() < 0.7 else None
            email = f"{_slug(first)}.{_slug(last)}{i}@{rng.choice(FREE_MAIL)}"
            phone = pools.phone(country)
            external = "bench-heavy-timeline" if i == 0 else None
            pk = uuid7()
            text = contact_document(
                f"{first} {last}", [email], [phone], [company_names[employer]] if employer else [], external
            )
            contacts.append(
                (
                    pk,
                    first,
                    last,
                    sort_name(last, first),
                    country.lower() if country != "GB" else "en",
                    rng.choice(sources),
                    owner.pk,
                    owner.primary_team_id,
                    _when(rng, now),
                    email,
                    phone,
                    external,
                    text,
                    birthdays.choice(born) if birthdays.random() < 0.8 else None,
                )
            )
            emails.append((uuid7(), pk, email))
            phones.append((uuid7(), pk, phone))
            if employer:
                links.append((uuid7(), pk, employer, True))
            if rng.random() < 0.1:
                tagged.append((pk, rng.choice(tags).pk))
            owners.append((pk, owner.pk))
            if i == 0:
                heavy = pk
        with transaction.atomic():
            bulk.insert_values(Contact, CONTACT_COLUMNS, contacts)
            bulk.insert_values(EmailAddress, ["id", "contact", "email"], emails)
            bulk.insert_values(PhoneNumber, ["id", "contact", "number"], phones)
            bulk.insert_values(ContactCompany, ["id", "contact", "company", "is_primary"], links)
            ContactTag.objects.bulk_create([ContactTag(contact_id=c, tag_id=t) for c, t in tagged], batch_size=2000)
    assert heavy is not None
    return owners, heavy


def _interactions(
    rng: random.Random, reps: list[User], contact_owner: list[tuple[uuid.UUID, uuid.UUID]], total: int, heavy: uuid.UUID
) -> None:
    now = timezone.now()
    heavy_owner = contact_owner[0][1]
    for chunk in _chunks(max(total, HEAVY_TIMELINE)):
        rows = []
        for i in chunk:
            if i < HEAVY_TIMELINE:
                contact_id, owner_id = heavy, heavy_owner
            else:
                contact_id, owner_id = contact_owner[rng.randrange(len(contact_owner))]
            channel = rng.choice(CHANNELS)
            when = _when(rng, now)
            phone = channel == "phone"
            rows.append(
                (
                    uuid7(),
                    channel,
                    "" if channel == "note" else rng.choice(("in", "out")),
                    when,
                    when,
                    rng.choice(SUBJECTS),
                    owner_id,
                    contact_id,
                    rng.randint(30, 1800) if phone else None,
                    "connected" if phone else "",
                )
            )
        with transaction.atomic():
            bulk.insert_values(Interaction, INTERACTION_COLUMNS, rows)


def _last_interaction() -> None:
    latest = (
        Interaction.objects.filter(contact=OuterRef("pk")).order_by().values("contact").annotate(m=Max("occurred_at"))
    )
    with transaction.atomic():
        Contact.objects.update(last_interaction_at=Subquery(latest.values("m")))
