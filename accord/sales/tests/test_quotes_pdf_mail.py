"""A quote's PDF (read back with pypdf) and its sending through a real SMTP server on this machine."""

from __future__ import annotations

import email
import email.policy
import io
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from accord.core.models import Event
from accord.messaging.models import Message
from accord.messaging.services.delivery import deliver_due
from accord.sales.models import Quote
from accord.sales.pdf import render_quote
from accord.sales.services import quotes as services
from accord.sales.tests.test_quotes import make_deal

NBSP = "\xa0"


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    # Polish groups thousands with a (narrow) no-break space; compare with plain spaces.
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text.replace(NBSP, " ").replace("\u202f", " ")


def test_the_pdf_carries_number_customer_polish_text_and_totals(owner, customer):
    company, contact = customer
    quote = services.create_from_deal(
        actor=owner,
        deal=make_deal(owner, company=company, contacts=[contact]),
        data={"terms": "Płatność przelewem w ciągu 14 dni."},
    )

    data = render_quote(quote)

    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert quote.number in text
    assert "Żółta Łódź Sp. z o.o." in text
    assert "Zażółć gęślą jaźń licence" in text
    assert "ul. Świętokrzyska 12" in text
    assert "Płatność przelewem w ciągu 14 dni." in text
    # Polish money: a space between thousands, a comma before the grosze, "zł" after.
    assert "1 955,22 zł" in text
    assert "365,66 zł" in text
    assert "2 320,88 zł" in text
    assert "dwa tysiące trzysta dwadzieścia złotych 88/100" in text
    # VAT per rate: 23% on two lines, 8% and 0% on one each.
    assert "1 554,97" in text
    assert "357,64" in text
    assert "8,02" in text


def test_without_a_customer_language_the_pdf_is_in_the_sites_and_formats_money_so(owner):
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner))

    text = pdf_text(render_quote(quote))

    assert "Quote" in text
    assert "2,320.88 PLN" in text
    assert "In words: two thousand, three hundred and twenty zlotys 88/100" in text
    assert "Page 1 of 1" in text


def test_the_seller_block_comes_from_the_settings(owner):
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner))
    seller = {"name": "Hurtownia Wisła Sp. z o.o.", "address": "ul. Długa 5\n31-147 Kraków", "tax_id": "PL6762468032"}

    with override_settings(ACCORD_SELLER=seller):
        text = pdf_text(render_quote(quote))

    assert "Hurtownia Wisła Sp. z o.o." in text
    assert "31-147 Kraków" in text
    assert "PL6762468032" in text


def test_a_russian_customer_gets_cyrillic_text_and_russian_number_format(owner, make_contact):
    contact = make_contact(owner, first_name="Иван", last_name="Петров", preferred_language="ru")
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner, contacts=[contact]))

    text = pdf_text(render_quote(quote))

    assert "Иван Петров" in text
    assert "2 320,88 zł" in text
    assert "две тысячи триста двадцать злотых 88/100" in text


def test_a_long_quote_runs_over_pages_with_their_numbers(owner):
    lines = [{"description": f"Item {i}", "unit_price": "10", "vat_rate": "23"} for i in range(70)]
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner, lines=lines))

    reader = PdfReader(io.BytesIO(render_quote(quote)))

    pages = len(reader.pages)
    assert pages >= 2
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    assert "861.00 PLN" in pdf_text(render_quote(quote))  # 70 x 10 = 700 net, 161 VAT


def test_polish_column_headings_wrap_between_words_never_inside_one(owner, customer):
    company, contact = customer
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner, company=company, contacts=[contact]))

    words = pdf_text(render_quote(quote)).split()

    assert "jednostkowa" in words
    assert "jednostkow" not in words
    assert {"Cena", "Ilość", "Rabat", "VAT", "Netto", "Brutto", "Numer", "Osoba", "kontaktowa:"} <= set(words)


def test_the_polish_pdf_names_the_number_one_way_and_the_quote_is_feminine(owner, customer):
    company, contact = customer
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner, company=company, contacts=[contact]))

    text = pdf_text(render_quote(quote))

    assert f"Numer {quote.label}" in text
    assert "Nr" not in text.split()
    assert "Ważna do" in text
    assert "Ważne do" not in text


@pytest.mark.parametrize(
    "headings",
    [
        ["Lp.", "Nazwa towaru lub usługi", "Ilość", "Cena jednostkowa", "Rabat", "Stawka", "Wartość netto", "Brutto"],
        ["Nr.", "Aprašymas", "Kiekis", "Vieneto kaina", "Nuolaida", "PVM", "Suma be PVM", "Suma su PVM"],
        ["№", "Наименование", "Количество", "Цена за единицу", "Скидка", "НДС", "Без НДС", "Итого с НДС"],
    ],
    ids=["pl", "lt", "ru"],
)
def test_long_headings_in_any_language_keep_their_words_whole(headings):
    from fpdf.enums import XPos, YPos

    from accord.core.pdf import FONT, font_file
    from accord.sales.pdf import QuotePDF, lines_table

    pdf = QuotePDF(format="A4", unit="mm")
    pdf.add_font(FONT, "", str(font_file("DejaVuSans.ttf")))
    pdf.add_font(FONT, "B", str(font_file("DejaVuSans-Bold.ttf")))
    pdf.set_margins(16, 16, 16)
    pdf.add_page()
    pdf.set_font(FONT, "", 8.5)
    pdf.cell(0, 5, "", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    lines_table(pdf, headings, [["1", "Wdrożenie", "3 pcs", "1 260,00", "—", "23%", "3 780,00", "4 649,40"]])

    words = pdf_text(bytes(pdf.output())).split()

    for word in " ".join(headings).split():
        assert word in words, f"{word!r} was broken: {words}"


def test_the_quote_is_dated_on_the_app_time_zones_calendar_not_utcs(owner, customer):
    import datetime

    company, contact = customer
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner, company=company, contacts=[contact]))
    # Sent at 23:30 UTC on 9 March: 00:30 on 10 March in Warsaw.
    Quote.objects.filter(pk=quote.pk).update(
        status="sent", sent_at=datetime.datetime(2026, 3, 9, 23, 30, tzinfo=datetime.UTC)
    )

    text = pdf_text(render_quote(Quote.objects.get(pk=quote.pk)))

    assert "Data 10.03.2026" in text
    assert "09.03.2026" not in text


