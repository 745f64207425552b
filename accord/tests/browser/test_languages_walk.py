"""The main screens speak each of the interface's languages through and through: walking them in
Polish, Lithuanian, Romanian and Russian, no string of the English catalogue is left on a page
where its language has a different word for it.

A string counts when it is a whole text of the page (a text node, an option, a placeholder, a
title, an aria-label, a button's value), compared with the catalogue's msgids; a msgid with
placeholders matches with any text in their place. Strings that a language legitimately writes
the English way (its translation is the msgid itself, or the msgid is another string's
translation there) never count, nor do ones too short to be words."""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from accord.core.demos import DEMO_PASSWORD
from accord.tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

CATALOGUES = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdif]|%[sd]|\{[a-z_0-9]*\}")
LETTERS = re.compile(r"[A-Za-z]")

# Every text of the page, with where it is: its text nodes (hidden ones too, e.g. a closed menu's
# entries or a list's options), the words it gives assistive technology, the tooltips, the
# questions asked before deleting and the strings of the data its scripts draw (chart labels).
PAGE_TEXTS = """
() => {
  const texts = [];
  const where = (el) => {
    const names = [];
    for (; el && el !== document.body && names.length < 3; el = el.parentElement) {
      names.unshift(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (el.classList.length ? "." + [...el.classList].join(".") : ""));
    }
    return names.join(" > ");
  };
  const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "svg"]);
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      for (let el = node.parentElement; el; el = el.parentElement) {
        if (skip.has(el.tagName)) return NodeFilter.FILTER_REJECT;
      }
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  while (walker.nextNode()) texts.push([walker.currentNode.nodeValue, where(walker.currentNode.parentElement)]);
  for (const line of document.body.innerText.split("\\n")) texts.push([line, "a line of the page"]);
  for (const el of document.querySelectorAll("[placeholder], [title], [aria-label], [alt], [data-confirm]")) {
    for (const name of ["placeholder", "title", "aria-label", "alt", "data-confirm"]) {
      const value = el.getAttribute(name);
      if (value) texts.push([value, where(el) + " @" + name]);
    }
  }
  // The data a script draws from (the dashboard's chart labels, the calendar's words), less its
  // codes ("task", "meeting").
  const strings = (value, name) => {
    if (typeof value === "string") {
      if (!/^[a-z0-9_-]*$/.test(value)) texts.push([value, name]);
    }
    else if (value && typeof value === "object") Object.values(value).forEach((v) => strings(v, name));
  };
  for (const el of document.querySelectorAll("script[type='application/json']")) {
    strings(JSON.parse(el.textContent), "script#" + el.id);
  }
  for (const el of document.querySelectorAll("input[type=submit], input[type=button]")) {
    texts.push([el.value, where(el) + " @value"]);
  }
  return texts;
}
"""


@cache
def english_left(language: str) -> tuple[dict[str, str], list[tuple[re.Pattern[str], str]]]:
    """The msgids that ``language`` writes differently, as plain strings and as patterns (the ones
    with placeholders), each with its translation for the report."""
    po = polib.pofile(str(CATALOGUES / language / "LC_MESSAGES" / "django.po"))
    entries = [e for e in po if not e.obsolete and "fuzzy" not in e.flags]
    # Written the English way somewhere in this language, or the language switch's "English".
    same: set[str] = {name for _code, name in settings.LANGUAGES}
    for entry in entries:
        same.update(entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr])
        if entry.msgid_plural:
            if entry.msgid in entry.msgstr_plural.values() or entry.msgid_plural in entry.msgstr_plural.values():
                same.update([entry.msgid, entry.msgid_plural])
        elif entry.msgstr == entry.msgid:
            same.add(entry.msgid)
    plain: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for entry in entries:
        translated = entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr
        for msgid in filter(None, [entry.msgid, entry.msgid_plural]):
            text = " ".join(msgid.split())
            if text in same or not translated:
                continue
            literal = PLACEHOLDER.sub(" ", text)
            if max((len(word) for word in re.findall(r"[A-Za-z]+", literal)), default=0) < 4:
                continue
            if PLACEHOLDER.search(text):
                parts = PLACEHOLDER.split(text)
                pattern = ".+?".join(re.escape(part) for part in parts)
                patterns.append((re.compile(rf"{pattern}"), msgid))
            else:
                plain[text] = translated
    return plain, patterns


