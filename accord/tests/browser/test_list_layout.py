"""How the lists look: at 1366 px every list's table fits its card (long names, e-mails and
Polish labels wrap or are cut, never widen it), with its default columns and with every column;
compact rows are really denser; at 390 px no list scrolls sideways; and on the task list the box
that selects a task looks and reads unlike the button that ticks it done."""

from __future__ import annotations

import re
import statistics
from typing import Any

import pytest
from playwright.sync_api import expect

from accord.activities import services as activities
from accord.core import lists, services
from accord.core.models import Density
from accord.identity.models import Role, User
from accord.people import services as people
from accord.sales.services import leads, products, quotes
from accord.sales.tests.test_quotes import make_deal

pytestmark = pytest.mark.browser
PASSWORD = "a-long-test-password"
LISTS = {
    "contact": "/contacts/",
    "company": "/companies/",
    "lead": "/sales/leads/",
    "deal": "/sales/deals/",
    "quote": "/sales/quotes/",
    "product": "/sales/products/",
    "interaction": "/interactions/",
}
MEASURE = """() => {
  const table = document.querySelector('table.table[data-bulk-table]');
  const card = table.closest('.card');
  const rows = [...table.querySelectorAll('tbody tr')].map(r => r.getBoundingClientRect().height);
  return {table: table.getBoundingClientRect().width, card: card.clientWidth, rows: rows};
}"""


def make_user(username: str, role: str, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=Role.objects.get(code=role), **extra)
    return User.objects.select_related("role").get(pk=user.pk)


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/my-day/$"))


@pytest.fixture
def long_records(transactional_db: Any) -> User:
    """Records with the longest names, e-mails and tags people have, owned by a long-named user."""
    admin = make_user("ola", Role.ADMIN, first_name="Konstantyna", last_name="Wierzbicka-Szczepańska")
    company = people.create_company(
        actor=admin,
        data={
            "name": "Przedsiębiorstwo Produkcyjno-Handlowo-Usługowe Kowalski i Wspólnicy Spółka Komandytowa",
            "industry": "Produkcja maszyn i urządzeń przemysłowych",
            "tags": ["Kluczowy klient", "Targi Poznań 2026", "Dystrybutor"],
        },
    )
    for i in range(6):
        contact = people.create_contact(
            actor=admin,
            data={
                "first_name": "Maksymilianna",
                "last_name": f"Wierzbicka-Szczepańska-Brzęczyszczykiewicz{i}",
                "emails": [{"email": f"maksymilianna.wierzbicka-szczepanska{i}@przedsiebiorstwo-handlowe.example"}],
                "phones": [{"number": "+48 601 234 567"}],
                "companies": [{"company": company, "job_title": "Dyrektor ds. zakupów strategicznych"}],
                "tags": ["Kluczowy klient", "Newsletter", "Targi Poznań 2026", "Partner handlowy"],
            },
        )
        leads.create_lead(
            actor=admin,
            data={
                "first_name": "Bartłomiej",
                "last_name": f"Grzegorzewski-Nowakowski{i}",
                "company_name": company.name,
                "email": f"bartlomiej.grzegorzewski-nowakowski{i}@przedsiebiorstwo-handlowe.example",
            },
        )
        activities.log_interaction(
            actor=admin,
            data={"channel": "phone", "contact": contact, "subject": "Rozmowa o warunkach umowy ramowej " * 3},
        )
        activities.create_task(actor=admin, data={"title": f"Zadzwonić w sprawie oferty {i}", "contact": contact})
    deal = make_deal(admin, company=company, contacts=[contact])
    quotes.create_from_deal(actor=admin, deal=deal)
    products.create_product(
        actor=admin,
        data={
            "sku": "WDR-PREMIUM-2026-LONG",
            "name": "Wdrożenie systemu z integracją księgowości i szkoleniem zespołu",
            "category": "Usługi wdrożeniowe i szkoleniowe",
            "prices": [{"currency": "PLN", "price": "150000.00"}, {"currency": "EUR", "price": "35000.00"}],
        },
    )
    return admin


