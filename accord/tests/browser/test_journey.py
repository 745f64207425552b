"""The everyday journey in a real browser: log in, create a company, add a contact, log a call,
find the contact by search, see the call on the timeline, export the list — in English and Polish."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.identity.models import Role, Team, User

PASSWORD = "a-long-test-password"

TEXT = {
    "en": {
        "login": "Log in",
        "new_company": "New company",
        "create_company": "Create company",
        "add_person": "Add",
        "create_contact": "Create contact",
        "log_it": "Log it",
        "export": "Export",
        "created": "was created",
    },
    "pl": {
        "login": "Zaloguj się",
        "new_company": "Nowa firma",
        "create_company": "Utwórz firmę",
        "add_person": "Dodaj",
        "create_contact": "Utwórz kontakt",
        "log_it": "Zapisz",
        "export": "Eksportuj",
        "created": "Utworzono",
    },
}


@pytest.fixture
def manager(transactional_db: Any) -> User:
    team = Team.objects.create(name="North")
    user = User.objects.create_user(
        username="marta",
        password=PASSWORD,
        first_name="Marta",
        last_name="Nowak",
        role=Role.objects.get(code=Role.MANAGER),
    )
    user.teams.add(team)
    team.managers.add(user)
    return user


def log_in(page: Any, base: str, language: str) -> None:
    page.goto(f"{base}/login/")
    if language != "en":
        page.get_by_role("button", name="Polski").click()
    page.fill("#id_username", "marta")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=TEXT[language]["login"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/my-day/$"))


@pytest.mark.parametrize("language", ["en", "pl"])
def test_everyday_journey(page: Any, live_server: Any, manager: User, shot: Any, language: str) -> None:
    text = TEXT[language]
    base = live_server.url
    log_in(page, base, language)
    shot(page, f"{language}-01-my-day")

    # Create a company.
    page.goto(f"{base}/companies/")
    page.get_by_role("link", name=text["new_company"]).click()
    page.fill("#id_name", "Stalprodukt Kraków")
    page.fill("#id_nip", "526-000-12-46")
    shot(page, f"{language}-02-company-form")
    page.get_by_role("button", name=text["create_company"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stalprodukt Kraków")
    expect(page.locator(".toast")).to_contain_text(text["created"])
    shot(page, f"{language}-03-company")

    # Add a contact at that company, from the company's page.
    page.locator("#people-title").locator("..").get_by_role("link", name=text["add_person"]).click()
    page.fill("#id_first_name", "Zofia")
    page.fill("#id_last_name", "Wójcik")
    page.locator("[data-add-row='rows-emails']").click()
    page.fill("input[name='emails-0-email']", "Zofia.Wojcik@Stalprodukt.pl")
    page.locator("[data-add-row='rows-phones']").click()
    page.fill("input[name='phones-0-number']", "601 234 567")
    shot(page, f"{language}-04-contact-form")
    page.get_by_role("button", name=text["create_contact"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Zofia Wójcik")
    expect(page.locator(".record-meta")).to_contain_text("Stalprodukt Kraków")
    expect(page.locator(".facts")).to_contain_text("+48 601 234 567")
    expect(page.locator(".facts")).to_contain_text("zofia.wojcik@stalprodukt.pl")
    contact_url = page.url

    # Log a call from the composer (HTMX swaps the timeline in place).
    composer = page.locator("[data-composer]")
    composer.locator("#id_duration_minutes").fill("12")
    composer.locator("#id_outcome").select_option("connected")
    composer.locator("#id_subject").fill("Price list for 2027")
    composer.locator("#id_body").fill("Wants a quote for 40 t of sheet steel.")
    composer.get_by_role("button", name=text["log_it"]).click()
    item = page.locator(".timeline-item").first
    expect(item).to_contain_text("Price list for 2027")
    expect(item).to_contain_text("12 min")
    shot(page, f"{language}-05-call-logged")

    # Find the contact through the search box, with a typo and without the Polish letters.
    page.goto(f"{base}/my-day/")
    page.keyboard.press("/")
    page.keyboard.type("zofia wojcki")
    hit = page.locator("#search-results .search-hit").first
    expect(hit).to_contain_text("Zofia Wójcik")
    shot(page, f"{language}-06-search")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(contact_url)
    expect(page.locator(".timeline-item").first).to_contain_text("Price list for 2027")

    # Export the contact list (filtered by the search) to CSV.
    page.goto(f"{base}/contacts/?q=wojcik")
    shot(page, f"{language}-07-contacts")
    page.locator("summary", has_text=text["export"]).click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    content = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [(r["first_name"], r["last_name"], r["email"], r["phone"], r["company"]) for r in rows] == [
        ("Zofia", "Wójcik", "zofia.wojcik@stalprodukt.pl", "+48 601 234 567", "Stalprodukt Kraków")
    ]
