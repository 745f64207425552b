"""Turning a statement file's bytes into text, and the small readers every format shares."""

from __future__ import annotations

import codecs
import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from accord.core.banking import try_normalize_iban
from accord.core.tables import guess_single_byte

from .types import StatementError

_SPACES = re.compile(r"\s+")
_POLISH = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


def decode(content: bytes | str) -> str:
    """The file's text: UTF-8 (a byte order mark dropped) when it decodes as such, else the
    likeliest Central/Eastern European code page (Polish banks still export Windows-1250, a few
    the DOS code page 852)."""
    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guessed = guess_single_byte(content)
    text = content.decode(guessed, errors="replace")
    if guessed in ("cp1250", "iso8859-2"):
        # Some Polish banks' MT940 files are still in the DOS code page 852, whose bytes
        # the Latin-2 code pages read as other symbols: the decoding with more Polish letters wins.
        dos = content.decode("cp852", errors="replace")
        if _polish_letters(dos) > _polish_letters(text):
            return dos
    return text


def _polish_letters(text: str) -> int:
    return sum(1 for c in text if c in _POLISH)


def squeeze(text: str | None) -> str:
    """``text`` on one line, runs of spaces made one."""
    return _SPACES.sub(" ", text or "").strip()


def account(text: str | None) -> str:
    """An account number as the bank wrote it, made a compact IBAN when it is a valid one (or a
    Polish NRB); otherwise kept without spaces, as given."""
    raw = squeeze(text).lstrip("/")
    return try_normalize_iban(raw) or raw.replace(" ", "")


def amount(text: str, *, where: str) -> Decimal:
    """A decimal amount written with a dot or a comma (``1 234,56``, ``-1234.56``)."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    if raw.count(",") == 1 and "." in raw:  # 1.234,56
        raw = raw.replace(".", "")
    raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or not raw:
        raise StatementError(_("%(value)s is not an amount.") % {"value": text.strip() or '""'}, where=where)
    return value


def iso_date(text: str, *, where: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise StatementError(_("%(value)s is not a date.") % {"value": text.strip() or '""'}, where=where) from exc