def the_records_words() -> set[str]:
    """What the demo's records say in English whatever their owner's language: tag names, job
    titles (a contact who is a company's "Owner"), team names ("Marketing") and custom fields'
    labels and keys ("Segment"), knowledge-base categories ("Your account"), and the consent texts
    customers signed, in their own language (an English-speaking customer's, shown to a Polish
    user). They are the users' words, not the interface's."""
    from accord.core.models import CustomFieldDefinition, Tag
    from accord.identity.models import Role, Team
    from accord.marketing.models import Consent
    from accord.people.models import ContactCompany
    from accord.sales.models import Lead
    from accord.service.models import ArticleCategory

    return (
        set(Tag.objects.values_list("name", flat=True))
        | set(ContactCompany.objects.values_list("job_title", flat=True))
        | set(Lead.objects.values_list("job_title", flat=True))
        | set(Team.objects.values_list("name", flat=True))
        | set(CustomFieldDefinition.objects.values_list("label", flat=True))
        | set(CustomFieldDefinition.objects.values_list("key", flat=True))
        | set(Consent.objects.values_list("text", flat=True))
        | set(Role.objects.values_list("code", flat=True))  # identifiers, shown as code ("partner")
        | set(ArticleCategory.objects.values_list("name", flat=True))
    )


def untranslated(texts: list[tuple[str, str]], language: str, data: set[str]) -> set[str]:
    plain, patterns = english_left(language)
    found: set[str] = set()
    for raw, where in texts:
        text = " ".join(raw.split())
        if not LETTERS.search(text) or text in data:
            continue
        for candidate in {text, text.rstrip(":*…").strip()}:
            if candidate in plain:
                found.add(f"{candidate!r} in {where}")
        if len(text) <= 200:
            for pattern, msgid in patterns:
                if pattern.fullmatch(text):
                    found.add(f"{text!r} (from {msgid!r}) in {where}")
    return found


