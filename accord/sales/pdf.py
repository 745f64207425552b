"""A quote as a PDF: seller and customer, number and revision, dates, the lines, VAT per rate,
totals (the total to pay also in words), terms and page numbers, in the customer's language with
amounts formatted for it."""

from __future__ import annotations

import decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from fpdf.enums import TableCellFillMode, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from accord.core import languages
from accord.core.money import amount_in_words
from accord.core.pdf import ACCENT, FONT, INK, MUTED, RULE, SHADE, add_fonts, day, fit_headings, money, number
from accord.people import selectors as people_selectors
from accord.sales.models import Quote


def quote_language(quote: Quote) -> str:
    """The customer's language (``people.selectors.customer_language``): the deal's first
    contact's, else their main company's, else the deal's company's, else the site's."""
    from accord.sales.services.quotes import first_contact

    return people_selectors.customer_language(contact=first_contact(quote.deal), company=quote.deal.company)


def seller(quote: Quote | None = None) -> dict[str, str]:
    """The selling company's block: the one copied onto the quote when it was made, else (quotes
    made before any was configured) the Sales settings' seller details, themselves falling back
    to ``ACCORD_SELLER_*`` (name, address, tax_id, email, phone, bank_account); the product's
    name is the last fallback."""
    from accord.sales.services.quotes import seller_details

    stored: dict[str, Any] = dict(quote.seller or {}) if quote is not None else {}
    configured: dict[str, Any] = stored if stored.get("name") else seller_details()
    block = {"name": str(configured.get("name") or settings.ACCORD_NAME)}
    for key in ("address", "tax_id", "email", "phone", "bank_account"):
        block[key] = str(configured.get(key) or "")
    return block


class QuotePDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-14)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 8, self.footer_text, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 8, _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}, align="R")


def render_quote(quote: Quote) -> bytes:
    """The quote's PDF, in the customer's language."""
    with languages.writing_in(quote_language(quote)):
        return _render(quote)


def _label_value(pdf: FPDF, label: str, value: str, width: float) -> None:
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(width * 0.45, 5, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_font(FONT, "B", 9)
    pdf.set_text_color(*INK)
    pdf.cell(width * 0.55, 5, value, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_x(pdf.w - pdf.r_margin - width)


def _party(pdf: FPDF, x: float, y: float, width: float, title: str, name: str, rows: list[str]) -> float:
    pdf.set_xy(x, y)
    pdf.set_font(FONT, "B", 8)
    pdf.set_text_color(*ACCENT)
    pdf.cell(width, 5, title.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 11)
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, 5.5, name or "—", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*INK)
    for row in rows:
        if row:
            pdf.multi_cell(width, 4.6, row, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    return pdf.get_y()


def lines_table(pdf: FPDF, headings: list[str], rows: list[list[str]]) -> None:
    """The table of a quote's lines: ``headings`` over ``rows`` of eight cells each (number,
    description, quantity, unit price, discount, VAT rate, net, gross)."""
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    padding = 1.4
    sizes, widths = fit_headings(pdf, headings, [8, 56, 16, 24, 12, 11, 25, 26], padding=padding, flexible=1)
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(
        col_widths=widths,
        text_align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT),
        cell_fill_color=SHADE,
        cell_fill_mode=TableCellFillMode.ROWS,
        borders_layout="HORIZONTAL_LINES",
        line_height=5,
        padding=padding,
        first_row_as_headings=True,
        repeat_headings=1,
        wrapmode=WrapMode.WORD,
    ) as table:
        heading_row = table.row()
        for heading, size in zip(headings, sizes, strict=True):
            heading_row.cell(
                heading, style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT, size_pt=size)
            )
        for row in rows:
            table.row(row)


