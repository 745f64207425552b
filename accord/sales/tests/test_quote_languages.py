"""A quote speaks its customer's language: the PDF, the e-mail that carries it and the words the
send form offers, whatever the language of the user who sends it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse
from django.utils import translation

from accord.messaging.services.delivery import deliver_due
from accord.sales.pdf import render_quote
from accord.sales.services import quotes as services
from accord.sales.tests.test_quotes import make_deal
from accord.sales.tests.test_quotes_pdf_mail import Inbox, free_port, pdf_text, smtp_settings


@pytest.fixture
def polish_rep(owner):
    owner.language = "pl"
    owner.save(update_fields=["language"])
    return owner


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on this machine, and the port it listens on."""
    received = Inbox()
    port = free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield received, port
    finally:
        controller.stop()


def romanian_quote(owner: Any, make_contact: Any) -> Any:
    contact = make_contact(
        owner, first_name="Ioana", last_name="Ionescu", emails=[{"email": "ioana@vin.example"}], preferred_language="ro"
    )
    return services.create_from_deal(actor=owner, deal=make_deal(owner, contacts=[contact]))


def test_a_polish_customers_pdf_is_in_polish_whoever_makes_it(owner, make_contact):
    contact = make_contact(owner, first_name="Zofia", last_name="Gęślak", preferred_language="pl")
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner, contacts=[contact]))

    with translation.override("en"):  # the user's screen is in English
        text = pdf_text(render_quote(quote))

    assert "Do zapłaty" in text
    assert "SPRZEDAWCA" in text
    assert "Oferta jest ważna do" in text
    assert "Total to pay" not in text
    assert "2 320,88 zł" in text.replace("\xa0", " ")


def test_a_romanian_customers_pdf_is_in_romanian_for_a_polish_rep(polish_rep, make_contact):
    quote = romanian_quote(polish_rep, make_contact)

    with translation.override("pl"):
        text = pdf_text(render_quote(quote))

    assert "Total de plată" in text
    assert "VÂNZĂTOR" in text
    assert "Această ofertă este valabilă până la" in text
    assert "Do zapłaty" not in text
    assert "Total to pay" not in text
    with translation.override("ro"):
        assert translation.gettext("Page %(page)s of %(pages)s") % {"page": 1, "pages": 1} in text


def test_a_contact_in_german_gets_the_quote_in_their_companys_language(owner, make_company, make_contact):
    company = make_company(owner, name="Vilniaus Duona UAB", preferred_language="lt")
    contact = make_contact(owner, preferred_language="de", companies=[{"company": company}])
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner, contacts=[contact]))

    text = pdf_text(render_quote(quote))

    with translation.override("lt"):
        assert translation.gettext("Total to pay") in text
        assert translation.gettext("Total to pay") != "Total to pay"


def test_without_any_customer_language_the_site_decides_not_the_rep(polish_rep, make_company, settings):
    quote = services.create_from_deal(actor=polish_rep, deal=make_deal(polish_rep, company=make_company(polish_rep)))

    assert "Total to pay" in pdf_text(render_quote(quote))
    settings.LANGUAGE_CODE = "ro"
    assert "Total de plată" in pdf_text(render_quote(quote))


def test_the_e_mail_to_a_romanian_customer_is_in_romanian(polish_rep, make_contact, inbox):
    received, port = inbox
    quote = romanian_quote(polish_rep, make_contact)

    with smtp_settings(port), translation.override("pl"):
        services.send(actor=polish_rep, quote=quote, to=services.recipient_for(quote))
        deliver_due()

    message = received.messages[0]
    assert received.envelopes[0].rcpt_tos == ["ioana@vin.example"]
    assert message["Subject"] == f"Oferta {quote.number}"
    assert message["Content-Language"] == "ro"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content().strip() == f"Vă transmitem atașat oferta noastră {quote.number}."
    attached = next(iter(message.iter_attachments())).get_content()
    assert "Total de plată" in pdf_text(attached)


def test_the_send_form_offers_words_in_the_customers_language_and_says_which(login, polish_rep, make_contact):
    quote = romanian_quote(polish_rep, make_contact)

    page = login(polish_rep).get(reverse("sales:quote-send", args=[quote.pk])).content.decode()

    assert "Bună ziua," in page
    assert f'value="Oferta {quote.number}"' in page
    # The screen itself stays in the rep's language, and names the customer's in it.
    with translation.override("pl"):
        romanian = str(translation.get_language_info("ro")["name_translated"])
        send = translation.gettext("Send")
    assert (romanian, send) == ("Rumuński", "Wyślij")
    assert romanian in page
    assert send in page


CATALOGUES = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdif]|%[sd]")
# Where the PDF's words come from: its own labels, the units of its lines.
PDF_SOURCES = ("accord/sales/pdf.py", "accord/core/units.py")


def pdf_labels(language: str) -> list[tuple[str, re.Pattern[str]]]:
    """The English of every label the PDF can print that ``language`` writes differently, each as a
    case-insensitive whole-word pattern (the party headings are printed in capitals)."""
    po = polib.pofile(str(CATALOGUES / language / "LC_MESSAGES" / "django.po"))
    same = {entry.msgstr for entry in po} | {entry.msgid for entry in po if entry.msgstr == entry.msgid}
    labels = []
    for entry in po:
        if entry.obsolete or not any(path in PDF_SOURCES for path, _line in entry.occurrences):
            continue
        if entry.msgid in same or len(re.sub(PLACEHOLDER, "", entry.msgid).strip()) < 3:
            continue
        words = ".+?".join(re.escape(part.strip()) for part in PLACEHOLDER.split(entry.msgid) if part.strip())
        labels.append((entry.msgid, re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE | re.DOTALL)))
    return labels


@pytest.mark.parametrize(
    ("language", "customer"),
    [("pl", "Hurtownia Wisła"), ("lt", "Vilniaus Duona UAB"), ("ro", "Vinuri Cotnari SRL"), ("ru", "ООО Ромашка")],
)
def test_no_label_of_the_pdf_stays_in_english_in_any_language(owner, make_company, settings, language, customer):
    settings.ACCORD_SELLER = {
        "name": "Accord Sp. z o.o.",
        "address": "ul. Długa 5\n31-147 Kraków",
        "tax_id": "PL6762468032",
        "email": "biuro@accord.example",
        "phone": "+48 12 345 67 89",
        "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
    }
    company = make_company(owner, name=customer, preferred_language=language, vat_id="PL5260250274")
    owner.first_name, owner.last_name = "Jan", "Kowalski"
    owner.save(update_fields=["first_name", "last_name"])
    # Descriptions that are no English word: the lines carry every unit the PDF names.
    lines = [
        {"description": f"ZX-{n}", "quantity": "2", "unit_price": "100", "vat_rate": "23", "unit": unit}
        for n, unit in enumerate(["pcs", "h", "day", "month", "year", "user", "licence", "set"])
    ]
    lines[0]["discount_percent"] = "5"
    quote = services.create_from_deal(
        actor=owner, deal=make_deal(owner, company=company, lines=lines), data={"terms": "—"}
    )

    with translation.override("en"):  # whoever makes it
        text = pdf_text(render_quote(quote))

    labels = pdf_labels(language)
    assert any(msgid == "Total to pay" for msgid, _pattern in labels)
    left = [msgid for msgid, pattern in labels if pattern.search(text)]
    assert left == [], f"English left in the {language} PDF: {left}\n{text}"
    with translation.override(language):
        for label in ("Total to pay", "Seller", "Bank account", "Tax id", "Terms", "VAT summary"):
            assert translation.gettext(label).casefold() in text.casefold(), label
