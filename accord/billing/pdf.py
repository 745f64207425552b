"""An invoice as a PDF, drawn like a quote (the sales PDF's fonts, table and formats): seller and
buyer with their tax ids, dates of issue and sale, place, the lines (a correction's as they were and
as they become), VAT per rate, totals and the total in words, the VAT in the base currency of a
currency invoice, the split-payment marking and the payment details, in the invoice's language."""

from __future__ import annotations

import decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from accord.billing import countries
from accord.billing.models import Invoice, InvoiceKind, InvoiceLine
from accord.core import languages
from accord.core.money import amount_in_words, base_currency
from accord.core.pdf import ACCENT, FONT, INK, MUTED, RULE, SHADE, day, font_file, money, number
from accord.sales.pdf import QuotePDF, lines_table

# The words the Polish VAT act asks for (art. 106e ust. 1 pkt 18a), in Polish whatever the language.
SPLIT_PAYMENT_WORDS = "mechanizm podzielonej płatności"


def title(invoice: Invoice) -> str:
    if invoice.kind == InvoiceKind.PROFORMA:
        return pgettext("invoice title", "Pro-forma invoice")
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        return pgettext("invoice title", "Credit note")
    if invoice.kind == InvoiceKind.DEBIT_NOTE:
        return pgettext("invoice title", "Debit note")
    return pgettext("invoice title", "VAT invoice")


def render_invoice(invoice: Invoice) -> bytes:
    """The invoice's PDF in its language (the customer's when it was made)."""
    with languages.writing_in(invoice.language or languages.site_language()):
        return _render(invoice)


def file_name(invoice: Invoice) -> str:
    return f"{(invoice.number or 'draft').replace('/', '-')}.pdf"


