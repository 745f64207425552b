"""Lists in a real browser: their actions act on the filters on screen (also after filtering
without a reload), bulk actions from ticked rows, and no screen scrolls sideways on a phone."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.activities import services as activities
from accord.core import bulk_actions, bulk_jobs, lists
from accord.core.events import dispatch_pending
from accord.core.models import BulkJob
from accord.identity.models import Role, Team, User
from accord.people import services as people
from accord.people.models import Contact
from accord.sales.models import Lead
from accord.sales.services import leads, products, quotes
from accord.sales.tests.test_quotes import make_deal

pytestmark = pytest.mark.browser
PASSWORD = "a-long-test-password"


def make_user(username: str, role: str, team: Team | None = None, *, manages: bool = False) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), role=Role.objects.get(code=role)
    )
    if team is not None:
        user.teams.add(team)
        if manages:
            team.managers.add(user)
    return User.objects.select_related("role").get(pk=user.pk)


@pytest.fixture
def team(transactional_db: Any) -> dict[str, User]:
    """A manager of team North with two reps: Anna owns 12 contacts, Piotr 5."""
    north = Team.objects.create(name="North")
    people_of = {
        "marta": make_user("marta", Role.MANAGER, north, manages=True),
        "anna": make_user("anna", Role.SALES_REP, north),
        "piotr": make_user("piotr", Role.SALES_REP, north),
    }
    for i in range(12):
        people.create_contact(actor=people_of["anna"], data={"first_name": "Ala", "last_name": f"Anny{i:02d}"})
    for i in range(5):
        people.create_contact(actor=people_of["piotr"], data={"first_name": "Piotr", "last_name": f"Piotra{i}"})
    return people_of


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-day/$"))


def filter_by_owner(page: Any, base: str, owner: User) -> None:
    """Filter the contact list by owner the way a person does: HTMX swaps the rows, no reload."""
    page.goto(f"{base}/contacts/")
    page.evaluate("window.__sameDocument = true")
    page.select_option("#f-owner", str(owner.pk))
    expect(page.locator("#list-total")).to_contain_text("12 records")
    assert page.evaluate("window.__sameDocument") is True  # the page was not reloaded


def test_change_owner_from_a_filtered_list_gives_away_only_the_filtered_records(
    page: Any, live_server: Any, team: dict[str, User], shot: Any
) -> None:
    base = live_server.url
    log_in(page, base, "marta")
    filter_by_owner(page, base, team["anna"])

    # Select every row on the page, then all that match the filter.
    page.get_by_label("Select every row on this page").check()
    expect(page.locator("[data-bulk-bar]")).to_be_visible()
    page.get_by_role("button", name=re.compile("Select all 12 matching")).click()
    expect(page.locator("[data-bulk-count]")).to_have_text("12")
    page.get_by_role("button", name="Change owner").click()

    # The page says what will change and asks to confirm.
    expect(page.locator("[data-bulk-summary]")).to_contain_text("12 records match the list's filters.")
    expect(page.locator("[data-bulk-sample]")).to_contain_text("Ala Anny00")
    expect(page.locator("[data-bulk-sample]")).not_to_contain_text("Piotra")
    page.select_option("#bulk-new-owner", str(team["marta"].pk))
    shot(page, "lists-change-owner-confirm")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Change 12 records").click()

    expect(page.locator(".toast")).to_contain_text("12 records now belong to Marta")
    assert Contact.objects.filter(owner=team["marta"]).count() == 12
    assert Contact.objects.filter(owner=team["piotr"]).count() == 5


def test_export_after_filtering_without_a_reload_downloads_the_filtered_rows(
    page: Any, live_server: Any, team: dict[str, User]
) -> None:
    base = live_server.url
    log_in(page, base, "marta")
    filter_by_owner(page, base, team["anna"])

    page.get_by_role("button", name="Export").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))

    assert len(rows) == 1 + 12
    assert {row[rows[0].index("Last name")] for row in rows[1:]} == {f"Anny{i:02d}" for i in range(12)}
    # "Save view" carries the same filter.
    assert page.locator("input[name='query']").first.get_attribute("value") == f"owner={team['anna'].pk}"


def test_bulk_tag_and_export_of_ticked_rows(page: Any, live_server: Any, team: dict[str, User], shot: Any) -> None:
    base = live_server.url
    log_in(page, base, "marta")
    page.goto(f"{base}/contacts/?sort=name")

    page.get_by_label("Select Ala Anny00").check()
    page.get_by_label("Select Ala Anny01").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2")
    shot(page, "lists-bulk-bar", full_page=False)

    # Export selected: exactly the ticked rows.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export the selected records").click()
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1 + 2

    # Add a tag to them, after a confirmation that states the count.
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("[data-bulk-summary]")).to_contain_text("2 ticked records.")
    page.get_by_label("Tag").fill("Trade fair")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Change 2 records").click()

    expect(page.locator(".toast")).to_contain_text("2 records were changed.")
    assert sorted(Contact.objects.filter(tags__name="Trade fair").values_list("last_name", flat=True)) == [
        "Anny00",
        "Anny01",
    ]


@pytest.mark.parametrize("language", ["en", "pl"])
def test_no_main_screen_scrolls_sideways_on_a_phone(
    phone_page: Any, live_server: Any, transactional_db: Any, language: str, settings: Any, shot: Any
) -> None:
    settings.ACCORD_BULK_SYNC_LIMIT = 1  # so a confirmation of two records says it runs in the background
    admin = make_user("ola", Role.ADMIN)
    company = people.create_company(actor=admin, data={"name": "Przedsiębiorstwo Handlowo-Usługowe Kowalski"})
    contact = people.create_contact(
        actor=admin,
        data={
            "first_name": "Konstantyna",
            "last_name": "Wierzbicka-Szczepańska",
            "emails": [{"email": "konstantyna.wierzbicka-szczepanska@przedsiebiorstwo.example"}],
            "companies": [{"company": company, "job_title": "Dyrektor ds. zakupów"}],
        },
    )
    deal = make_deal(admin, company=company, contacts=[contact])
    quote = quotes.create_from_deal(actor=admin, deal=deal)
    lead = leads.create_lead(actor=admin, data={"first_name": "Zenon", "last_name": "Lead", "company_name": "Firma"})
    product = products.create_product(
        actor=admin, data={"sku": "SKU-1", "name": "Wdrożenie", "prices": [{"currency": "PLN", "price": "1500.00"}]}
    )
    converted = leads.create_lead(
        actor=admin, data={"first_name": "Zdzisław", "last_name": "Przekonwertowany-Wcześniej"}
    )
    Lead.objects.filter(pk=converted.pk).update(status="converted")
    lead_screen = lists.get("lead")
    job = bulk_jobs.start(
        actor=admin,
        selection=bulk_actions.select(actor=admin, screen=lead_screen, params={"id": [lead.pk, converted.pk]}),
        change=bulk_actions.row_change(lead_screen, "field", {"field": "status", "value": "qualified"}),
    )
    bulk_jobs.run(job.pk)
    task = activities.create_task(actor=admin, data={"title": "Zadzwonić w sprawie oferty", "contact": contact})
    activities.log_interaction(actor=admin, data={"channel": "phone", "contact": contact, "subject": "Rozmowa"})
    base = live_server.url
    # Polish labels are longer: the deal page's "Log a call..." button pushed it wider than a phone.
    phone_page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    log_in(phone_page, base, "ola")

    screens = [
        "/my-day/",
        "/contacts/",
        f"/contacts/{contact.pk}/",
        "/contacts/new/",
        "/companies/",
        f"/companies/{company.pk}/",
        "/companies/new/",
        "/sales/leads/",
        f"/sales/leads/{lead.pk}/",
        "/sales/leads/new/",
        "/sales/deals/",
        f"/sales/deals/{deal.pk}/",
        "/sales/deals/new/",
        "/sales/board/",
        "/sales/quotes/",
        f"/sales/quotes/{quote.pk}/",
        "/sales/products/",
        f"/sales/products/{product.pk}/",
        "/interactions/",
        "/tasks/",
        f"/tasks/{task.pk}/",
        "/tasks/new/",
        f"/lists/contact/bulk/?action=owner&id={contact.pk}",
        f"/lists/lead/bulk/?action=field&field=status&id={lead.pk}&id={converted.pk}",
        f"/lists/jobs/{job.pk}/",
        "/settings/custom-fields/",
        "/sales/settings/",
    ]
    too_wide = {}
    for path in screens:
        response = phone_page.goto(base + path)
        assert response.status == 200, path
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
        if path.startswith("/lists/"):
            kind = "job" if path.startswith("/lists/jobs/") else path.split("/")[2]
            shot(phone_page, f"lists-phone-{language}-bulk-{kind}")
    assert too_wide == {}


def test_a_phone_selects_the_whole_page_from_the_bulk_bar(
    phone_page: Any, live_server: Any, team: dict[str, User], shot: Any
) -> None:
    base = live_server.url
    log_in(phone_page, base, "marta")
    phone_page.goto(f"{base}/contacts/?owner={team['anna'].pk}&sort=name")
    # The table's header, with its "select this page" box, is not shown on a phone.
    expect(phone_page.get_by_label("Select every row on this page")).to_be_hidden()

    # Ticking one row brings up the bar, which offers the rest of the page.
    phone_page.get_by_label("Select Ala Anny00").check()
    select_page = phone_page.get_by_role("button", name="Select this page")
    expect(select_page).to_be_visible()
    shot(phone_page, "lists-phone-select-page-offered", full_page=False)
    select_page.click()

    expect(phone_page.locator("[data-bulk-count]")).to_have_text("12")
    expect(phone_page.locator("[data-bulk-row]:checked")).to_have_count(12)
    expect(select_page).to_be_hidden()
    expect(phone_page.get_by_role("button", name=re.compile("Select all 12 matching"))).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone_page, "lists-phone-page-selected", full_page=False)


def test_the_select_page_offer_stays_off_a_desktop_table(page: Any, live_server: Any, team: dict[str, User]) -> None:
    base = live_server.url
    log_in(page, base, "marta")
    page.goto(f"{base}/contacts/?owner={team['anna'].pk}")

    page.get_by_label("Select Ala Anny00").check()

    expect(page.locator("[data-bulk-bar]")).to_be_visible()
    expect(page.get_by_role("button", name="Select this page")).to_be_hidden()


def test_a_task_ticked_done_keeps_its_checkbox_and_stays_selected(
    page: Any, live_server: Any, team: dict[str, User], shot: Any
) -> None:
    for title in ("Call the printer", "Send the samples"):
        activities.create_task(actor=team["anna"], data={"title": title})
    base = live_server.url
    log_in(page, base, "anna")
    page.goto(f"{base}/tasks/")

    page.get_by_label("Select Call the printer").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("1")
    page.get_by_role("button", name="Mark as done: Call the printer").click()

    # The row comes back done, with its checkbox, still ticked and still counted.
    expect(page.locator(".task-row.done")).to_have_count(1)
    expect(page.get_by_label("Select Call the printer")).to_be_checked()
    expect(page.get_by_label("Select Send the samples")).not_to_be_checked()
    expect(page.locator("[data-bulk-count]")).to_have_text("1")
    shot(page, "lists-task-done-stays-selected", full_page=False)

    # With "all matching" chosen, a row ticked done stays part of the selection.
    page.get_by_role("button", name=re.compile("Select all 2 matching")).click()
    page.get_by_role("button", name="Mark as done: Send the samples").click()
    expect(page.locator(".task-row.done")).to_have_count(2)
    expect(page.get_by_label("Select Send the samples")).to_be_checked()
    expect(page.locator("[data-bulk-count]")).to_have_text("2")


def test_tagging_more_records_than_a_request_takes_runs_in_the_background_to_the_end(
    page: Any, live_server: Any, team: dict[str, User], settings: Any, server_turn: Any, shot: Any
) -> None:
    # Five records a request; the rest in batches of four, by a worker this test plays.
    settings.ACCORD_BULK_SYNC_LIMIT = 5
    settings.ACCORD_BULK_CHUNK_SIZE = 4
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    base = live_server.url
    log_in(page, base, "marta")
    filter_by_owner(page, base, team["anna"])

    # All 12 of Anna's contacts, from "select all matching", get a tag.
    page.get_by_label("Select every row on this page").check()
    page.get_by_role("button", name=re.compile("Select all 12 matching")).click()
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("[data-bulk-background]")).to_contain_text("A change this large runs in the background.")
    expect(page.locator("[data-bulk-background]")).to_contain_text("batches of 4 records")
    page.get_by_label("Tag").fill("Trade fair")
    shot(page, "lists-bulk-background-confirm")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Change 12 records").click()

    # The change waits for the worker, then its progress shows as the worker goes.
    expect(page.locator("[data-bulk-progress]")).to_contain_text("Waiting for the background worker to start.")
    job = BulkJob.objects.get()
    with server_turn:
        bulk_jobs.process_chunk(job.pk)
    expect(page.locator("[data-bulk-progress]")).to_contain_text("4 of 12 records (33%)")
    shot(page, "lists-bulk-background-progress")
    with server_turn:
        bulk_jobs.run(job.pk)
        dispatch_pending()

    # The page turns into the result, and the bell has the notification.
    expect(page.locator("[data-bulk-result]")).to_be_visible()
    expect(page.locator("[data-count='changed']")).to_have_text("12")
    expect(page.locator("[data-count='failed']")).to_have_text("0")
    page.reload()
    expect(page.locator("#bell-badge .badge-count")).to_have_text("1")
    shot(page, "lists-bulk-background-result")
    assert Contact.objects.filter(tags__name="Trade fair").count() == 12
    assert Contact.objects.filter(owner=team["piotr"], tags__name="Trade fair").count() == 0
