"""What every PDF Accord prints shares: the DejaVu fonts cut down to the scripts of its five
languages, the colours, and amounts, numbers and dates written as the reader's language writes them.

Quotes (sales), invoices (billing) and letters (messaging) are drawn with these."""

from __future__ import annotations

import datetime
import decimal
import functools
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.utils import formats, timezone
from fpdf import FPDF

from accord.core.money import format_money

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


def add_fonts(pdf: FPDF) -> None:
    """Register the regular and bold DejaVu faces under ``FONT``."""
    pdf.add_font(FONT, "", str(font_file("DejaVuSans.ttf")))
    pdf.add_font(FONT, "B", str(font_file("DejaVuSans-Bold.ttf")))
