"""Demo companies and contacts from Poland, Lithuania, Romania, Russia and Britain.

Written in bulk (the services' per-record path would take minutes for 5,000 contacts), keeping the
same derived columns the services keep: sort names, primary e-mail and phone, search text.
"""

from __future__ import annotations

import datetime
import random
import re
from typing import Any

import phonenumbers
from django.utils import timezone
from stdnum.eu import vat as eu_vat

from accord.core import search
from accord.core.demo_phrases import NOTES
from accord.core.demos import COUNTRIES, LANGUAGES, DemoContext
from accord.core.models import CustomFieldDefinition, CustomFieldType, Tag
from accord.people.models import (
    Address,
    Channel,
    Company,
    CompanySize,
    CompanyTag,
    Contact,
    ContactCompany,
    ContactTag,
    EmailAddress,
    PhoneNumber,
    Source,
)
from accord.people.services import company_document, contact_document, sort_name

INDUSTRIES = [
    "Manufacturing",
    "Retail",
    "IT services",
    "Construction",
    "Logistics",
    "Healthcare",
    "Finance",
    "Food & beverage",
    "Energy",
    "Education",
    "Hospitality",
    "Automotive",
    "Agriculture",
    "Media",
]
TAGS = ["VIP", "Partner", "Trade fair 2026", "Newsletter", "Key account", "Reseller", "Public sector"]
INTERESTS = ["Software", "Hardware", "Services", "Training", "Support plans", "Cloud", "Consulting"]
FREE_MAIL = {
    "PL": ["gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl"],
    "LT": ["gmail.com", "inbox.lt", "one.lt"],
    "RO": ["gmail.com", "yahoo.ro", "yahoo.com"],
    "RU": ["mail.ru", "yandex.ru", "gmail.com"],
    "GB": ["gmail.com", "outlook.com", "yahoo.co.uk"],
}
JOB_TITLES = [
    "CEO",
    "CFO",
    "Sales director",
    "Purchasing manager",
    "Office manager",
    "IT manager",
    "Accountant",
    "Head of operations",
    "Project manager",
    "Procurement specialist",
    "Marketing manager",
    "Owner",
]
CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
OWNERS_BY_COUNTRY = {"PL": ["anna", "piotr"], "LT": ["jonas"], "RO": ["ioana"], "RU": ["olga"], "GB": ["anna", "jonas"]}


def ascii_slug(text: str) -> str:
    text = "".join(CYRILLIC.get(ch, ch) for ch in text.lower())
    return re.sub(r"[^a-z0-9]+", "", search.normalize(text))