def test_the_seller_from_the_settings_is_copied_onto_the_quote_when_it_is_made(owner):
    seller = {"name": "Hurtownia Wisła Sp. z o.o.", "address": "ul. Długa 5\n31-147 Kraków", "tax_id": "PL6762468032"}
    with override_settings(ACCORD_SELLER=seller):
        quote = services.create_from_deal(actor=owner, deal=make_deal(owner))

    text = pdf_text(render_quote(quote))

    assert quote.seller == {**seller, "email": "", "phone": "", "bank_account": ""}
    assert "Hurtownia Wisła Sp. z o.o." in text
    assert "31-147 Kraków" in text
    assert "PL6762468032" in text


# --- sending through SMTP -------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def smtp_settings(port: int) -> Any:
    # Accord configures mail through Django 6.1's MAILERS, which replaces (and overrides) the deprecated
    # EMAIL_BACKEND/EMAIL_HOST/EMAIL_PORT: the test points the default mailer at the server.
    return override_settings(
        MAILERS={
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
            }
        }
    )


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_sending_mails_the_pdf_through_smtp_and_marks_the_quote_sent(owner, customer, smtp_server):
    inbox, port = smtp_server
    company, contact = customer
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner, company=company, contacts=[contact]))

    with smtp_settings(port):
        sent = services.send(
            actor=owner, quote=quote, to=services.recipient_for(quote), message="Dzień dobry, oto oferta."
        )
        assert inbox.messages == []  # queued with the quote; the worker sends it
        deliver_due()

    assert (sent.status, sent.sent_to) == ("sent", "zofia@zolta.example")
    assert sent.sent_at is not None
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert inbox.envelopes[0].rcpt_tos == ["zofia@zolta.example"]
    # The customer reads Polish: the subject left empty is written in it, as the PDF is.
    assert message["Subject"] == f"Oferta {quote.number}"
    assert message["Content-Language"] == "pl"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Dzień dobry, oto oferta." in body.get_content()
    attachments = list(message.iter_attachments())
    assert [(a.get_content_type(), a.get_filename()) for a in attachments] == [
        ("application/pdf", f"{quote.number}.pdf")
    ]
    attached = attachments[0].get_content()
    assert quote.number in pdf_text(attached)
    assert "2 320,88 zł" in pdf_text(attached)
    assert Event.objects.filter(name="sales.quote.sent", object_id=quote.pk).exists()
    stored = Message.objects.get(kind="quote")
    assert (stored.state, stored.attempts, stored.language, stored.contact, stored.company) == (
        "sent",
        1,
        "pl",
        contact,
        company,
    )
    assert message["Message-ID"] == stored.external_id


def test_a_mail_server_that_stays_down_fails_the_message_after_the_last_retry_with_the_error_kept(owner, settings):
    settings.ACCORD_MESSAGE_MAX_ATTEMPTS = 3
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner))
    dead_port = free_port()  # nothing listens there

    with smtp_settings(dead_port):
        services.send(actor=owner, quote=quote, to="buyer@example.com")
        for _attempt in range(3):
            Message.objects.filter(kind="quote").update(next_attempt_at=timezone.now())  # the wait is over
            deliver_due()

    stored = Quote.objects.get(pk=quote.pk)
    assert (stored.status, stored.sent_to) == ("sent", "buyer@example.com")
    message = Message.objects.get(kind="quote")
    assert (message.state, message.attempts, message.to_address) == ("failed", 3, "buyer@example.com")
    assert "ConnectionRefusedError" in message.error


def test_sending_a_quote_twice_queues_one_e_mail(owner, smtp_server):
    from django.core.exceptions import ValidationError

    inbox, port = smtp_server
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner))

    with smtp_settings(port):
        services.send(actor=owner, quote=quote, to="buyer@example.com")
        with pytest.raises(ValidationError):
            services.send(actor=owner, quote=quote, to="buyer@example.com")
        deliver_due()
        deliver_due()

    assert Message.objects.filter(kind="quote").count() == 1
    assert len(inbox.messages) == 1


def test_a_bad_recipient_is_a_field_error_and_nothing_is_sent(owner, smtp_server):
    from django.core.exceptions import ValidationError

    inbox, port = smtp_server
    quote = services.create_from_deal(actor=owner, deal=make_deal(owner))

    with smtp_settings(port), pytest.raises(ValidationError) as caught:
        services.send(actor=owner, quote=quote, to="not an address")

    assert set(caught.value.message_dict) == {"to"}
    assert inbox.messages == []
    assert Quote.objects.get(pk=quote.pk).status == "draft"
