"""Statements exported by online banking as CSV, read through a column mapping.

Polish banks export ``;``-separated files, in Windows-1250 or UTF-8, with amounts written
``-1 234,56`` and a few lines about the account before the header row (mBank, Pekao) and totals
after the last booking. The header row is the first row that has the mapping's date and amount
columns; the account is the first IBAN or NRB written above it unless the caller names it.
Rows after the header that are empty, or have a cell beginning with ``#``, or name no date and no amount
(a totals line) are skipped; any other row that cannot be read is an error naming its line.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import re
import unicodedata
from collections.abc import Sequence

from django.utils.translation import gettext as _

from accord.core.banking import try_normalize_iban
from accord.core.money import base_currency

from .text import account, amount, decode, squeeze
from .types import Statement, StatementError, StatementLine

FORMAT = "csv"
DELIMITERS = (";", ",", "\t")
_HEADER_SCAN = 40  # rows looked at for the header; banks put a dozen lines above it at most
_ACCOUNT = re.compile(r"\b(?:[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?|\d{2}(?:\s?\d{4}){6})\b")
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%Y.%m.%d", "%d/%m/%Y", "%Y/%m/%d")


def normalize_header(header: str) -> str:
    """A header as it is compared: letters and digits only, without case or accents."""
    folded = unicodedata.normalize("NFKD", header.casefold().replace("ł", "l"))
    return "".join(c for c in folded if c.isalnum())


@dataclasses.dataclass(frozen=True)
class CsvMapping:
    """Which column holds what: each field lists the header names it may have (compared
    without case, accents and punctuation). ``date`` and ``amount`` are required."""

    date: Sequence[str] = ("data ksiegowania", "data operacji", "data transakcji", "data", "booking date", "date")
    amount: Sequence[str] = ("kwota", "kwota operacji", "kwota transakcji", "amount")
    currency: Sequence[str] = ("waluta", "waluta operacji", "currency")
    title: Sequence[str] = ("tytul", "tytul operacji", "opis operacji", "opis", "title", "description", "details")
    counterparty_name: Sequence[str] = (
        "nadawca odbiorca",
        "odbiorca nadawca",
        "kontrahent",
        "nazwa kontrahenta",
        "dane kontrahenta",
        "counterparty",
        "name",
    )
    counterparty_account: Sequence[str] = (
        "rachunek kontrahenta",
        "numer rachunku",
        "nr rachunku",
        "numer konta",
        "rachunek nadawcy odbiorcy",
        "konto kontrahenta",
        "counterparty account",
        "account",
    )
    value_date: Sequence[str] = ("data waluty", "value date")
    reference: Sequence[str] = ("numer referencyjny", "referencje", "reference", "id transakcji")

    def columns(self, headers: list[str]) -> dict[str, int] | None:
        """Field -> column index when ``headers`` has at least the date and the amount."""
        normalized = [normalize_header(header) for header in headers]
        found: dict[str, int] = {}
        for field in dataclasses.fields(self):
            names = [normalize_header(name) for name in getattr(self, field.name)]
            for name in names:  # the mapping's order breaks ties ("data operacji" before "data")
                if name in normalized:
                    found[field.name] = normalized.index(name)
                    break
        return found if "date" in found and "amount" in found else None


def parse(
    content: bytes | str,
    *,
    mapping: CsvMapping | None = None,
    account_iban: str = "",
    currency: str = "",
    delimiter: str | None = None,
) -> list[Statement]:
    """The bookings of a CSV export as one statement (no balances: CSV exports rarely carry them
    in a readable place). ``currency`` is for rows of a file without a currency column (default:
    the base currency)."""
    mapping = mapping or CsvMapping()
    text = decode(content)
    rows, header_at, columns = _find_header(text, mapping, delimiter)
    lines: list[StatementLine] = []
    default_currency = (currency or base_currency()).upper()
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        line = _line(row, columns, number, default_currency)
        if line is not None:
            lines.append(line)
    found_account = account_iban or _account_above(rows[:header_at])
    currencies = {line.currency for line in lines}
    return [
        Statement(
            account_iban=account(found_account) if found_account else "",
            currency=currencies.pop() if len(currencies) == 1 else default_currency,
            lines=tuple(lines),
            format=FORMAT,
        )
    ]


def _find_header(text: str, mapping: CsvMapping, delimiter: str | None) -> tuple[list[list[str]], int, dict[str, int]]:
    best: tuple[list[list[str]], int, dict[str, int]] | None = None
    for candidate in (delimiter,) if delimiter else DELIMITERS:
        try:
            rows = list(csv.reader(text.splitlines(), delimiter=candidate))
        except csv.Error as exc:
            raise StatementError(_("the CSV file cannot be read: %(problem)s") % {"problem": exc}) from exc
        for index, row in enumerate(rows[:_HEADER_SCAN]):
            columns = mapping.columns(row)
            if columns is not None:
                if best is None or len(columns) > len(best[2]):
                    best = (rows, index, columns)
                break
    if best is None:
        raise StatementError(
            _(
                "No header row with a date column (%(date)s) and an amount column (%(amount)s) was found "
                "in the first %(count)d lines."
            )
            % {"date": " / ".join(mapping.date), "amount": " / ".join(mapping.amount), "count": _HEADER_SCAN}
        )
    return best


def _account_above(rows: list[list[str]]) -> str:
    for row in rows:
        for cell in row:
            for found in _ACCOUNT.findall(cell.upper()):
                if iban := try_normalize_iban(found):
                    return iban
    return ""


def _cell(row: list[str], columns: dict[str, int], field: str) -> str:
    index = columns.get(field)
    return squeeze(row[index]) if index is not None and index < len(row) else ""


def _line(row: list[str], columns: dict[str, int], number: int, default_currency: str) -> StatementLine | None:
    where = _("line %(line)d") % {"line": number}
    if not any(cell.strip() for cell in row) or any(cell.lstrip().startswith("#") for cell in row):
        return None
    date_text, amount_text = _cell(row, columns, "date"), _cell(row, columns, "amount")
    if not date_text and not amount_text:
        return None  # a totals or note line
    if not date_text:
        raise StatementError(_("the date is empty."), where=where)
    if not amount_text:
        raise StatementError(_("the amount is empty."), where=where)
    currency_text = _cell(row, columns, "currency")
    # Some banks write the currency in the amount cell ("-1 234,56 PLN").
    if match := re.fullmatch(r"(.*?)\s*([A-Za-z]{3})", amount_text):
        amount_text, currency_text = match.group(1), currency_text or match.group(2)
    currency = (currency_text or default_currency).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementError(_("%(value)s is not a currency code.") % {"value": currency_text}, where=where)
    value_text = _cell(row, columns, "value_date")
    return StatementLine(
        booking_date=_date(date_text, where),
        value_date=_date(value_text, where) if value_text else None,
        amount=amount(amount_text, where=where),
        currency=currency,
        counterparty_name=_cell(row, columns, "counterparty_name"),
        counterparty_iban=account(_cell(row, columns, "counterparty_account").strip("'")),
        title=_cell(row, columns, "title"),
        bank_reference=_cell(row, columns, "reference").strip("'"),
    )


def _date(text: str, where: str) -> datetime.date:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text[:10], pattern).date()  # noqa: DTZ007 (a calendar day)
        except ValueError:
            continue
    raise StatementError(
        _("%(value)s is not a date (expected e.g. 2026-01-31 or 31.01.2026).") % {"value": text}, where=where
    )
