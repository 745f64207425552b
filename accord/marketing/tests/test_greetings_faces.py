"""Greetings' faces: the pages, the API and the command accept and refuse the same things."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accord.marketing.models import Greeting, GreetingRule
from accord.marketing.tests.greeting_fixtures import consent, enable_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def birthday_today(owner: Any, make_contact: Any) -> Any:
    today = timezone.localdate()
    contact = make_contact(
        owner,
        first_name="Zofia",
        birthday=today.replace(year=1980) if (today.month, today.day) != (2, 29) else datetime.date(1980, 2, 29),
        preferred_language="pl",
        addresses=[{"country": "PL"}],
        emails=[{"email": "zofia@example.pl"}],
    )
    consent(contact)
    return contact


def test_the_greetings_page_lists_rules_upcoming_and_sent(login: Any, marketer: Any, birthday_today: Any) -> None:
    enable_only("birthday", send_at=datetime.time(0, 0))
    call_command("greetings", "run", stdout=io.StringIO())

    page = login(marketer).get("/marketing/greetings/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Birthday wishes" in text
    assert "Upcoming in the next 30 days" in text
    assert str(birthday_today) in text  # in the sent list
    assert 'href="/marketing/greetings/"' in text  # the sidebar's Marketing section


def test_a_sales_rep_may_not_see_greetings(login: Any, owner: Any, api: Any) -> None:
    assert login(owner).get("/marketing/greetings/").status_code == 403
    assert api(owner).get("/greetings/rules").status_code == 403
    assert "/marketing/greetings/" not in login(owner).get("/").content.decode()


def test_the_rule_form_saves_and_names_the_field_it_refuses(login: Any, marketer: Any) -> None:
    client = login(marketer)
    assert client.get("/marketing/greetings/rules/new/").status_code == 200
    form = {
        "name": "Imieniny",
        "occasion": "name_day",
        "channel": "sms",
        "send_at": "10:30",
        "enabled": "on",
        "body_en": "Happy name day, {first_name}!",
        "body_pl": "Wszystkiego najlepszego, {imie}!",
    }

    refused = client.post("/marketing/greetings/rules/new/", form)

    assert refused.status_code == 200
    assert "Unknown placeholder {imie}" in refused.content.decode()
    assert not GreetingRule.objects.filter(name="Imieniny").exists()

    saved = client.post("/marketing/greetings/rules/new/", {**form, "body_pl": "Sto lat, {first_name}!"})

    rule = GreetingRule.objects.get(name="Imieniny")
    assert saved.status_code == 302
    assert (rule.channel, rule.send_at, rule.enabled) == ("sms", datetime.time(10, 30), True)
    assert rule.texts["pl"] == {"subject": "", "body": "Sto lat, {first_name}!"}
    assert client.get(f"/marketing/greetings/rules/{rule.pk}/").status_code == 200


def test_api_crud_of_rules(api: Any, marketer: Any) -> None:
    client = api(marketer)
    created = client.post(
        "/greetings/rules",
        {
            "name": "Christmas",
            "occasion": "holiday",
            "channel": "email",
            "holidays": ["Christmas Day"],
            "texts": {"en": {"subject": "Merry {occasion}", "body": "Dear {first_name}, merry {occasion}!"}},
            "send_at": "08:00",
            "enabled": True,
        },
    )
    assert created.status_code == 201, created.content
    rule = created.json()
    assert (rule["send_at"], rule["holidays"], rule["version"]) == ("08:00", ["Christmas Day"], 1)

    changed = client.patch(f"/greetings/rules/{rule['id']}", {"enabled": False, "version": 1})
    assert changed.status_code == 200
    assert (changed.json()["enabled"], changed.json()["version"]) == (False, 2)

    stale = client.patch(f"/greetings/rules/{rule['id']}", {"name": "Late", "version": 1})
    assert stale.status_code == 409

    assert client.delete(f"/greetings/rules/{rule['id']}").status_code == 204
    assert client.get(f"/greetings/rules/{rule['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occasion": "wedding"}, "occasion"),
        ({"channel": "fax"}, "channel"),
        ({"send_at": "25:00"}, "send_at"),
        ({"holidays": ["Festivus"]}, "holidays"),
        ({"texts": {"en": {"subject": "Hi", "body": "Hello {nickname}"}}}, "texts.en.body"),
        ({"texts": {"en": {"subject": "", "body": "Hello"}}}, "texts.en.subject"),
        ({"texts": {"xx": {"subject": "Hi", "body": "Hello"}}}, "texts.xx"),
    ],
)
def test_api_refuses_bad_rules_naming_the_field(api: Any, marketer: Any, change: dict[str, Any], field: str) -> None:
    body = {
        "name": "Test",
        "occasion": "holiday",
        "channel": "email",
        "texts": {"en": {"subject": "Hi", "body": "Hello {first_name}"}},
        **change,
    }

    response = api(marketer).post("/greetings/rules", body)

    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not GreetingRule.objects.filter(name="Test").exists()


def test_api_upcoming_counts_per_day_and_occasion(api: Any, marketer: Any, birthday_today: Any) -> None:
    enable_only("birthday")

    response = api(marketer).get("/greetings/upcoming", {"days": 3})

    assert response.status_code == 200
    data = response.json()
    assert data["items"] == [
        {
            "date": timezone.localdate().isoformat(),
            "rule_id": str(GreetingRule.objects.get(occasion="birthday").pk),
            "occasion": "birthday",
            "label": "Birthday",
            "count": 1,
        }
    ]
    assert data["totals"] == {"Birthday": 1}


def test_command_dry_run_then_run(birthday_today: Any) -> None:
    enable_only("birthday")
    day = timezone.localdate()
    moment = f"{day.isoformat()}T09:05"

    out = io.StringIO()
    call_command("greetings", "run", "--dry-run", "--at", moment, stdout=out)
    assert "birthday\t1" in out.getvalue()
    assert not Greeting.objects.exists()

    out = io.StringIO()
    call_command("greetings", "run", "--at", moment, stdout=out)
    assert "Greeted 1 contacts." in out.getvalue()
    assert Greeting.objects.get().contact_id == birthday_today.pk


def test_upcoming_counts_name_days_holidays_and_birthdays_of_those_with_consent(
    owner: Any, make_contact: Any, marketer: Any
) -> None:
    from accord.marketing.models import GreetingRule
    from accord.marketing.selectors import greetings as selectors

    GreetingRule.objects.update(enabled=True)
    for first_name, birthday, consented in (
        ("Szczepan", "1970-12-24", True),
        ("Stefan", None, True),
        ("Adam", None, False),
    ):
        contact = make_contact(
            owner,
            first_name=first_name,
            birthday=birthday,
            preferred_language="pl",
            addresses=[{"country": "PL"}],
            emails=[{"email": f"{first_name.lower()}@example.pl"}],
        )
        if consented:
            consent(contact)

    found = selectors.upcoming(marketer, start=datetime.date(2026, 12, 24), days=3)

    # Christmas Eve is a holiday in Poland that the default rule does not name; Szczepan and
    # Stefan share 26 December; Adam's name day (24 December) has no consent behind it.
    assert [(u.day.isoformat(), u.occasion, u.count) for u in found] == [
        ("2026-12-24", "Birthday", 1),
        ("2026-12-25", "Christmas Day", 2),
        ("2026-12-26", "Name day", 2),
    ]
    assert selectors.totals(found) == {"Birthday": 1, "Public holiday": 2, "Name day": 2}
