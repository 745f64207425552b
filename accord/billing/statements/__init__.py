"""Bank statements read from the files banks give: MT940, camt.053 (XML) and CSV exports.

Every format gives the same result, a list of ``Statement`` (one per account and period in the
file), each with its ``StatementLine`` bookings, amounts signed (money in is positive). A file
that cannot be read raises ``StatementError`` naming the line or element and the problem, and
nothing of it is returned.

    from accord.billing import statements

    for statement in statements.parse(content):           # the format is told from the content
        for line in statement.credits: ...
    statements.parse(content, format="csv", csv_mapping=statements.CsvMapping(title=("Opis",)))
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import camt, csvfile, swift
from .csvfile import CsvMapping
from .types import MappingError, Statement, StatementError, StatementLine

__all__ = [
    "FORMATS",
    "CsvMapping",
    "MappingError",
    "Statement",
    "StatementError",
    "StatementLine",
    "detect",
    "parse",
]

FORMATS = (swift.FORMAT, camt.FORMAT, csvfile.FORMAT)
_SNIFF_BYTES = 4096


def detect(content: bytes | str) -> str:
    """The format of a statement file: ``"mt940"``, ``"camt.053"`` or ``"csv"``.

    XML that is not camt.053 and an empty file are errors; anything that is neither XML nor
    MT940 is taken for CSV (its reader says if no header row fits)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    head = data[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise StatementError(_("The file is empty."))
    if head.startswith(b"<"):
        if camt.looks_like(head) or camt.DECLARATION.search(head):
            return camt.FORMAT
        raise StatementError(_("This XML file is not a camt.053 bank statement."))
    text = head.decode("utf-8", errors="replace").replace("\r\n", "\n")
    if text.startswith("{1:") or swift.looks_like(text):
        return swift.FORMAT
    return csvfile.FORMAT


def parse(
    content: bytes | str,
    *,
    format: str | None = None,
    csv_mapping: CsvMapping | None = None,
    account_iban: str = "",
    currency: str = "",
) -> list[Statement]:
    """The statements in a file. ``format`` is detected unless given; ``csv_mapping``,
    ``account_iban`` and ``currency`` are for CSV, which has no fixed layout."""
    kind = format or detect(content)
    if kind == swift.FORMAT:
        return swift.parse(content)
    if kind == camt.FORMAT:
        return camt.parse(content)
    if kind == csvfile.FORMAT:
        return csvfile.parse(content, mapping=csv_mapping, account_iban=account_iban, currency=currency)
    raise StatementError(
        _("%(format)s is not a statement format Accord reads. Choose one of: %(choices)s.")
        % {"format": kind, "choices": ", ".join(FORMATS)}
    )
