"""Each occasion greets the right contacts on the right day, once, in their language."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest

from accord.marketing.models import Greeting
from accord.marketing.services import greetings
from accord.marketing.tests.greeting_fixtures import at, consent, enable_only
from accord.messaging.models import Message

pytestmark = pytest.mark.django_db
_numbers = itertools.count()


def _contact(make_contact: Any, owner: Any, **data: Any) -> Any:
    data.setdefault("emails", [{"email": f"c{next(_numbers)}@example.com"}])
    contact = make_contact(owner, **data)
    consent(contact)
    return contact


def test_birthday_greets_in_the_contacts_language_at_nine(owner: Any, make_contact: Any) -> None:
    enable_only("birthday")
    zofia = _contact(
        make_contact,
        owner,
        first_name="Zofia",
        emails=[{"email": "zofia@example.com"}],
        birthday=datetime.date(1980, 3, 14),
        preferred_language="pl",
        addresses=[{"city": "Kraków", "country": "PL"}],
    )
    _contact(make_contact, owner, first_name="Other", birthday=datetime.date(1980, 3, 15))

    report = greetings.run(now=at("Europe/Warsaw", 2026, 3, 14, 9, 0))

    assert report.greeted == {"birthday": 1}
    message = Message.objects.get()
    assert message.contact_id == zofia.pk
    assert message.subject == "Wszystkiego najlepszego, Zofia!"
    assert message.language == "pl"
    assert message.to_address == "zofia@example.com"
    greeting = Greeting.objects.get()
    assert (greeting.occasion_key, greeting.year, greeting.occasion_date) == (
        "birthday",
        2026,
        datetime.date(2026, 3, 14),
    )


def test_29_february_is_greeted_on_28_february_in_other_years(owner: Any, make_contact: Any) -> None:
    enable_only("birthday")
    leap = _contact(make_contact, owner, first_name="Leap", birthday=datetime.date(1988, 2, 29))

    assert greetings.run(now=at("Europe/Warsaw", 2027, 2, 28, 10, 0)).total == 1
    assert greetings.run(now=at("Europe/Warsaw", 2028, 2, 28, 10, 0)).total == 0
    assert greetings.run(now=at("Europe/Warsaw", 2028, 2, 29, 10, 0)).total == 1
    assert list(Greeting.objects.filter(contact=leap).order_by("year").values_list("occasion_date", flat=True)) == [
        datetime.date(2027, 2, 28),
        datetime.date(2028, 2, 29),
    ]


def test_language_falls_back_to_the_company_then_the_site(owner: Any, make_contact: Any, make_company: Any) -> None:
    enable_only("birthday")
    company = make_company(owner, name="Vilniaus Medis", preferred_language="lt", country="LT")
    _contact(
        make_contact,
        owner,
        first_name="Jonas",
        birthday=datetime.date(1970, 5, 2),
        companies=[{"company": company, "is_primary": True}],
    )
    _contact(make_contact, owner, first_name="Hans", birthday=datetime.date(1970, 5, 2), preferred_language="de")

    greetings.run(now=at("Europe/Vilnius", 2026, 5, 2, 12, 0))

    by_name = {m.contact.first_name: m for m in Message.objects.select_related("contact")}
    assert by_name["Jonas"].subject == "Su gimtadieniu, Jonas!"
    assert by_name["Jonas"].language == "lt"
    assert by_name["Hans"].subject == "Happy birthday, Hans!"
    assert by_name["Hans"].language == "en"


def test_name_day_matches_case_and_diacritics_in_the_contacts_calendar(owner: Any, make_contact: Any) -> None:
    enable_only("name_day")
    plain = _contact(make_contact, owner, first_name="Lukasz", preferred_language="pl")
    upper = _contact(make_contact, owner, first_name="ŁUKASZ", addresses=[{"city": "Gdańsk", "country": "PL"}])
    # A Lithuanian in Lithuania: Lukas's day is 18 October there too, but "Łukasz" is not in the
    # Lithuanian calendar; a Łukasz with a Romanian address has no name day that day.
    _contact(make_contact, owner, first_name="Łukasz", addresses=[{"city": "Iași", "country": "RO"}])
    lukas = _contact(make_contact, owner, first_name="lukas", addresses=[{"city": "Kaunas", "country": "LT"}])

    greetings.run(now=at("Europe/Warsaw", 2026, 10, 18, 9, 30))

    assert set(Greeting.objects.values_list("contact_id", flat=True)) == {plain.pk, upper.pk, lukas.pk}


def test_the_country_chooses_the_calendar_before_the_language(owner: Any, make_contact: Any) -> None:
    enable_only("name_day")
    # 24 June: Jan in Poland; Jonas in Lithuania.
    jan_in_lithuania = _contact(
        make_contact, owner, first_name="Jan", preferred_language="pl", addresses=[{"country": "LT", "city": "Vilnius"}]
    )
    jan_in_germany = _contact(
        make_contact, owner, first_name="Jan", preferred_language="pl", addresses=[{"country": "DE", "city": "Berlin"}]
    )
    jonas = _contact(make_contact, owner, first_name="Jonas", preferred_language="lt")

    greetings.run(now=at("Europe/Vilnius", 2026, 6, 24, 20, 0))

    greeted = set(Greeting.objects.values_list("contact_id", flat=True))
    assert greeted == {jan_in_germany.pk, jonas.pk}
    assert jan_in_lithuania.pk not in greeted


def test_romanian_and_russian_name_days(owner: Any, make_contact: Any) -> None:
    enable_only("name_day")
    stefan = _contact(make_contact, owner, first_name="Stefan", preferred_language="ro")  # Ștefan without the comma
    cedilla = _contact(make_contact, owner, first_name="Ştefania", preferred_language="ro")  # old cedilla letter
    _contact(make_contact, owner, first_name="Николай", preferred_language="ru")

    greetings.run(now=at("Europe/Warsaw", 2026, 12, 27, 9, 0))
    assert set(Greeting.objects.values_list("contact_id", flat=True)) == {stefan.pk, cedilla.pk}
    assert Message.objects.get(contact=stefan).subject == "La mulți ani de onomastică, Stefan!"

    greetings.run(now=at("Europe/Warsaw", 2026, 12, 19, 9, 0))
    assert (
        Greeting.objects.filter(contact__first_name="Николай", occasion_date=datetime.date(2026, 12, 19)).count() == 1
    )


def test_public_holiday_of_the_contacts_country(owner: Any, make_contact: Any) -> None:
    enable_only("holiday", holidays=[])
    pole = _contact(make_contact, owner, first_name="Anna", preferred_language="pl", addresses=[{"country": "PL"}])
    _contact(make_contact, owner, first_name="Grace", addresses=[{"country": "GB"}])

    # 3 May: Constitution Day in Poland, no holiday in Britain.
    greetings.run(now=at("Europe/Warsaw", 2026, 5, 3, 9, 0))

    greeting = Greeting.objects.get()
    assert greeting.contact_id == pole.pk
    assert greeting.occasion_key == "holiday:National Day of the Third of May"
    assert "Święto Narodowe Trzeciego Maja" in Message.objects.get().subject


def test_a_rule_greets_only_the_holidays_it_names(owner: Any, make_contact: Any) -> None:
    enable_only("holiday")  # the default: New Year and Christmas
    _contact(make_contact, owner, first_name="Anna", addresses=[{"country": "PL"}])

    assert greetings.run(now=at("Europe/Warsaw", 2026, 5, 3, 9, 0)).total == 0
    assert greetings.run(now=at("Europe/Warsaw", 2026, 12, 25, 9, 0)).total == 1
    # The second day of Christmas is another holiday, not named by the rule.
    assert greetings.run(now=at("Europe/Warsaw", 2026, 12, 26, 9, 0)).total == 0


def test_company_anniversary_from_the_founding_date(owner: Any, make_contact: Any, make_company: Any) -> None:
    from accord.core import services as core_services

    core_services.create_custom_field(
        actor=None, entity="people.company", label="Founded", key="founded", field_type="date"
    )
    enable_only("company_anniversary")
    founded = make_company(owner, name="Stara Firma", country="PL", custom={"founded": "1996-09-10"})
    unknown = make_company(owner, name="Bez Daty", country="PL")
    anna = _contact(make_contact, owner, first_name="Anna", companies=[{"company": founded, "is_primary": True}])
    _contact(make_contact, owner, first_name="Ewa", companies=[{"company": unknown, "is_primary": True}])

    greetings.run(now=at("Europe/Warsaw", 2026, 9, 10, 9, 0))

    message = Message.objects.get()
    assert message.contact_id == anna.pk
    assert message.subject == "30 years of Stara Firma: congratulations!"


def test_customer_anniversary_counts_from_the_first_won_deal(owner: Any, make_contact: Any) -> None:
    from accord.sales.models import Deal
    from accord.sales.services import deals

    enable_only("customer_anniversary")
    buyer = _contact(make_contact, owner, first_name="Piotr", preferred_language="pl")
    _contact(make_contact, owner, first_name="Prospect")
    first = deals.create_deal(actor=owner, data={"name": "Pierwsza", "contacts": [buyer]})
    later = deals.create_deal(actor=owner, data={"name": "Druga", "contacts": [buyer]})
    Deal.objects.filter(pk=first.pk).update(status="won", closed_at=at("Europe/Warsaw", 2023, 4, 20, 15, 0))
    Deal.objects.filter(pk=later.pk).update(status="won", closed_at=at("Europe/Warsaw", 2024, 4, 21, 15, 0))

    assert greetings.run(now=at("Europe/Warsaw", 2026, 4, 21, 9, 0)).total == 0
    greetings.run(now=at("Europe/Warsaw", 2026, 4, 20, 9, 0))

    message = Message.objects.get()
    assert message.contact_id == buyer.pk
    assert message.subject == "Dziękujemy za wspólne lata (3)"


def test_no_consent_no_greeting(owner: Any, make_contact: Any) -> None:
    enable_only("birthday")
    make_contact(owner, first_name="Silent", birthday=datetime.date(1990, 7, 1), emails=[{"email": "s@example.com"}])
    sms_only = make_contact(
        owner, first_name="Texter", birthday=datetime.date(1990, 7, 1), emails=[{"email": "t@example.com"}]
    )
    consent(sms_only, channel="sms")  # consent on another channel than the rule's

    report = greetings.run(now=at("Europe/Warsaw", 2026, 7, 1, 12, 0))

    assert report.total == 0
    assert not Message.objects.exists()
    assert not Greeting.objects.exists()


def test_sms_rule_uses_the_phone(owner: Any, make_contact: Any) -> None:
    enable_only("birthday", channel="sms")
    texter = make_contact(
        owner,
        first_name="Ioana",
        birthday=datetime.date(1990, 7, 1),
        preferred_language="ro",
        phones=[{"number": "+40 721 234 567"}],
    )
    consent(texter, channel="sms")

    greetings.run(now=at("Europe/Bucharest", 2026, 7, 1, 12, 0))

    message = Message.objects.get()
    assert (message.channel, message.to_address) == ("sms", "+40721234567")
    assert message.body.startswith("Dragă Ioana,")


def test_dry_run_counts_and_writes_nothing(owner: Any, make_contact: Any) -> None:
    enable_only("birthday")
    _contact(make_contact, owner, first_name="Zofia", birthday=datetime.date(1980, 3, 14))

    report = greetings.run(now=at("Europe/Warsaw", 2026, 3, 14, 9, 0), dry_run=True)

    assert report.greeted == {"birthday": 1}
    assert not Greeting.objects.exists()
    assert not Message.objects.exists()


def test_a_suppressed_address_is_not_greeted_whatever_its_spelling(owner: Any, make_contact: Any) -> None:
    from accord.marketing.services.consent import suppress

    enable_only("birthday")
    zofia = _contact(make_contact, owner, first_name="Zofia", birthday=datetime.date(1980, 3, 14))
    _contact(make_contact, owner, first_name="Ewa", birthday=datetime.date(1980, 3, 14))
    suppress(actor=None, channel="email", address=zofia.primary_email.upper(), reason="complained")

    greetings.run(now=at("Europe/Warsaw", 2026, 3, 14, 9, 0))

    assert list(Message.objects.values_list("contact__first_name", flat=True)) == ["Ewa"]