def _party(pdf: QuotePDF, x: float, y: float, width: float, heading: str, name: str, rows: list[str]) -> float:
    pdf.set_xy(x, y)
    pdf.set_font(FONT, "B", 8)
    pdf.set_text_color(*ACCENT)
    pdf.cell(width, 5, heading.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, 5.5, name or "—", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    for row in rows:
        if row:
            pdf.multi_cell(width, 4.6, row, new_x=XPos.LEFT, new_y=YPos.NEXT)
    return pdf.get_y()


def _fact(pdf: QuotePDF, label: str, value: str, width: float) -> None:
    pdf.set_x(pdf.w - pdf.r_margin - width)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(width * 0.45, 5, label)
    pdf.set_font(FONT, "B", 9)
    pdf.set_text_color(*INK)
    pdf.cell(width * 0.55, 5, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _rows(lines: list[InvoiceLine], *, before: bool = False) -> list[list[str]]:
    rows = []
    for i, line in enumerate(lines, start=1):
        quantity = line.before_quantity if before else line.quantity
        price = line.before_unit_price if before else line.unit_price
        discount = line.before_discount_percent if before else line.discount_percent
        rate = line.before_vat_rate if before else line.vat_rate
        if before:
            net, gross = line.before_net, line.before_gross
        elif line.before_net is not None:
            net, gross = line.net + line.before_net, line.gross + (line.before_gross or 0)
        else:
            net, gross = line.net, line.gross
        if quantity is None or price is None or net is None or gross is None:
            continue
        rows.append(
            [
                str(i),
                line.description + (f"\n{line.sku}" if line.sku else ""),
                f"{number(quantity)} {line.unit_label}".strip(),
                money(price),
                f"{number(discount)}%" if discount else "—",
                countries.rate_label(rate or "0"),
                money(net),
                money(gross),
            ]
        )
    return rows


def _heading(pdf: QuotePDF, text: str, width: float) -> None:
    pdf.set_font(FONT, "B", 9)
    pdf.set_text_color(*INK)
    pdf.cell(width, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _render(invoice: Invoice) -> bytes:
    me: dict[str, Any] = dict(invoice.seller or {})
    pdf = QuotePDF(format="A4", unit="mm")
    label = invoice.number or _("Draft")
    pdf.footer_text = f"{me.get('name', '')} · {title(invoice)} {label}"
    pdf.set_title(f"{title(invoice)} {label}")
    pdf.set_author(str(me.get("name", "")))
    pdf.set_creator(str(settings.ACCORD_NAME))
    pdf.add_font(FONT, "", str(font_file("DejaVuSans.ttf")))
    pdf.add_font(FONT, "B", str(font_file("DejaVuSans-Bold.ttf")))
    pdf.set_margins(16, 16, 16)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    pdf.set_font(FONT, "B", 18)
    pdf.set_text_color(*INK)
    pdf.cell(width * 0.5, 10, title(invoice), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*MUTED)
    number_label = pgettext("document", "Number")
    pdf.cell(width * 0.5, 6, f"{number_label} {label}", new_x=XPos.LEFT, new_y=YPos.NEXT)
    if invoice.split_payment:
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*ACCENT)
        pdf.cell(width * 0.5, 6, SPLIT_PAYMENT_WORDS, new_x=XPos.LEFT, new_y=YPos.NEXT)
    facts_width = 78.0
    pdf.set_y(pdf.t_margin + 1)
    _fact(pdf, _("Date of issue"), day(invoice.issue_date), facts_width)
    _fact(pdf, _("Date of sale"), day(invoice.sale_date), facts_width)
    if invoice.place_of_issue:
        _fact(pdf, _("Place of issue"), invoice.place_of_issue, facts_width)
    if invoice.due_date:
        _fact(pdf, _("Due date"), day(invoice.due_date), facts_width)
    _fact(pdf, _("Currency"), invoice.currency, facts_width)

    top = max(pdf.get_y(), pdf.t_margin + 30) + 4
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, top, pdf.w - pdf.r_margin, top)
    pdf.set_line_width(0.2)
    column = (width - 10) / 2
    tax_label = _("Tax id")
    seller_rows = [str(me.get("address", "")), f"{tax_label}: {me['tax_id']}" if me.get("tax_id") else ""]
    seller_rows += [str(me.get("email", "")), str(me.get("phone", ""))]
    end_left = _party(pdf, pdf.l_margin, top + 5, column, _("Seller"), str(me.get("name", "")), seller_rows)
    buyer_rows = [*invoice.buyer_address.splitlines()]
    if invoice.buyer_tax_id:
        buyer_rows.append(f"{tax_label}: {invoice.buyer_tax_id}")
    end_right = _party(pdf, pdf.l_margin + column + 10, top + 5, column, _("Buyer"), invoice.buyer_name, buyer_rows)
    pdf.set_xy(pdf.l_margin, max(end_left, end_right) + 6)

    headings = ["#", _("Description"), _("Qty"), _("Unit price"), _("Disc."), _("VAT"), _("Net"), _("Gross")]
    lines = list(invoice.lines.all())
    if invoice.is_correction and invoice.corrects is not None:
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*INK)
        corrected = _("Corrects invoice %(number)s of %(date)s.") % {
            "number": invoice.corrects.number,
            "date": day(invoice.corrects.issue_date),
        }
        reason_label = _("Reason")
        pdf.multi_cell(width, 4.8, f"{corrected}\n{reason_label}: {invoice.correction_reason}")
        pdf.ln(2)
        _heading(pdf, _("Before the correction"), width)
        lines_table(pdf, headings, _rows(lines, before=True))
        pdf.ln(3)
        _heading(pdf, _("After the correction"), width)
        lines_table(pdf, headings, _rows(lines))
    else:
        lines_table(pdf, headings, _rows(lines))

    pdf.ln(6)
    summary_width = 120.0
    if pdf.will_page_break(8 * (len(invoice.vat_summary) + 7)):
        pdf.add_page()
    pdf.set_x(pdf.w - pdf.r_margin - summary_width)
    summary_heading = _("VAT summary (differences)") if invoice.is_correction else _("VAT summary")
    pdf.set_font(FONT, "B", 9)
    pdf.cell(summary_width, 6, summary_heading, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_x(pdf.w - pdf.r_margin - summary_width)
    in_base = invoice.exchange_rate is not None
    widths = (18, 26, 24, 26, 26) if in_base else (20, 33, 33, 34)
    with pdf.table(
        width=summary_width,
        align="RIGHT",
        col_widths=widths,
        text_align=("RIGHT",) * len(widths),
        headings_style=FontFace(emphasis="BOLD", color=MUTED),
        borders_layout="HORIZONTAL_LINES",
        line_height=5,
        padding=1.2,
    ) as table:
        pdf.set_font(FONT, "", 8.5)
        head = [_("VAT rate"), _("Net"), _("VAT"), _("Gross")]
        if in_base:
            head.append(_("VAT in %(currency)s") % {"currency": base_currency()})
        table.row(head)
        for row in invoice.vat_summary:
            cells = [countries.rate_label(row["rate"]), money(row["net"]), money(row["vat"]), money(row["gross"])]
            if in_base:
                cells.append(money(row["vat_base"]))
            table.row(cells)

    pdf.ln(3)
    for text, value, bold in (
        (_("Total net"), money(invoice.net_total, invoice.currency), False),
        (_("Total VAT"), money(invoice.vat_total, invoice.currency), False),
        (
            _("Difference to pay") if invoice.is_correction else _("Total to pay"),
            money(invoice.gross_total, invoice.currency),
            True,
        ),
    ):
        pdf.set_x(pdf.w - pdf.r_margin - summary_width)
        pdf.set_font(FONT, "B" if bold else "", 11 if bold else 9)
        if bold:
            pdf.set_fill_color(*SHADE)
        pdf.cell(summary_width * 0.5, 7 if bold else 5.5, text, fill=bold)
        pdf.cell(
            summary_width * 0.5, 7 if bold else 5.5, value, align="R", fill=bold, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*MUTED)
    spelled = "\xa0".join(amount_in_words(abs(invoice.gross_total), invoice.currency).rsplit(" ", 1))
    pdf.multi_cell(
        width, 5, _("In words: %(amount)s") % {"amount": spelled}, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    if in_base and invoice.exchange_rate_day is not None:
        pdf.set_text_color(*INK)
        rate_text = _("VAT in %(base)s: %(amount)s, at %(rate)s %(base)s per 1 %(currency)s of %(date)s%(table)s.") % {
            "base": base_currency(),
            "amount": money(invoice.vat_total_base or decimal.Decimal(0), base_currency()),
            "rate": number(invoice.exchange_rate or decimal.Decimal(0)),
            "currency": invoice.currency,
            "date": day(invoice.exchange_rate_day),
            "table": f" ({invoice.exchange_rate_table})" if invoice.exchange_rate_table else "",
        }
        pdf.multi_cell(width, 5, rate_text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.ln(6)
    pdf.set_draw_color(*RULE)
    pdf.set_text_color(*INK)
    if invoice.kind != InvoiceKind.PROFORMA or invoice.bank_account:
        _heading(pdf, _("Payment"), width)
        pdf.set_font(FONT, "", 9)
        rows = [f"{_('Payment method')}: {invoice.get_payment_method_display()}"]
        if invoice.due_date:
            rows.append(f"{_('Due date')}: {day(invoice.due_date)}")
        if invoice.bank_account:
            rows.append(f"{_('Bank account')}: {invoice.bank_account}")
        if invoice.split_payment:
            rows.append(SPLIT_PAYMENT_WORDS)
        pdf.multi_cell(width, 4.8, "\n".join(rows))
    if invoice.notes:
        pdf.ln(3)
        _heading(pdf, _("Notes"), width)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(width, 4.8, invoice.notes)
    if invoice.kind == InvoiceKind.PROFORMA:
        pdf.ln(3)
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(width, 4.8, _("A pro-forma invoice is not a VAT invoice and is not a basis for deducting VAT."))
    return bytes(pdf.output())