def _render(quote: Quote) -> bytes:
    me = seller(quote)
    pdf = QuotePDF(format="A4", unit="mm")
    pdf.footer_text = f"{me['name']} · {_('Quote')} {quote.label}"
    pdf.set_title(f"{_('Quote')} {quote.label}")
    pdf.set_author(me["name"])
    pdf.set_creator(str(settings.ACCORD_NAME))
    add_fonts(pdf)
    pdf.set_margins(16, 16, 16)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    # Title and the quote's facts, top right.
    pdf.set_font(FONT, "B", 20)
    pdf.set_text_color(*INK)
    pdf.cell(width * 0.5, 10, _("Quote"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*MUTED)
    # Labels are looked up outside f-strings: the message extractor does not read inside them.
    number_label = pgettext("document", "Number")
    pdf.cell(width * 0.5, 6, f"{number_label} {quote.label}", new_x=XPos.LEFT, new_y=YPos.NEXT)
    facts_width = 70.0
    pdf.set_xy(pdf.w - pdf.r_margin - facts_width, pdf.t_margin + 1)
    _label_value(pdf, pgettext("document", "Number"), quote.number, facts_width)
    _label_value(pdf, _("Revision"), str(quote.revision), facts_width)
    _label_value(pdf, _("Date"), day(quote.sent_at or quote.created_at), facts_width)
    _label_value(pdf, pgettext("quote", "Valid until"), day(quote.valid_until), facts_width)
    _label_value(pdf, _("Currency"), quote.currency, facts_width)

    top = max(pdf.get_y(), pdf.t_margin + 26) + 4
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, top, pdf.w - pdf.r_margin, top)
    pdf.set_line_width(0.2)

    # Seller and customer blocks side by side.
    column = (width - 10) / 2
    seller_rows = [
        me["address"],
        f"{_('Tax id')}: {me['tax_id']}" if me["tax_id"] else "",
        me["email"],
        me["phone"],
    ]
    rep = quote.created_by or quote.deal.owner
    if rep is not None:
        contact_label = _("Your contact")
        seller_rows.append(f"{contact_label}: {rep}" + (f", {rep.email}" if rep.email else ""))
    end_left = _party(pdf, pdf.l_margin, top + 5, column, _("Seller"), me["name"], seller_rows)
    customer_rows = [
        *quote.customer_address.splitlines(),
        f"{_('Tax id')}: {quote.customer_tax_id}" if quote.customer_tax_id else "",
    ]
    end_right = _party(
        pdf, pdf.l_margin + column + 10, top + 5, column, _("Customer"), quote.customer_name, customer_rows
    )
    pdf.set_xy(pdf.l_margin, max(end_left, end_right) + 8)

    # The lines.
    lines = list(quote.lines.all())
    lines_table(
        pdf,
        ["#", _("Description"), _("Qty"), _("Unit price"), _("Disc."), _("VAT"), _("Net"), _("Gross")],
        [
            [
                str(i),
                line.description + (f"\n{line.sku}" if line.sku else ""),
                f"{number(line.quantity)} {line.unit_label}".strip(),
                money(line.unit_price),
                f"{number(line.discount_percent)}%" if line.discount_percent else "—",
                f"{number(line.vat_rate)}%",
                money(line.net),
                money(line.gross),
            ]
            for i, line in enumerate(lines, start=1)
        ],
    )

    # VAT per rate and the totals, right-aligned under the table.
    pdf.ln(6)
    summary_width = 110.0
    by_rate: dict[decimal.Decimal, list[decimal.Decimal]] = {}
    for line in lines:
        bucket = by_rate.setdefault(line.vat_rate, [decimal.Decimal(0)] * 3)
        bucket[0] += line.net
        bucket[1] += line.vat
        bucket[2] += line.gross
    if pdf.will_page_break(8 * (len(by_rate) + 5)):
        pdf.add_page()
    pdf.set_x(pdf.w - pdf.r_margin - summary_width)
    pdf.set_font(FONT, "B", 9)
    pdf.set_text_color(*INK)
    pdf.cell(summary_width, 6, _("VAT summary"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_x(pdf.w - pdf.r_margin - summary_width)
    with pdf.table(
        width=summary_width,
        align="RIGHT",
        col_widths=(20, 30, 30, 30),
        text_align=("RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", color=MUTED),
        borders_layout="HORIZONTAL_LINES",
        line_height=5,
        padding=1.2,
    ) as table:
        pdf.set_font(FONT, "", 8.5)
        table.row([_("VAT rate"), _("Net"), _("VAT"), _("Gross")])
        for rate, (net, vat, gross) in sorted(by_rate.items(), reverse=True):
            table.row([f"{number(rate)}%", money(net), money(vat), money(gross)])

    pdf.ln(3)
    for label, value, bold in (
        (_("Total net"), money(quote.net_total, quote.currency), False),
        (_("Total VAT"), money(quote.vat_total, quote.currency), False),
        (_("Total to pay"), money(quote.gross_total, quote.currency), True),
    ):
        pdf.set_x(pdf.w - pdf.r_margin - summary_width)
        pdf.set_font(FONT, "B" if bold else "", 11 if bold else 9)
        if bold:
            pdf.set_fill_color(*SHADE)
        pdf.cell(summary_width * 0.5, 7 if bold else 5.5, label, fill=bold)
        pdf.cell(
            summary_width * 0.5, 7 if bold else 5.5, value, align="R", fill=bold, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    # The total to pay written out, as documents in Poland and its neighbours carry it.
    pdf.set_x(pdf.l_margin)
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*MUTED)
    # The hundredths stay on the line of the currency's name ("złotych 88/100").
    spelled = "\xa0".join(amount_in_words(quote.gross_total, quote.currency).rsplit(" ", 1))
    words = _("In words: %(amount)s") % {"amount": spelled}
    pdf.multi_cell(width, 5, words, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)

    # Terms and validity.
    pdf.ln(8)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(width, 6, _("Terms"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*INK)
    validity = _("This quote is valid until %(date)s.") % {"date": day(quote.valid_until)}
    pdf.multi_cell(width, 4.8, "\n".join(p for p in (quote.terms.strip(), validity) if p))
    if me["bank_account"]:
        pdf.ln(2)
        pdf.set_text_color(*MUTED)
        bank_label = _("Bank account")
        pdf.multi_cell(width, 4.8, f"{bank_label}: {me['bank_account']}", align="L")
    return bytes(pdf.output())
