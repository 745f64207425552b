"""The invoice PDF: seller, buyer, number, dates, VAT per rate, total in words in the invoice's
language, the VAT of a currency invoice in PLN with its rate, split payment, and corrections."""

from __future__ import annotations

import datetime
import decimal
import io

import pytest
from pypdf import PdfReader

from accord.billing.pdf import render_invoice
from accord.billing.services import invoices as services
from accord.core.models import ExchangeRate


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_polish_vat_invoice(make_invoice, owner):
    invoice = services.issue(actor=owner, invoice=make_invoice(language="pl", place_of_issue="Kraków"))

    text = text_of(render_invoice(invoice))

    assert "Accord Sp. z o.o." in text
    assert "Żółta Łódź Sp. z o.o." in text
    assert invoice.number in text
    assert "7740001454" in text
    assert "Kraków" in text
    assert "PL61 1090 1014 0000 0712 1981 2874" in text
    assert "zw" in text
    assert "dwa tysiące sto siedemdziesiąt sześć" in text
    assert "mechanizm podzielonej płatności" not in text


@pytest.mark.parametrize("language", ["en", "pl", "lt", "ro", "ru"])
def test_every_language_renders_a_currency_invoice_with_split_payment(make_invoice, owner, language):
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2026, 3, 6), rate=decimal.Decimal("4.3"))
    draft = make_invoice(
        language=language,
        currency="EUR",
        sale_date="2026-03-09",
        lines=[
            {
                "description": "Stal",
                "quantity": "1",
                "unit_price": "5000",
                "vat_rate": "23",
                "split_payment_goods": True,
            }
        ],
    )
    invoice = services.issue(actor=owner, invoice=draft)

    text = text_of(render_invoice(invoice))

    assert invoice.split_payment is True
    assert "mechanizm podzielonej płatności" in text
    assert ("4" in text and "PLN" in text) or "zł" in text
    assert text.count(invoice.number) >= 1


def test_a_correction_shows_the_lines_before_and_after(make_invoice, owner):
    original = services.issue(actor=owner, invoice=make_invoice(language="en"))
    line = original.lines.order_by("position").first()
    note = services.issue(
        actor=owner,
        invoice=services.correct(
            actor=owner, invoice=original, lines=[{"line": line.pk, "quantity": "1"}], reason="Returned two"
        ),
    )

    text = text_of(render_invoice(note))

    assert "Credit note" in text
    assert "Before the correction" in text
    assert "After the correction" in text
    assert original.number in text
    assert "Returned two" in text