def nip(rng: Any) -> str:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def regon(rng: Any) -> str:
    weights = (8, 9, 2, 3, 4, 5, 6, 7)
    digits = [rng.randint(0, 9) for _ in range(8)]
    return "".join(map(str, digits)) + str(sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def vat_id(rng: Any, country: str) -> str:
    """A VAT id of ``country`` with valid check digits. The demo's generator draws nine digits, as
    it always has (so the rest of the demo stays the same); further tries come from their own."""
    digits = "".join(str(rng.randint(0, 9)) for _ in range(9))
    tries = random.Random(digits)
    candidate = country + digits
    while not eu_vat.is_valid(candidate):
        candidate = country + "".join(str(tries.randint(0, 9)) for _ in range(9))
    return candidate


def phone(rng: Any, country: str, mobile: bool = True) -> str:
    kind = phonenumbers.PhoneNumberType.MOBILE if mobile else phonenumbers.PhoneNumberType.FIXED_LINE
    example = phonenumbers.example_number_for_type(country, kind)
    assert example is not None, country
    national = str(example.national_number)
    for attempt in range(60):
        keep = 1 if attempt < 50 else max(2, len(national) - 6)
        candidate = national[:keep] + "".join(str(rng.randint(0, 9)) for _ in range(len(national) - keep))
        parsed = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def _custom_fields() -> None:
    definitions = [
        ("people.company", "segment", "Segment", CustomFieldType.CHOICE, ["SMB", "Mid-market", "Enterprise"]),
        ("people.company", "annual_revenue", "Annual revenue", CustomFieldType.MONEY, []),
        ("people.contact", "newsletter", "Newsletter", CustomFieldType.BOOLEAN, []),
        ("people.contact", "customer_since", "Customer since", CustomFieldType.DATE, []),
    ]
    for position, (entity, key, label, kind, choices) in enumerate(definitions):
        CustomFieldDefinition.objects.get_or_create(
            entity=entity,
            key=key,
            defaults={"label": label, "field_type": kind, "choices": choices, "position": position},
        )


def generate(ctx: DemoContext) -> None:
    rng = ctx.rng
    users = ctx.data["users"]
    _custom_fields()
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in TAGS}
    now = timezone.now()
    two_years_ago = now - datetime.timedelta(days=730)

    def owner_for(country: str) -> Any:
        return users[rng.choice(OWNERS_BY_COUNTRY[country])]

    # --- companies ---------------------------------------------------------------------------
    companies: list[Company] = []
    company_children: list[tuple[Company, list[str], list[str], dict[str, str]]] = []
    company_tags: list[tuple[Company, Tag]] = []
    for _ in range(ctx.count(1000)):
        locale = ctx.locale()
        faker = ctx.fakers[locale]
        country = COUNTRIES[locale]
        name = faker.company()
        domain = (ascii_slug(name.split(" ")[0])[:20] or "firma") + "." + {"GB": "co.uk"}.get(country, country.lower())
        owner = owner_for(country)
        created = faker.date_time_between(start_date=two_years_ago, end_date=now, tzinfo=datetime.UTC)
        company = Company(
            name=name,
            sort_name=sort_name(name),
            industry=rng.choice(INDUSTRIES),
            size=rng.choice(CompanySize.values),
            website=f"https://www.{domain}",
            country=country,
            preferred_language=LANGUAGES[locale],
            owner=owner,
            team_id=owner.primary_team_id,
            territory_id=min(owner.territory_ids, default=None),
            created_at=created,
            custom={"segment": rng.choice(["SMB", "SMB", "Mid-market", "Enterprise"])},
        )
        if rng.random() < 0.5:
            company.custom["annual_revenue"] = {
                "amount": f"{rng.randint(2, 900) * 100000}.00",
                "currency": "PLN" if country == "PL" else "EUR",
            }
        if country == "PL":
            company.nip = nip(rng)
            company.regon = regon(rng)
            company.vat_id = "PL" + company.nip
        elif country in ("LT", "RO"):
            company.vat_id = vat_id(rng, country)
        emails = [f"{rng.choice(['biuro', 'info', 'office', 'kontakt', 'sales'])}@{domain}"]
        phones = [phone(rng, country, mobile=False)]
        address = {
            "street": faker.street_address(),
            "postal_code": faker.postcode(),
            "city": faker.city(),
            "country": country,
        }
        company.primary_email, company.primary_phone = emails[0], phones[0]
        company.search_text = company_document(company, emails, phones)
        companies.append(company)
        company_children.append((company, emails, phones, address))
        for tag in rng.sample(TAGS, k=rng.choice([0, 0, 0, 1, 1, 2])):
            company_tags.append((company, tags[tag]))
    Company.objects.bulk_create(companies, batch_size=1000)
    EmailAddress.objects.bulk_create(
        [EmailAddress(company=c, email=e, label="work") for c, emails, _p, _a in company_children for e in emails],
        batch_size=2000,
    )
    PhoneNumber.objects.bulk_create(
        [PhoneNumber(company=c, number=p, label="work") for c, _e, phones, _a in company_children for p in phones],
        batch_size=2000,
    )
    Address.objects.bulk_create(
        [Address(company=c, label="office", **a) for c, _e, _p, a in company_children], batch_size=2000
    )
    CompanyTag.objects.bulk_create([CompanyTag(company_id=c.pk, tag_id=t.pk) for c, t in company_tags], batch_size=2000)
    ctx.log(f"  {len(companies)} companies")

    # --- contacts --------------------------------------------------------------------------------
    contacts: list[Contact] = []
    emails_rows: list[EmailAddress] = []
    phone_rows: list[PhoneNumber] = []
    address_rows: list[Address] = []
    links: list[ContactCompany] = []
    contact_tags: list[tuple[Contact, Tag]] = []
    by_locale: dict[str, list[tuple[Company, str]]] = {}
    for company, emails, _phones, _address in company_children:
        domain = emails[0].split("@", 1)[1]
        locale = next(loc for loc, code in COUNTRIES.items() if code == company.country)
        by_locale.setdefault(locale, []).append((company, domain))
    total = ctx.count(5000)
    for n in range(total):
        locale = ctx.locale()
        faker = ctx.fakers[locale]
        country = COUNTRIES[locale]
        female = rng.random() < 0.5
        first = faker.first_name_female() if female else faker.first_name_male()
        last = faker.last_name_female() if female and hasattr(faker, "last_name_female") else faker.last_name()
        employer = rng.choice(by_locale[locale]) if by_locale.get(locale) and rng.random() < 0.8 else None
        local = f"{ascii_slug(first)}.{ascii_slug(last)}".strip(".") or f"contact{n}"
        domain = employer[1] if employer else rng.choice(FREE_MAIL[country])
        email = f"{local}@{domain}"
        if n % 97 == 5 and contacts:
            # A few near-duplicates, as every real database has: same person typed twice.
            twin = contacts[-1]
            first, last, email = (
                twin.first_name,
                twin.last_name + ("a" if not twin.last_name.endswith("a") else ""),
                twin.primary_email,
            )
        owner = employer[0].owner if employer else owner_for(country)
        created = faker.date_time_between(start_date=two_years_ago, end_date=now, tzinfo=datetime.UTC)
        number = phone(rng, country)
        companies_names = [employer[0].name] if employer else []
        contact = Contact(
            first_name=first,
            last_name=last,
            sort_name=sort_name(last, first),
            birthday=faker.date_of_birth(minimum_age=22, maximum_age=70) if rng.random() < 0.7 else None,
            preferred_language=LANGUAGES[locale],
            preferred_channel=rng.choice([*Channel.values, "", ""]),
            source=rng.choice(
                [Source.MANUAL, Source.IMPORT, Source.WEB_FORM, Source.REFERRAL, Source.CAMPAIGN, Source.EVENT]
            ),
            preferences=rng.sample(INTERESTS, k=rng.choice([0, 1, 2, 3])),
            owner=owner,
            team_id=owner.primary_team_id,
            territory_id=employer[0].territory_id if employer else min(owner.territory_ids, default=None),
            created_at=created,
            primary_email=email,
            primary_phone=number,
            custom={"newsletter": rng.random() < 0.4},
        )
        if ctx.words.random() < 0.2:
            contact.notes = ctx.say(ctx.words.choice(NOTES), owner)
        if rng.random() < 0.3:
            contact.custom["customer_since"] = faker.date_between(start_date="-8y", end_date="-1y").isoformat()
        contact.search_text = contact_document(contact.full_name, [email], [number], companies_names, None)
        contacts.append(contact)
        emails_rows.append(EmailAddress(contact=contact, email=email, label="work" if employer else "home"))
        phone_rows.append(PhoneNumber(contact=contact, number=number, label="mobile"))
        if not employer or rng.random() < 0.2:
            address_rows.append(
                Address(
                    contact=contact,
                    label="home",
                    street=faker.street_address(),
                    postal_code=faker.postcode(),
                    city=faker.city(),
                    country=country,
                )
            )
        if employer:
            links.append(
                ContactCompany(contact=contact, company=employer[0], job_title=rng.choice(JOB_TITLES), is_primary=True)
            )
        for tag in rng.sample(TAGS, k=rng.choice([0, 0, 0, 0, 1, 1, 2])):
            contact_tags.append((contact, tags[tag]))
    Contact.objects.bulk_create(contacts, batch_size=1000)
    EmailAddress.objects.bulk_create(emails_rows, batch_size=2000)
    PhoneNumber.objects.bulk_create(phone_rows, batch_size=2000)
    Address.objects.bulk_create(address_rows, batch_size=2000)
    ContactCompany.objects.bulk_create(links, batch_size=2000)
    ContactTag.objects.bulk_create([ContactTag(contact_id=c.pk, tag_id=t.pk) for c, t in contact_tags], batch_size=2000)
    ctx.data.update(companies=companies, contacts=contacts, links=links)
    ctx.log(f"  {len(contacts)} contacts")
