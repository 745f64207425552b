"""Letters print with the address inside an envelope's window, each letter on its own sheets."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from accord.messaging.letters import (
    ADDRESS_HEIGHT,
    ADDRESS_LEFT,
    ADDRESS_TOP,
    ADDRESS_WIDTH,
    Letter,
    LetterError,
    render_batch,
    render_letter,
)

MM = 72 / 25.4  # PDF points per millimetre
SHEET_HEIGHT = 297 * MM

SENDER = ("Accord Sp. z o.o.", "ul. Prosta 1", "00-001 Warszawa")


def _letter(**changes: object) -> Letter:
    values: dict[str, object] = {
        "recipient": ("Hurtownia Kowalski", "Jan Kowalski", "ul. Długa 5/7", "31-147 Kraków"),
        "body": "Dear Sir,\n\nwe kindly remind you of invoice FV/2026/0012.\n\nRegards",
        "sender": SENDER,
        "subject": "Payment reminder",
        "place_and_date": "Warszawa, 6 December 2026",
        "reference": "FV/2026/0012",
        "language": "en",
    }
    values.update(changes)
    return Letter(**values)  # type: ignore[arg-type]


def _positions(page: object) -> list[tuple[str, float, float]]:
    """Each piece of text on the page with its position in millimetres from the top-left corner."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x / MM, (SHEET_HEIGHT - y) / MM))

    page.extract_text(visitor_text=visit)  # type: ignore[attr-defined]
    return found


def test_the_address_sits_in_the_window() -> None:
    reader = PdfReader(io.BytesIO(render_letter(_letter())))
    assert len(reader.pages) == 1
    positions = _positions(reader.pages[0])
    for line in ("Hurtownia Kowalski", "Jan Kowalski", "ul. Długa 5/7", "31-147 Kraków"):
        matches = [(x, y) for text, x, y in positions if text == line]
        assert matches, f"{line!r} not printed"
        x, y = matches[0]
        assert ADDRESS_LEFT <= x <= ADDRESS_LEFT + ADDRESS_WIDTH, (line, x)
        assert ADDRESS_TOP + 5 <= y <= ADDRESS_TOP + ADDRESS_HEIGHT, (line, y)
    # The return address is in the window's top strip, the text of the letter below the field.
    back = [(x, y) for text, x, y in positions if text.startswith("Accord Sp. z o.o., ul. Prosta 1")]
    assert back
    assert ADDRESS_TOP <= back[0][1] <= ADDRESS_TOP + 5
    body = [y for text, _x, y in positions if text.startswith("we kindly remind you")]
    assert body
    assert body[0] > ADDRESS_TOP + ADDRESS_HEIGHT


def test_a_batch_starts_each_letter_on_a_new_sheet_and_numbers_its_pages() -> None:
    long_body = "\n\n".join(f"Paragraph {n}: " + "the amount is still due. " * 20 for n in range(30))
    letters = [
        _letter(recipient=("First Customer", "Street 1", "00-001 Town")),
        _letter(recipient=("Second Customer", "Street 2", "00-002 Town"), body=long_body),
        _letter(recipient=("Третий клиент", "ул. Ленина 1", "101000 Москва"), language="ru"),
    ]
    reader = PdfReader(io.BytesIO(render_batch(letters)))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) >= 4  # the long letter takes more than one page
    starts = [i for i, text in enumerate(texts) if "Payment reminder" in text]
    assert len(starts) == 3
    assert "First Customer" in texts[starts[0]]
    assert "Second Customer" in texts[starts[1]]
    assert "Третий клиент" in texts[starts[2]]
    assert "101000 Москва" in texts[starts[2]]
    # Pages are numbered per letter: the second letter's second page is its page 2.
    assert "Page 2" in texts[starts[1] + 1]
    # ... and in the letter's own language, whatever the letter before it was written in.
    assert "Страница 1" in texts[starts[2]]
    assert "Page" not in texts[starts[2]]
    assert "Page 1" in texts[starts[1]]


def test_duplex_never_puts_two_letters_on_one_sheet() -> None:
    long_body = "\n\n".join("The amount is still due. " * 25 for _ in range(12))
    letters = [_letter(body=long_body), _letter(recipient=("Next One", "Road 2", "00-002 Town"))]
    simplex = PdfReader(io.BytesIO(render_batch(letters)))
    duplex = PdfReader(io.BytesIO(render_batch(letters, duplex=True)))
    first_length = next(i for i, page in enumerate(simplex.pages) if "Next One" in page.extract_text())
    assert first_length % 2 == 1  # the first letter takes an odd number of pages
    second = next(i for i, page in enumerate(duplex.pages) if "Next One" in page.extract_text())
    assert second % 2 == 0  # so in duplex the second one starts on the front of a sheet
    assert duplex.pages[second - 1].extract_text().strip() == ""
    assert len(duplex.pages) % 2 == 0


@pytest.mark.parametrize(
    ("recipient", "message"),
    [
        ((), "no address"),
        (("", "  "), "no address"),
        (tuple(f"line {n}" for n in range(7)), "at most 6"),
    ],
)
def test_a_letter_that_cannot_be_addressed_is_refused(recipient: tuple[str, ...], message: str) -> None:
    with pytest.raises(LetterError, match=message):
        render_batch([_letter(), _letter(recipient=recipient)])


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(LetterError, match="no letters"):
        render_batch([])
