"""The demo's records are written in the language of the demo user who owns them, and its
customers prefer their country's language."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accord.activities import demo as activities_demo
from accord.core.demo_phrases import BODIES, NOTES, PHRASES, say
from accord.core.demos import DEMO_PASSWORD, DemoContext
from accord.marketing import demo as marketing_demo
from accord.marketing import demo_journeys, demo_nps, demo_segments
from accord.portal import demo as portal_demo
from accord.sales import demo as sales_demo
from accord.service import demo as service_demo

OTHER_LANGUAGES = ("pl", "lt", "ro", "ru")


def _english_phrases() -> set[str]:
    """Every phrase the demo writes into records users own."""
    phrases = {text for texts in activities_demo.SUBJECTS.values() for text in texts}
    phrases |= set(activities_demo.TASKS) | set(BODIES) | set(NOTES)
    phrases |= set(sales_demo.DEAL_NAMES) | set(sales_demo.NEXT_STEPS) | {m for m in sales_demo.LEAD_MESSAGES if m}
    phrases |= {text for texts in sales_demo.FOLLOW_UPS.values() for text in texts}
    phrases |= demo_segments.phrases()
    phrases |= demo_journeys.phrases()
    phrases |= demo_nps.phrases()
    phrases |= service_demo.phrases()
    phrases.add(marketing_demo.CONSENT_TEXT)
    phrases |= {need for *_, need in portal_demo.PARTNER_LEADS}
    phrases.add(portal_demo.PARTNER_DEAL)
    return phrases | {"Decision maker", "Buyer", "User"}


def test_every_demo_phrase_is_written_in_each_language() -> None:
    for text in _english_phrases():
        for language in OTHER_LANGUAGES:
            assert say(text, language) != text, (text, language)
    assert set(PHRASES) == _english_phrases()  # and the bank holds nothing the demo does not use
    assert say("Send the quotation", "en") == "Send the quotation"


def test_the_words_are_drawn_from_the_seed() -> None:
    one, two, other = DemoContext(seed=7), DemoContext(seed=7), DemoContext(seed=8)

    draws = [one.words.random() for _ in range(3)]

    assert draws == [two.words.random() for _ in range(3)]
    assert draws != [other.words.random() for _ in range(3)]


@pytest.mark.django_db(transaction=True)
def test_each_demo_users_records_are_in_their_language() -> None:
    from accord.activities.models import Interaction, Task
    from accord.identity.models import User
    from accord.people.models import Company, Contact
    from accord.sales.models import Deal

    call_command("demo", "--size", "0.05", "--seed", "7", stdout=io.StringIO())

    users = {u.username: u for u in User.objects.all()}
    assert {name: users[name].language for name in ("admin", "anna", "piotr", "jonas", "ioana", "olga")} == {
        "admin": "en",
        "anna": "pl",
        "piotr": "pl",
        "jonas": "lt",
        "ioana": "ro",
        "olga": "ru",
    }
    for name in ("admin", "manager", "anna", "piotr"):
        assert users[name].check_password(DEMO_PASSWORD)

    def bank(language: str, texts: list[str]) -> set[str]:
        return {say(text, language) for text in texts}

    # Anna works in Polish: her tasks, her deals' names and her notes are Polish. (The tasks a
    # journey made for her are the marketer's texts with the contact's name in them.)
    mine = Task.objects.filter(owner=users["anna"]).exclude(related_type__model="journey")
    titles = set(mine.values_list("title", flat=True))
    assert titles
    assert titles <= bank("pl", activities_demo.TASKS)
    assert "Wysłać ofertę cenową" in bank("pl", activities_demo.TASKS)
    names = list(Deal.objects.filter(owner=users["anna"]).values_list("name", "next_step"))
    assert names
    for name, next_step in names:
        assert name.split(": ", 1)[1] in bank("pl", sales_demo.DEAL_NAMES), name
        assert next_step in bank("pl", sales_demo.NEXT_STEPS) | {""}, next_step
    written = Interaction.objects.filter(author=users["anna"], related_id__isnull=True)
    bodies = {body for body in written.values_list("body", flat=True) if body}
    assert bodies
    assert bodies <= bank("pl", BODIES)
    notes = set(written.filter(channel="note").values_list("subject", flat=True))
    assert notes <= bank("pl", activities_demo.SUBJECTS["note"])
    contact_notes = set(Contact.objects.filter(owner=users["anna"]).exclude(notes="").values_list("notes", flat=True))
    assert contact_notes
    assert contact_notes <= bank("pl", NOTES)

    # Olga's in Russian, Jonas's in Lithuanian; the admin's in English.
    assert set(Task.objects.filter(owner=users["olga"]).values_list("title", flat=True)) <= bank(
        "ru", activities_demo.TASKS
    )
    assert set(Task.objects.filter(owner=users["jonas"]).values_list("title", flat=True)) <= bank(
        "lt", activities_demo.TASKS
    )
    admin_bodies = set(
        Interaction.objects.filter(author=users["admin"]).exclude(body="").values_list("body", flat=True)
    )
    assert admin_bodies <= set(BODIES)

    # Customers prefer their country's language, companies too.
    by_country = {"PL": "pl", "LT": "lt", "RO": "ro", "RU": "ru", "GB": "en"}
    for country, language in Company.objects.values_list("country", "preferred_language"):
        assert by_country[country] == language
    for country, language in Contact.objects.filter(addresses__isnull=False).values_list(
        "addresses__country", "preferred_language"
    ):
        assert by_country[country] == language
