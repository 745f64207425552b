"""Importing a Polish Excel "CSV" (Windows-1250, semicolons) from the screens, in a real browser:
the letters ą ć ę ł ń ó ś ź ż arrive intact in the database and on the screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.core.models import ImportJob
from accord.identity.models import Role, Team, User
from accord.people.models import Company, Contact

PASSWORD = "a-long-test-password"
POLISH_EXCEL = (
    "Imię;Nazwisko;E-mail;Telefon;Firma\r\n"
    "Grzegorz;Gżegżółka;grzegorz@lodz.example;601 234 567;Łódź Sp. z o.o.\r\n"
    "Zażółć;Gęślą-Jaźń;zazolc@lodz.example;22 123 45 67;Łódź Sp. z o.o.\r\n"
    "Anna;Mąka;anna@;12;\r\n"
)


@pytest.fixture
def rep(transactional_db: Any, settings: Any, tmp_path: Path) -> User:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    team = Team.objects.create(name="Łódź")
    user = User.objects.create_user(
        username="grazyna",
        password=PASSWORD,
        first_name="Grażyna",
        last_name="Wiśniewska",
        role=Role.objects.get(code=Role.SALES_REP),
    )
    user.teams.add(team)
    return user


def log_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "grazyna")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/my-day/$"))


def test_a_windows_1250_semicolon_file_with_polish_letters_imports_from_the_screen(
    page: Any, phone_page: Any, live_server: Any, rep: User, shot: Any, tmp_path: Path
) -> None:
    base = live_server.url
    file = tmp_path / "kontakty.csv"
    file.write_bytes(POLISH_EXCEL.encode("cp1250"))
    assert b"\xbf" in file.read_bytes()  # Windows-1250's "ż": not UTF-8

    # From the contact list to the upload form.
    log_in(page, base)
    page.goto(f"{base}/contacts/")
    page.get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import contacts")).to_be_visible()
    page.set_input_files("#id_file", str(file))
    shot(page, "imports-01-upload")
    page.get_by_role("button", name="Upload and continue").click()

    # The file as read: encoding and separator detected, the letters right, columns proposed.
    expect(page.locator(".import-text")).to_contain_text("Grzegorz;Gżegżółka;grzegorz@lodz.example")
    expect(page.locator(".import-text")).to_contain_text("Zażółć;Gęślą-Jaźń")
    expect(page.locator("#id_encoding")).to_have_value("cp1250")
    expect(page.locator("#id_delimiter")).to_have_value(";")
    expect(page.get_by_label("Nazwisko")).to_have_value("last_name")
    expect(page.get_by_label("Firma")).to_have_value("company")
    page.get_by_label("Import the good rows and report the rest").check()
    shot(page, "imports-02-columns")
    page.get_by_role("button", name="Preview").click()

    # The preview: rows as they will be stored, the bad one with its reasons.
    preview = page.locator("table.import-preview")
    expect(preview).to_contain_text("Gżegżółka")
    expect(preview).to_contain_text("+48 601 234 567")
    expect(preview).to_contain_text("Łódź Sp. z o.o.")
    expect(preview.locator("tr.import-reasons")).to_contain_text("anna@ is not an e-mail address.")
    shot(page, "imports-03-preview")
    page.get_by_role("button", name="Import", exact=True).click()

    # The summary.
    summary = page.locator(".import-summary")
    expect(summary).to_contain_text("Import finished")
    expect(summary.locator(".import-counts")).to_contain_text("2")
    expect(summary.locator("table.import-errors")).to_contain_text("Telefon")
    shot(page, "imports-04-summary")

    # In the database, letter for letter.
    assert sorted(Contact.objects.values_list("first_name", "last_name", "primary_email", "owner__username")) == [
        ("Grzegorz", "Gżegżółka", "grzegorz@lodz.example", "grazyna"),
        ("Zażółć", "Gęślą-Jaźń", "zazolc@lodz.example", "grazyna"),
    ]
    assert list(Company.objects.values_list("name", flat=True)) == ["Łódź Sp. z o.o."]
    assert ImportJob.objects.get().encoding == "cp1250"

    # And on the screen.
    page.get_by_role("link", name="Go to Contacts").click()
    expect(page.locator("main")).to_contain_text("Grzegorz Gżegżółka")
    expect(page.locator("main")).to_contain_text("Zażółć Gęślą-Jaźń")
    page.get_by_role("link", name="Grzegorz Gżegżółka").first.click()
    expect(page.locator("main")).to_contain_text("Łódź Sp. z o.o.")
    shot(page, "imports-05-contact")

    # The same screens on a phone: nothing scrolls sideways.
    job = ImportJob.objects.get()
    log_in(phone_page, base)
    for path in ("/imports/contacts/new/", f"/imports/{job.pk}/"):
        phone_page.goto(f"{base}{path}")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone_page, "imports-06-phone-summary")


def test_the_preview_of_a_wide_file_scrolls_inside_its_box_not_the_page(
    page: Any, phone_page: Any, live_server: Any, rep: User, tmp_path: Path
) -> None:
    base = live_server.url
    file = tmp_path / "szerokie.csv"
    long_email = "bardzo.dlugi.adres.poczty.elektronicznej.dzialu.zakupow@przedsiebiorstwo-handlowe.example"
    file.write_text(
        "Imię;Nazwisko;E-mail;Telefon;Firma;Stanowisko;Dział;Uwagi;Tagi\n"
        f"Konstantynopolitańczykowianeczka;Brzęczyszczykiewicz;{long_email};601 234 567;"
        "Przedsiębiorstwo Handlowo-Usługowe Wielobranżowe Sp. z o.o.;Pełnomocnik zarządu ds. zakupów;"
        "Dział Zaopatrzenia i Logistyki;" + "Uwaga " * 40 + ";hurt, detal, eksport\n"
        f"Anna;Mąka;{long_email}@;12;;;;;\n",
        encoding="utf-8",
    )

    for tab, width in ((page, 1366), (phone_page, 390)):
        log_in(tab, base)
        tab.goto(f"{base}/imports/contacts/new/")
        tab.set_input_files("#id_file", str(file))
        tab.get_by_role("button", name="Upload and continue").click()
        tab.get_by_role("button", name="Preview").click()
        expect(tab.locator("table.import-preview")).to_contain_text("Brzęczyszczykiewicz")
        tab.locator("details.import-lines summary").click()

        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        box = tab.locator("table.import-preview").locator("xpath=..")
        assert box.evaluate("e => e.getBoundingClientRect().right") <= width


def test_the_export_menu_says_preparing_until_the_download_starts(page: Any, live_server: Any, rep: User) -> None:
    Role.objects.filter(code=Role.SALES_REP).update(can_export=True)
    Contact.objects.create(first_name="Zofia", last_name="Wójcik", owner=rep)
    base = live_server.url
    log_in(page, base)
    page.goto(f"{base}/contacts/")
    page.locator("details.menu summary", has_text="Export").click()
    link = page.locator("a[download][href*='format=xlsx']")
    page.evaluate(
        """() => { window.seen = []; const link = document.querySelector("a[download][href*='format=xlsx']");
        new MutationObserver(() => window.seen.push(link.textContent.trim()))
          .observe(link, {childList: true, characterData: true, subtree: true}); }"""
    )

    with page.expect_download() as download:
        link.click()

    assert download.value.suggested_filename.endswith(".xlsx")
    expect(link).not_to_have_attribute("aria-disabled", "true")
    expect(link).to_have_text("Excel (XLSX)")
    assert page.evaluate("window.seen") == ["Preparing…", "Excel (XLSX)"]
