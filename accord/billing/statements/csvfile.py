"""Statements exported by online banking as CSV, read through a column mapping.

Polish banks export ``;``-separated files, in Windows-1250 or UTF-8, with amounts written
``-1 234,56`` and a few lines about the account before the header row (mBank, Pekao) and totals
after the last booking. The header row is the first row that has the mapping's date and amount
columns; the account is the first IBAN or NRB written above it unless the caller names it.
Rows after the header that are empty, or have a cell beginning with ``#``, or name no date and no amount
(a totals line) are skipped; any other row that cannot be read is an error naming its line.

A file whose headers the built-in names do not fit is read through a mapping the user chose: one
header per field (``CsvMapping.chosen``), amounts in one column or in debit and credit columns,
one date format and one decimal separator. Then every chosen column must be in the header row,
else ``MappingError`` names the field.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import decimal
import re
import unicodedata
from collections.abc import Sequence

from django.utils.translation import gettext as _

from accord.core.banking import try_normalize_iban
from accord.core.money import base_currency

from .text import account, amount, decode, squeeze
from .types import MappingError, Statement, StatementError, StatementLine

FORMAT = "csv"
DELIMITERS = (";", ",", "\t")
HEADER_SCAN = 40  # rows looked at for the header; banks put a dozen lines above it at most
_ACCOUNT = re.compile(r"\b(?:[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?|\d{2}(?:\s?\d{4}){6})\b")
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%Y.%m.%d", "%d/%m/%Y", "%Y/%m/%d")
# The date formats a user may choose, as they are shown, and how they are read.
DATE_FORMATS = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "DD.MM.YYYY": "%d.%m.%Y",
    "DD-MM-YYYY": "%d-%m-%Y",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "YYYY.MM.DD": "%Y.%m.%d",
    "YYYY/MM/DD": "%Y/%m/%d",
    "DD.MM.YY": "%d.%m.%y",
    "YYYYMMDD": "%Y%m%d",
}
DECIMAL_SEPARATORS = (",", ".")


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
    debit: Sequence[str] = ()  # money out, in its own column (written with or without a minus)
    credit: Sequence[str] = ()  # money in
    date_format: str = ""  # a strptime pattern; "" tries the usual ones
    decimal_separator: str = ""  # "," or "."; "" tells from the amount
    chosen: bool = False  # a user's mapping: every column named must be in the header row

    def columns(self, headers: list[str]) -> dict[str, int] | None:
        """Field -> column index when ``headers`` has at least the date and an amount column."""
        normalized = [normalize_header(header) for header in headers]
        found: dict[str, int] = {}
        for field in _COLUMN_FIELDS:
            names = [normalize_header(name) for name in getattr(self, field)]
            for name in names:  # the mapping's order breaks ties ("data operacji" before "data")
                if name and name in normalized:
                    found[field] = normalized.index(name)
                    break
        has_amount = "amount" in found or "debit" in found or "credit" in found
        return found if "date" in found and has_amount else None

    def named(self) -> dict[str, str]:
        """The chosen mapping's field -> header (the first name of each field that has one)."""
        return {field: getattr(self, field)[0] for field in _COLUMN_FIELDS if getattr(self, field)}


_COLUMN_FIELDS = (
    "date",
    "amount",
    "debit",
    "credit",
    "currency",
    "title",
    "counterparty_name",
    "counterparty_account",
    "value_date",
    "reference",
)


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
        line = _line(row, columns, number, default_currency, mapping)
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


def header_row(content: bytes | str, mapping: CsvMapping | None = None) -> list[str]:
    """The header row ``mapping`` finds in the file (a ``StatementError`` when none fits)."""
    rows, header_at, _columns = _find_header(decode(content), mapping or CsvMapping(), None)
    return rows[header_at]


def rows_of(text: str, delimiter: str) -> list[list[str]]:
    try:
        return list(csv.reader(text.splitlines(), delimiter=delimiter))
    except csv.Error as exc:
        raise StatementError(_("the CSV file cannot be read: %(problem)s") % {"problem": exc}) from exc