def _look_everywhere(user: User, density: str) -> None:
    for key in LISTS:
        screen = lists.get(key)
        services.save_list_look(
            actor=user, entity=screen.entity, columns=[c.key for c in screen.columns], density=density
        )


@pytest.mark.parametrize("language", ["en", "pl"])
def test_every_list_table_fits_its_card_at_1366(
    page: Any, live_server: Any, long_records: User, language: str, settings: Any, shot: Any
) -> None:
    base = live_server.url
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    log_in(page, base, "ola")

    too_wide: dict[str, tuple[str, float, float]] = {}
    heights: dict[str, dict[str, float]] = {}
    for look in ("default", Density.COMFORTABLE, Density.COMPACT):
        if look != "default":
            _look_everywhere(long_records, look)  # every column shown
        for key, path in LISTS.items():
            page.goto(base + path)
            found = page.evaluate(MEASURE)
            if found["table"] > found["card"] + 0.5:
                too_wide[f"{path} ({look})"] = (look, found["table"], found["card"])
            heights.setdefault(key, {})[look] = statistics.median(found["rows"])
            if key == "contact":
                shot(page, f"lists-desktop-{language}-contacts-{look}", full_page=False)
            if key == "contact" and look != "default":  # the tags still show, cut if need be
                badge = page.evaluate("document.querySelector('td.cell-tags .badge').getBoundingClientRect().width")
                assert badge > 30, (look, badge)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    assert too_wide == {}
    # Compact rows are really denser: at most three quarters of a comfortable row.
    for key, height in heights.items():
        assert height[Density.COMPACT] <= 0.75 * height[Density.COMFORTABLE], (key, height)


@pytest.mark.parametrize("density", [Density.COMFORTABLE, Density.COMPACT])
def test_no_list_scrolls_sideways_at_390(
    phone_page: Any, live_server: Any, long_records: User, density: str, settings: Any
) -> None:
    _look_everywhere(long_records, density)
    base = live_server.url
    phone_page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "pl", "url": base}])
    log_in(phone_page, base, "ola")

    too_wide = {}
    for path in [*LISTS.values(), "/tasks/"]:
        phone_page.goto(base + path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
    assert too_wide == {}


def test_selecting_a_task_and_ticking_it_done_look_and_read_differently(
    page: Any, live_server: Any, long_records: User, shot: Any
) -> None:
    base = live_server.url
    log_in(page, base, "ola")
    page.goto(f"{base}/tasks/")

    select = page.get_by_role("checkbox", name="Select Zadzwonić w sprawie oferty 0 for bulk actions")
    done = page.get_by_role("button", name="Mark as done: Zadzwonić w sprawie oferty 0")
    expect(select).to_be_visible()
    expect(done).to_be_visible()
    shot(page, "lists-task-select-and-done", full_page=False)

    # Each says what it does when hovered, and to a screen reader.
    assert select.locator("xpath=..").get_attribute("title") == "Select for bulk actions"
    assert done.get_attribute("title") == "Mark as done"
    # A round button with its check drawn, beside a square box set apart by a rule.
    done_look = done.evaluate(
        "b => { const s = getComputedStyle(b); const r = b.getBoundingClientRect();"
        " return {radius: parseFloat(s.borderTopLeftRadius), width: r.width, check: s.color}; }"
    )
    box_look = select.evaluate(
        "c => ({radius: parseFloat(getComputedStyle(c).borderTopLeftRadius),"
        " rule: getComputedStyle(c.parentElement).borderRightStyle})"
    )
    assert done_look["radius"] >= done_look["width"] / 2 - 1
    assert done_look["check"] not in ("rgba(0, 0, 0, 0)", "transparent")
    assert box_look["radius"] < 6
    assert box_look["rule"] == "solid"

    # Ticking one does not tick the other.
    select.check()
    expect(page.locator(".task-row.done")).to_have_count(0)
    done.click()
    expect(page.locator(".task-row.done")).to_have_count(1)
    expect(page.get_by_role("checkbox", name="Select Zadzwonić w sprawie oferty 0 for bulk actions")).to_be_checked()
