"""Printed letters as PDF: one letter, or the day's batch as one document to print and post.

The page follows DIN 5008 form B, the layout window envelopes are made for (DL folded in three,
C5 folded once, C4 flat; the left window of Polish, Lithuanian and Romanian envelopes, 90 x 45 mm,
20 mm from the left): the recipient's address sits in the field 20 mm from the left edge and
45 mm from the top, 85 x 45 mm, with the sender's one-line return address at its top; fold marks
at 105 and 210 mm and a punch mark at the middle sit in the left margin. The text starts below the
address field. In a batch each letter starts on a new sheet; for double-sided printing
(``duplex``) a letter with an odd number of pages is followed by a blank one, so no sheet carries
the end of one letter and the start of the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from accord.core import languages
from accord.core.pdf import FONT, INK, MUTED, RULE, add_fonts

# DIN 5008 form B, in millimetres from the sheet's top-left corner.
ADDRESS_LEFT = 20.0
ADDRESS_TOP = 45.0
ADDRESS_WIDTH = 85.0
ADDRESS_HEIGHT = 45.0
RETURN_ADDRESS_HEIGHT = 5.0
ADDRESS_LINES = 6  # what the field holds below the return address at 9 pt
FOLD_MARKS = (105.0, 210.0)
PUNCH_MARK = 148.5
TEXT_TOP = 98.46  # the first line of text (DIN 5008 form B: 98.46 mm)
LEFT_MARGIN = 25.0
RIGHT_MARGIN = 20.0
BOTTOM_MARGIN = 22.0


class LetterError(ValueError):
    """A letter that cannot be printed so that it reaches its addressee."""


@dataclass(frozen=True)
class Letter:
    """One letter: who sends it, to whom, and what it says. ``recipient`` is the address block as
    the post reads it (name first, the town and postcode last); ``body`` is plain text with blank
    lines between paragraphs. ``language`` sets the words the page itself prints (page numbers)."""

    recipient: Sequence[str]
    body: str
    sender: Sequence[str] = ()
    subject: str = ""
    place_and_date: str = ""
    reference: str = ""
    language: str = ""
    closing: Sequence[str] = field(default_factory=tuple)

    def address_lines(self) -> list[str]:
        lines = [line.strip() for line in self.recipient if line and line.strip()]
        if not lines:
            raise LetterError(_("The letter has no address to print in the envelope's window."))
        if len(lines) > ADDRESS_LINES:
            raise LetterError(
                ngettext(
                    "The address has %(count)d line; an envelope's window shows at most %(most)d.",
                    "The address has %(count)d lines; an envelope's window shows at most %(most)d.",
                    len(lines),
                )
                % {"count": len(lines), "most": ADDRESS_LINES}
            )
        return lines


class _LetterPDF(FPDF):
    """Pages with the fold and punch marks, numbered per letter (not per batch)."""

    letter_first_page = 1
    footer_text = ""
    # Set while the letter's language is active: a page's footer is drawn when the next page
    # starts, which may already be the next letter's, in another language.
    page_label = "%(page)s"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.blank_pages: set[int] = set()

    def header(self) -> None:
        self.set_draw_color(*MUTED)
        self.set_line_width(0.2)
        for y in (*FOLD_MARKS, PUNCH_MARK):
            self.line(3, y, 8 if y != PUNCH_MARK else 10, y)

    def footer(self) -> None:
        if self.page_no() in self.blank_pages:
            return
        self.set_y(-14)
        self.set_draw_color(*RULE)
        self.line(LEFT_MARGIN, self.get_y(), self.w - RIGHT_MARGIN, self.get_y())
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.set_x(LEFT_MARGIN)
        self.cell(self.w - LEFT_MARGIN - RIGHT_MARGIN - 30, 8, self.footer_text, align="L")
        page = self.page_no() - self.letter_first_page + 1
        self.cell(30, 8, self.page_label % {"page": page}, align="R")


def render_letter(letter: Letter) -> bytes:
    """One letter's PDF."""
    return render_batch([letter])