@dataclasses.dataclass(frozen=True)
class Preview:
    """The first rows of a CSV file as they are shown before the columns are mapped: the
    separator that splits them best, the row taken for the headers and the rows after it."""

    delimiter: str
    rows: list[list[str]]
    header_at: int  # index in ``rows``; -1 when the file has no rows

    @property
    def headers(self) -> list[str]:
        return [squeeze(cell) for cell in self.rows[self.header_at]] if self.header_at >= 0 else []

    def samples(self, count: int = 5) -> list[list[str]]:
        width = len(self.headers)
        body = [row for row in self.rows[self.header_at + 1 :] if any(cell.strip() for cell in row)]
        return [[squeeze(cell) for cell in (row + [""] * width)[:width]] for row in body[:count]]


def preview(content: bytes | str) -> Preview:
    """The file's first rows and its likely header row: the one the built-in names find, else
    the first of the widest rows (banks put shorter lines about the account above it)."""
    text = decode(content)
    try:
        rows, header_at, _columns = _find_header(text, CsvMapping(), None)
    except StatementError:
        pass
    else:
        return Preview(_delimiter_of(text), rows[: HEADER_SCAN + 10], header_at)
    delimiter = _delimiter_of(text)
    rows = rows_of(text, delimiter)[: HEADER_SCAN + 10]
    widths = [sum(1 for cell in row if cell.strip()) for row in rows[:HEADER_SCAN]]
    widest = max(widths, default=0)
    return Preview(delimiter, rows, widths.index(widest) if widest else -1)


def _delimiter_of(text: str) -> str:
    """The separator that splits the first lines into the most columns."""
    head = "\n".join(text.splitlines()[:HEADER_SCAN])
    best, width = DELIMITERS[0], -1
    for candidate in DELIMITERS:
        found = max((len(row) for row in rows_of(head, candidate)), default=0)
        if found > width:
            best, width = candidate, found
    return best


def _find_chosen(text: str, mapping: CsvMapping, delimiter: str | None) -> tuple[list[list[str]], int, dict[str, int]]:
    """The header row with the most of the chosen columns; every one of them must be in it."""
    named = mapping.named()
    best: tuple[list[list[str]], int, dict[str, int]] | None = None
    for candidate in (delimiter,) if delimiter else DELIMITERS:
        rows = rows_of(text, candidate)
        for index, row in enumerate(rows[:HEADER_SCAN]):
            found = _partial(mapping, row)
            if best is None or len(found) > len(best[2]):
                best = (rows, index, found)
    if best is None or not best[0]:
        raise StatementError(_("The file is empty."))
    for field, header in named.items():
        if field not in best[2]:
            raise MappingError(
                field,
                _("“%(header)s” is not a column of this file.") % {"header": header},
            )
    return best


def _partial(mapping: CsvMapping, row: list[str]) -> dict[str, int]:
    normalized = [normalize_header(cell) for cell in row]
    return {
        field: normalized.index(normalize_header(getattr(mapping, field)[0]))
        for field in _COLUMN_FIELDS
        if getattr(mapping, field) and normalize_header(getattr(mapping, field)[0]) in normalized
    }


def _find_header(text: str, mapping: CsvMapping, delimiter: str | None) -> tuple[list[list[str]], int, dict[str, int]]:
    if mapping.chosen:
        return _find_chosen(text, mapping, delimiter)
    best: tuple[list[list[str]], int, dict[str, int]] | None = None
    for candidate in (delimiter,) if delimiter else DELIMITERS:
        rows = rows_of(text, candidate)
        for index, row in enumerate(rows[:HEADER_SCAN]):
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
            % {"date": " / ".join(mapping.date), "amount": " / ".join(mapping.amount), "count": HEADER_SCAN}
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


