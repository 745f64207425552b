"""A quote as a PDF: seller and customer, number and revision, dates, the lines, VAT per rate,
totals (the total to pay also in words), terms and page numbers, in the customer's language with
amounts formatted for it."""

from __future__ import annotations

import datetime
import decimal
import functools
import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from fpdf.enums import TableCellFillMode, WrapMode, XPos, YPos
from fpdf.fonts import FontFace

from accord.core import languages
from accord.core.money import amount_in_words, format_money
from accord.people import selectors as people_selectors
from accord.sales.models import Quote

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
# The scripts a quote is written in: Latin with its Polish, Lithuanian and Romanian letters,
# Greek, Cyrillic, punctuation, currency and number signs.
SCRIPTS = [
    (0x20, 0x24F),
    (0x259, 0x259),
    (0x2C6, 0x2DD),
    (0x370, 0x3FF),
    (0x400, 0x52F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x215F),
    (0x2190, 0x21FF),
    (0x2212, 0x2212),
]

# fontTools reports every table it subsets at INFO; a PDF is not news for the log.
logging.getLogger("fontTools").setLevel(logging.WARNING)
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (37, 99, 235)
RULE = (222, 226, 230)
SHADE = (243, 246, 250)


def quote_language(quote: Quote) -> str:
    """The customer's language (``people.selectors.customer_language``): the deal's first
    contact's, else their main company's, else the deal's company's, else the site's."""
    from accord.sales.services.quotes import first_contact

    return people_selectors.customer_language(contact=first_contact(quote.deal), company=quote.deal.company)


def money(amount: decimal.Decimal, currency: str = "") -> str:
    """An amount as the active language writes it: 1 234,50 zł in Polish, 1,234.50 PLN in English;
    without a currency (the table's cells), the number alone."""
    return format_money(amount, currency)


def number(value: decimal.Decimal) -> str:
    """A quantity or a rate without trailing zeros, in the active language's notation."""
    normal = value.normalize()
    places = max(0, -normal.as_tuple().exponent)  # type: ignore[operator]
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def day(value: datetime.date | datetime.datetime | None) -> str:
    """A date as the active language writes it; a moment is taken on the calendar of the app's
    time zone (a quote sent at 23:30 UTC is dated the next day in Warsaw)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATE_FORMAT", use_l10n=True)


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


HEADING_SIZE = 8.5
SMALLEST_HEADING = 7.0


def fit_headings(
    pdf: FPDF, headings: list[str], widths: list[float], *, padding: float, flexible: int
) -> tuple[list[float], list[float]]:
    """Font sizes and column widths with which no column heading breaks inside a word.

    A table cell wraps on spaces but cuts a word too long for its column ("jednostkow/a"). So a
    heading whose longest word does not fit is set smaller, down to ``SMALLEST_HEADING``; if it
    still does not fit, its column widens, taking the room from the ``flexible`` column (the
    description). Headings are wrapped on spaces only, then.
    """
    sizes: list[float] = []
    widths = list(widths)
    for i, heading in enumerate(headings):
        room = widths[i] - 2 * padding
        pdf.set_font(FONT, "B", HEADING_SIZE)
        widest = max((pdf.get_string_width(word) for word in heading.split()), default=0.0)
        size = HEADING_SIZE
        if widest > room:
            size = max(SMALLEST_HEADING, HEADING_SIZE * room / widest)
            size = int(size * 2) / 2  # half points
            size = max(SMALLEST_HEADING, size)
        sizes.append(size)
        pdf.set_font(FONT, "B", size)
        needed = max((pdf.get_string_width(word) for word in heading.split()), default=0.0) + 2 * padding + 0.5
        if needed > widths[i] and i != flexible:
            widths[flexible] -= needed - widths[i]
            widths[i] = needed
    return sizes, widths


@functools.cache
def font_file(name: str) -> Path:
    """``name`` cut down to SCRIPTS once per process: DejaVu has some 6,000 glyphs, and parsing them
    all cost most of a quote's rendering time. The full font is the fallback."""
    source = FONTS / name
    try:
        from fontTools import subset

        digest = hashlib.sha256(source.read_bytes() + repr(SCRIPTS).encode()).hexdigest()[:16]
        target = Path(tempfile.gettempdir()) / f"accord-{source.stem}-{digest}.ttf"
        if not target.exists():
            options = subset.Options()
            options.layout_features = ["*"]
            options.notdef_outline = True
            font = subset.load_font(str(source), options)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=[c for low, high in SCRIPTS for c in range(low, high + 1)])
            subsetter.subset(font)
            partial = target.with_suffix(f".{os.getpid()}.tmp")
            subset.save_font(font, str(partial), options)
            partial.replace(target)  # atomic: another process never reads half a font
        return target
    except Exception:  # a read-only temp dir, an odd font: the whole font still works
        logging.getLogger(__name__).warning("could not subset %s; using the whole font", source, exc_info=True)
        return source


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
    pdf.add_font(FONT, "", str(font_file("DejaVuSans.ttf")))
    pdf.add_font(FONT, "B", str(font_file("DejaVuSans-Bold.ttf")))
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