def render_batch(letters: Sequence[Letter], *, duplex: bool = False, title: str = "") -> bytes:
    """The letters as one PDF, each starting on a new sheet. Raises ``LetterError`` before
    drawing anything if any letter cannot be addressed."""
    if not letters:
        raise LetterError(_("There are no letters to print."))
    for letter in letters:
        letter.address_lines()
    pdf = _LetterPDF(format="A4", unit="mm")
    pdf.set_creator("Accord")
    if title:
        pdf.set_title(title)
    add_fonts(pdf)
    pdf.set_margins(LEFT_MARGIN, 15, RIGHT_MARGIN)
    pdf.set_auto_page_break(True, margin=BOTTOM_MARGIN)
    for letter in letters:
        with languages.writing_in(letter.language or languages.site_language()):
            _draw(pdf, letter)
        if duplex and (pdf.page_no() - pdf.letter_first_page + 1) % 2:
            pdf.add_page()  # the back of the letter's last sheet stays empty
            pdf.blank_pages.add(pdf.page_no())
    return bytes(pdf.output())


def _draw(pdf: _LetterPDF, letter: Letter) -> None:
    pdf.letter_first_page = pdf.page_no() + 1
    pdf.page_label = _("Page %(page)s")
    pdf.footer_text = " · ".join(part for part in (letter.sender[0] if letter.sender else "", letter.reference) if part)
    pdf.add_page()
    width = pdf.w - LEFT_MARGIN - RIGHT_MARGIN

    # The sender's block, top right, outside the window.
    if letter.sender:
        pdf.set_xy(pdf.w - RIGHT_MARGIN - 75, 15)
        pdf.set_font(FONT, "B", 10)
        pdf.set_text_color(*INK)
        pdf.multi_cell(75, 5, letter.sender[0], align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*MUTED)
        for line in letter.sender[1:]:
            if line:
                pdf.multi_cell(75, 4.2, line, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)

    # The address field: the return address in small print, then the recipient.
    if letter.sender:
        pdf.set_xy(ADDRESS_LEFT, ADDRESS_TOP)
        pdf.set_font(FONT, "", 6.5)
        pdf.set_text_color(*MUTED)
        back = ", ".join(line for line in letter.sender if line)
        while back and pdf.get_string_width(back) > ADDRESS_WIDTH:
            back = back[:-2] + "…"
        pdf.cell(ADDRESS_WIDTH, RETURN_ADDRESS_HEIGHT, back)
        pdf.set_draw_color(*MUTED)
        pdf.line(
            ADDRESS_LEFT,
            ADDRESS_TOP + RETURN_ADDRESS_HEIGHT - 0.8,
            ADDRESS_LEFT + ADDRESS_WIDTH,
            ADDRESS_TOP + RETURN_ADDRESS_HEIGHT - 0.8,
        )
    pdf.set_xy(ADDRESS_LEFT, ADDRESS_TOP + RETURN_ADDRESS_HEIGHT + 12.7 - 6)
    pdf.set_text_color(*INK)
    for i, line in enumerate(letter.address_lines()):
        pdf.set_font(FONT, "B" if i == 0 else "", 10)
        # A long line is cut to the window rather than wrapped onto a line the window hides.
        while pdf.get_string_width(line) > ADDRESS_WIDTH:
            line = line[:-1]
        pdf.set_x(ADDRESS_LEFT)
        pdf.cell(ADDRESS_WIDTH, 4.8, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # Place and date, right-aligned above the text; the reference on the left.
    pdf.set_xy(LEFT_MARGIN, TEXT_TOP - 8)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*MUTED)
    if letter.reference:
        pdf.cell(width / 2, 5, letter.reference)
    if letter.place_and_date:
        pdf.set_xy(LEFT_MARGIN + width / 2, TEXT_TOP - 8)
        pdf.cell(width / 2, 5, letter.place_and_date, align="R")

    pdf.set_xy(LEFT_MARGIN, TEXT_TOP)
    pdf.set_text_color(*INK)
    if letter.subject:
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(width, 5.5, letter.subject, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)
    pdf.set_font(FONT, "", 10)
    for paragraph in _paragraphs(letter.body):
        pdf.multi_cell(width, 5, paragraph, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(2.5)
    if letter.closing:
        pdf.ln(4)
        for line in letter.closing:
            pdf.multi_cell(width, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _paragraphs(body: str) -> list[str]:
    """Paragraphs separated by blank lines; a single line break inside one is kept."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return []
    return [part.strip("\n") for part in text.split("\n\n") if part.strip()]