def _line(
    row: list[str], columns: dict[str, int], number: int, default_currency: str, mapping: CsvMapping
) -> StatementLine | None:
    where = _("line %(line)d") % {"line": number}
    if not any(cell.strip() for cell in row) or any(cell.lstrip().startswith("#") for cell in row):
        return None
    date_text = _cell(row, columns, "date")
    amount_text, debit_text, credit_text = (_cell(row, columns, f) for f in ("amount", "debit", "credit"))
    if not date_text and not (amount_text or debit_text or credit_text):
        return None  # a totals or note line
    if not date_text:
        raise StatementError(_("the date is empty."), where=where)
    currency_text = _cell(row, columns, "currency")
    if "amount" in columns:
        if not amount_text:
            raise StatementError(_("the amount is empty."), where=where)
        amount_text, currency_text = _currency_in(amount_text, currency_text)
        value = _amount(amount_text, mapping, where)
    else:
        if debit_text and credit_text and _amount(debit_text, mapping, where) and _amount(credit_text, mapping, where):
            raise StatementError(_("the row has both a debit and a credit."), where=where)
        if not debit_text and not credit_text:
            raise StatementError(_("the amount is empty: neither a debit nor a credit."), where=where)
        if credit_text and (not debit_text or _amount(credit_text, mapping, where)):
            credit_text, currency_text = _currency_in(credit_text, currency_text)
            value = abs(_amount(credit_text, mapping, where))
        else:
            debit_text, currency_text = _currency_in(debit_text, currency_text)
            value = -abs(_amount(debit_text, mapping, where))
    currency = (currency_text or default_currency).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise StatementError(_("%(value)s is not a currency code.") % {"value": currency_text}, where=where)
    value_text = _cell(row, columns, "value_date")
    return StatementLine(
        booking_date=_date(date_text, where, mapping.date_format),
        value_date=_date(value_text, where, mapping.date_format) if value_text else None,
        amount=value,
        currency=currency,
        counterparty_name=_cell(row, columns, "counterparty_name"),
        counterparty_iban=account(_cell(row, columns, "counterparty_account").strip("'")),
        title=_cell(row, columns, "title"),
        bank_reference=_cell(row, columns, "reference").strip("'"),
    )


def _currency_in(amount_text: str, currency_text: str) -> tuple[str, str]:
    """Some banks write the currency in the amount cell ("-1 234,56 PLN")."""
    if match := re.fullmatch(r"(.*?)\s*([A-Za-z]{3})", amount_text):
        return match.group(1), currency_text or match.group(2)
    return amount_text, currency_text


def _amount(text: str, mapping: CsvMapping, where: str) -> decimal.Decimal:
    """An amount read with the chosen decimal separator (the other one and spaces group digits)."""
    separator = mapping.decimal_separator
    if not separator:
        return amount(text, where=where)
    grouping = "." if separator == "," else ","
    raw = text.strip().replace("\u00a0", "").replace(" ", "").replace("'", "").replace(grouping, "")
    try:
        if raw.count(separator) > 1:
            raise StatementError("")
        return amount(raw.replace(separator, "."), where=where)
    except StatementError:
        raise StatementError(_("%(value)s is not an amount.") % {"value": text.strip()}, where=where) from None


def _date(text: str, where: str, chosen: str = "") -> datetime.date:
    if chosen:
        try:
            return datetime.datetime.strptime(text.split()[0] if text.split() else text, chosen).date()  # noqa: DTZ007
        except ValueError:
            shown = next((name for name, pattern in DATE_FORMATS.items() if pattern == chosen), chosen)
            raise StatementError(
                _("%(value)s is not a date written %(format)s.") % {"value": text or '""', "format": shown},
                where=where,
            ) from None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text[:10], pattern).date()  # noqa: DTZ007 (a calendar day)
        except ValueError:
            continue
    raise StatementError(
        _("%(value)s is not a date (expected e.g. 2026-01-31 or 31.01.2026).") % {"value": text}, where=where
    )