@pytest.fixture
def demo(transactional_db: Any, settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    call_command("demo", "--size", "0.02", "--seed", "7", stdout=io.StringIO())


def screens() -> list[str]:
    from accord.identity.models import User
    from accord.people.models import Company, Contact
    from accord.sales.models import Deal, Lead, Pipeline, Product, Quote

    pipeline = Pipeline.objects.get(is_default=True)
    contact = Contact.objects.order_by("created_at").first()
    company = Company.objects.order_by("created_at").first()
    deal = Deal.objects.filter(lines__isnull=False).order_by("created_at").first()
    quote = Quote.objects.order_by("created_at").first()
    lead = Lead.objects.filter(status="new").order_by("created_at").first()
    draft = Quote.objects.filter(status="draft").order_by("created_at").first()
    product = Product.objects.order_by("name").first()
    user = User.objects.get(username="anna")
    assert contact is not None
    assert company is not None
    assert deal is not None
    assert quote is not None
    assert lead is not None
    assert draft is not None
    assert product is not None
    # A deal won and one lost, a quote in each state past draft: their badges and reasons.
    deals = [Deal.objects.filter(status=status).order_by("created_at").first() for status in ("won", "lost")]
    quotes = [
        Quote.objects.filter(status=status).order_by("created_at").first()
        for status in ("sent", "accepted", "declined", "superseded")
    ]
    closed = [f"/sales/deals/{d.pk}/" for d in deals if d] + [f"/sales/quotes/{q.pk}/" for q in quotes if q]
    return [
        "/my-day/",
        "/contacts/",
        f"/contacts/{contact.pk}/",
        f"/contacts/{contact.pk}/edit/",
        f"/contacts/{contact.pk}/history/",
        "/contacts/new/",
        "/companies/",
        f"/companies/{company.pk}/",
        f"/companies/{company.pk}/edit/",
        "/companies/new/",
        f"/sales/board/{pipeline.pk}/",
        "/sales/deals/",
        f"/sales/deals/{deal.pk}/",
        f"/sales/deals/{deal.pk}/edit/",
        f"/sales/deals/{deal.pk}/lose/",
        f"/sales/deals/{deal.pk}/history/",
        "/sales/deals/new/",
        f"/sales/deals/{deal.pk}/lines/new/",
        "/sales/leads/",
        f"/sales/leads/{lead.pk}/",
        f"/sales/leads/{lead.pk}/edit/",
        f"/sales/leads/{lead.pk}/convert/",
        "/sales/leads/new/",
        "/sales/quotes/",
        f"/sales/quotes/{quote.pk}/",
        f"/sales/quotes/{quote.pk}/send/",
        f"/sales/quotes/{draft.pk}/",
        "/sales/dashboard/",
        "/sales/forecast/",
        "/tasks/",
        "/tasks/new/",
        "/interactions/",
        "/interactions/new/?channel=phone&direction=out",
        "/calendar/",
        "/notifications/",
        "/sales/settings/",
        f"/sales/settings/pipelines/{pipeline.pk}/",
        "/sales/settings/lost-reasons/",
        "/sales/settings/scoring/",
        "/sales/settings/web-forms/",
        "/sales/settings/seller/",
        "/sales/settings/automation/",
        "/sales/settings/automation/new/",
        "/sales/products/",
        f"/sales/products/{product.pk}/",
        "/sales/products/new/",
        "/sales/price-lists/",
        "/settings/custom-fields/",
        "/settings/custom-fields/new/",
        "/settings/users/",
        f"/settings/users/{user.pk}/",
        "/settings/users/new/",
        "/settings/teams/",
        "/settings/territories/",
        "/settings/roles/",
        "/settings/roles/new/",
        "/settings/system/",
        "/imports/contacts/new/",
        "/account/",
        *closed,
        *service_screens(),
    ]


def service_screens() -> list[str]:
    """The service desk's everyday screens and its settings, the chat channels' among them."""
    from accord.service.models import ChatChannel, Ticket

    ticket = Ticket.objects.order_by("number").first()
    channel = ChatChannel.objects.order_by("created_at").first()
    assert ticket is not None
    assert channel is not None
    return [
        "/service/tickets/",
        f"/service/tickets/{ticket.pk}/",
        "/service/tickets/new/",
        "/service/chat/",
        "/service/kb/",
        "/service/reports/sla/",
        "/service/reports/satisfaction/",
        "/service/settings/",
        "/service/settings/chat/new/",
        f"/service/settings/chat/{channel.pk}/",
    ]


def submitted() -> list[str]:
    """Forms sent as they stand: three records saved unchanged, two new ones left empty."""
    from accord.people.models import Company, Contact
    from accord.sales.models import Deal

    contact = Contact.objects.order_by("created_at").first()
    company = Company.objects.order_by("created_at").first()
    deal = Deal.objects.filter(lines__isnull=False).order_by("created_at").first()
    assert contact is not None
    assert company is not None
    assert deal is not None
    return [
        f"/contacts/{contact.pk}/edit/",
        f"/companies/{company.pk}/edit/",
        f"/sales/deals/{deal.pk}/edit/",
        "/contacts/new/",
        "/sales/deals/new/",
    ]


@pytest.mark.parametrize("language", ["pl", "lt", "ro", "ru"])
def test_the_main_screens_leave_no_english_behind(language: str, page: Any, live_server: Any, demo: None) -> None:
    from accord.identity.models import User

    User.objects.filter(username="admin").update(language=language)
    base = live_server.url
    page.set_default_timeout(30_000)
    log_in(page, base, "admin", DEMO_PASSWORD)

    data = the_records_words()
    left: dict[str, set[str]] = {}
    for path in screens():
        response = page.goto(f"{base}{path}")
        assert response is not None, path
        assert response.ok, path
        page.wait_for_load_state("networkidle")
        if not path.endswith("/history/"):  # a fragment the record's page loads, without <html>
            assert page.evaluate("document.documentElement.lang") == language, path
        found = untranslated(page.evaluate(PAGE_TEXTS), language, data)
        if found:
            left[path] = found

    # What a form says back: the message after saving, the errors of an empty one.
    for path in submitted():
        page.goto(f"{base}{path}")
        with page.expect_navigation():
            page.locator("main form button.btn-primary[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
        found = untranslated(page.evaluate(PAGE_TEXTS), language, data)
        if found:
            left[f"{path} (sent)"] = found

    report = "\n".join(f"{path}: {sorted(found)}" for path, found in left.items())
    assert not left, f"English strings on the {language} screens:\n{report}"


def test_the_check_catches_english_and_lets_the_languages_own_words_pass() -> None:
    texts = [
        ("Contacts", "nav"),
        ("Sales settings:", "label"),
        ("5 unread notifications", "badge"),
        ("Kontakty", "nav"),
        ("English", "language switch"),
        ("Partner", "tag"),
    ]

    found = untranslated(texts, "pl", {"Partner"})

    assert {text.split(" in ")[0] for text in found} == {
        "'Contacts'",
        "'Sales settings'",
        "'5 unread notifications' (from '%(counter)s unread notifications')",
    }
