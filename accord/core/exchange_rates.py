"""Exchange rates from the National Bank of Poland (NBP): its published tables read, stored in
``ExchangeRate`` (złoty per one unit of a currency, a row per currency and day), and the rate an
invoice in a foreign currency takes.

Three of NBP's own files are read, all with mid rates (tables A and B):

- a table as XML (``a001z260102.xml``): ``<tabela_kursow typ="A">`` with ``<numer_tabeli>``,
  ``<data_publikacji>`` and a ``<pozycja>`` per currency (``<kod_waluty>``, ``<przelicznik>``,
  ``<kurs_sredni>`` written with a decimal comma);
- the yearly archive as CSV (``archiwum_tab_a_2026.csv``): ``;``-separated, Windows-1250, a header
  of ``data`` and columns like ``1USD`` or ``100HUF`` (the number is how many units the rate is
  for), a row per day (``20260102``), the table's number at the end, and rows of notes at the end;
- a saved answer of NBP's JSON API (``/api/exchangerates/tables/A/`` or ``/rates/A/USD/``).

The stored rate is for one unit: ``kurs_sredni / przelicznik``. Importing is an upsert by
(currency, day): a file imported twice changes nothing the second time. The table number is
returned with each rate (``NbpRate.table_number``) but not stored: ``ExchangeRate`` has no column
for it.

Polish VAT converts an invoice's foreign amounts at the NBP mid rate of the last working day
before the day the tax is due: ``rate_before(currency, day)``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import decimal
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from accord.core import changes
from accord.core.event_types import ImportFinished
from accord.core.events import emit
from accord.core.models import AuditAction, AuditEntry, ExchangeRate, entity_label
from accord.core.money import base_currency, column_limit
from accord.core.tables import guess_single_byte

if TYPE_CHECKING:
    from accord.identity.models import User

NBP_BASE = "PLN"
TABLES = ("A", "B")
PLACES = Decimal(10) ** -ExchangeRate._meta.get_field("rate").decimal_places
RATE_LIMIT = column_limit(ExchangeRate._meta.get_field("rate"))
IMPORTER = "exchange_rates"
STALE_AFTER_DAYS = 10  # table B comes weekly; a Christmas or Easter break is shorter than this
_CURRENCY = re.compile(r"[A-Z]{3}")
_CSV_COLUMN = re.compile(r"(\d+)\s*([A-Za-z]{3})")
_TABLE_NUMBER = re.compile(r"\d+/([A-C])/NBP/\d{4}")
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class RatesFileError(ValueError):
    """A rates file that cannot be imported; ``where`` names the row or element. Nothing of the
    file is stored."""

    def __init__(self, message: str, *, where: str = "") -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class NoRate(LookupError):
    """No usable rate before the day asked for (the message says what to import)."""

    def __init__(self, message: str, *, currency: str, day: datetime.date) -> None:
        self.message = message
        self.currency = currency
        self.day = day
        super().__init__(message)


@dataclasses.dataclass(frozen=True, slots=True)
class NbpRate:
    """One currency's mid rate in one NBP table: ``rate`` złoty for one unit (``quoted`` for
    ``units`` units, as NBP writes it)."""

    currency: str
    day: datetime.date
    rate: Decimal
    table: str
    table_number: str
    units: int
    quoted: Decimal
    where: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class RatesImport:
    """What an import did: rows created, changed and already as the file has them."""

    created: int
    updated: int
    unchanged: int
    first_day: datetime.date | None
    last_day: datetime.date | None
    tables: tuple[str, ...]  # the table numbers the file gave, in order
    currencies: tuple[str, ...]
    audit_batch: str | None = None

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


# --- reading NBP's files ----------------------------------------------------------------------------


def parse_nbp(content: bytes | str, *, table: str | None = None) -> list[NbpRate]:
    """The rates in an NBP file (XML, archive CSV or JSON, told from the content). ``table``
    ("A" or "B"), when given, is the table the file must be; a file that does not say (an
    archive without numbers) is taken for it, else for table A."""
    wanted = table.upper() if table else None
    if wanted is not None and wanted not in TABLES:
        raise RatesFileError(
            _("Table %(table)s has no mid rates: import table A or B.") % {"table": wanted}
            if wanted == "C"
            else _("%(table)s is not an NBP table: choose A or B.") % {"table": table}
        )
    data = content.encode("utf-8") if isinstance(content, str) else content
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if not head:
        raise RatesFileError(_("The file is empty."))
    if head == b"<":
        rates = _parse_xml(data)
    elif head in (b"[", b"{"):
        rates = _parse_json(data)
    else:
        rates = _parse_csv(data, wanted or "A")
    if not rates:
        raise RatesFileError(_("The file has no exchange rates."))
    if wanted is not None:
        for rate in rates:
            if rate.table != wanted:
                raise RatesFileError(
                    _("this is table %(found)s, not table %(wanted)s.") % {"found": rate.table, "wanted": wanted},
                    where=rate.where,
                )
    _check_duplicates(rates)
    return rates


def _rate(
    *, currency: str, day: datetime.date, units: int, quoted: Decimal, table: str, number: str, where: str
) -> NbpRate:
    currency = currency.strip().upper()
    if not _CURRENCY.fullmatch(currency):
        raise RatesFileError(_("%(value)s is not a currency code.") % {"value": currency or '""'}, where=where)
    if currency == NBP_BASE:
        raise RatesFileError(_("PLN is the base currency and has no rate."), where=where)
    if units <= 0:
        raise RatesFileError(_("the number of units must be positive, not %(value)s.") % {"value": units}, where=where)
    if not quoted.is_finite() or quoted <= 0:
        raise RatesFileError(_("the rate must be positive, not %(value)s.") % {"value": quoted}, where=where)
    rate = (quoted / units).quantize(PLACES, rounding=decimal.ROUND_HALF_UP)
    if rate <= 0 or rate >= RATE_LIMIT:
        raise RatesFileError(_("the rate %(value)s cannot be stored.") % {"value": quoted}, where=where)
    return NbpRate(currency, day, rate, table, number, units, quoted, where)


def _number(text: str, where: str) -> Decimal:
    raw = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        return Decimal(raw)
    except decimal.InvalidOperation:
        raise RatesFileError(_("%(value)s is not a number.") % {"value": text.strip() or '""'}, where=where) from None


def _day(text: str, where: str) -> datetime.date:
    raw = text.strip()
    try:
        if re.fullmatch(r"\d{8}", raw):
            return datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise RatesFileError(_("%(value)s is not a date.") % {"value": raw or '""'}, where=where) from None


def _table_of(number: str, where: str) -> str:
    match = _TABLE_NUMBER.fullmatch(number.strip())
    if match is None:
        raise RatesFileError(
            _("%(value)s is not an NBP table number (like 001/A/NBP/2026).") % {"value": number.strip() or '""'},
            where=where,
        )
    return match.group(1)


def _parse_xml(data: bytes) -> list[NbpRate]:
    if _DECLARATION.search(data):
        raise RatesFileError(_("the file declares a DOCTYPE or entities, which NBP's tables never do; it is refused."))
    try:
        root = ET.fromstring(data)  # noqa: S314 (no DOCTYPE, so no entities)
    except ET.ParseError as exc:
        line, column = exc.position
        raise RatesFileError(
            _("the XML is malformed: %(problem)s") % {"problem": exc},
            where=_("line %(line)d, column %(column)d") % {"line": line, "column": column + 1},
        ) from exc
    except (LookupError, ValueError) as exc:
        # An encoding Python does not know, or a multi-byte one expat refuses.
        raise RatesFileError(
            _("the XML declares an encoding that cannot be read: %(problem)s") % {"problem": exc}
        ) from exc
    if root.tag != "tabela_kursow":
        raise RatesFileError(_("This XML file is not an NBP exchange rate table (<tabela_kursow>)."))
    number = (root.findtext("numer_tabeli") or "").strip()
    table = (root.get("typ") or "").upper() or (_table_of(number, "numer_tabeli") if number else "")
    if table not in TABLES:
        raise RatesFileError(
            _("Table %(table)s has no mid rates: import table A or B.") % {"table": table or "?"}, where="tabela_kursow"
        )
    published = root.findtext("data_publikacji") or root.findtext("data_notowania") or ""
    day = _day(published, "data_publikacji")
    rates = []
    for index, position in enumerate(root.findall("pozycja"), start=1):
        where = f"pozycja[{index}]"
        code = (position.findtext("kod_waluty") or "").strip()
        where = f"pozycja[{index}] ({code})" if code else where
        mid = position.findtext("kurs_sredni")
        if mid is None:
            raise RatesFileError(_("the kurs_sredni element (the mid rate) is missing."), where=where)
        units_text = (position.findtext("przelicznik") or "1").strip()
        if not units_text.isdigit():
            raise RatesFileError(_("%(value)s is not a number of units.") % {"value": units_text}, where=where)
        rates.append(
            _rate(
                currency=code,
                day=day,
                units=int(units_text),
                quoted=_number(mid, where),
                table=table,
                number=number,
                where=where,
            )
        )
    return rates


def _parse_json(data: bytes) -> list[NbpRate]:
    try:
        parsed = json.loads(data.decode("utf-8-sig"), parse_float=Decimal, parse_int=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RatesFileError(_("the JSON is malformed: %(problem)s") % {"problem": exc}) from exc
    rates: list[NbpRate] = []
    tables = parsed if isinstance(parsed, list) else [parsed]
    for t_index, entry in enumerate(tables):
        where = f"[{t_index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("rates"), list):
            raise RatesFileError(_("an NBP table with a list of rates was expected here."), where=where)
        table = str(entry.get("table") or "").upper()
        if table not in TABLES:
            raise RatesFileError(
                _("Table %(table)s has no mid rates: import table A or B.") % {"table": table or "?"}, where=where
            )
        code = entry.get(
            "code"
        )  # an answer for one currency: {"code": "USD", "rates": [{"no", "effectiveDate", "mid"}]}
        for r_index, item in enumerate(entry["rates"]):
            place = f"{where}.rates[{r_index}]"
            if not isinstance(item, dict):
                raise RatesFileError(_("a rate was expected here."), where=place)
            currency = str(item.get("code") or code or "")
            if currency:
                place = f"{place} ({currency})"
            mid = item.get("mid")
            if mid is None:
                raise RatesFileError(_("the mid rate (mid) is missing."), where=place)
            day_text = str(item.get("effectiveDate") or entry.get("effectiveDate") or "")
            rates.append(
                _rate(
                    currency=currency,
                    day=_day(day_text, place),
                    units=1,
                    quoted=mid if isinstance(mid, Decimal) else _number(str(mid), place),
                    table=table,
                    number=str(item.get("no") or entry.get("no") or ""),
                    where=place,
                )
            )
    return rates


def _parse_csv(data: bytes, table: str) -> list[NbpRate]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode(guess_single_byte(data), errors="replace")
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    if not rows or not rows[0] or rows[0][0].strip().lower() != "data":
        raise RatesFileError(
            _("This is not an NBP archive file: its first row should begin with the column data."), where=_("row 1")
        )
    header = [cell.strip() for cell in rows[0]]
    columns: list[tuple[int, str, int]] = []  # (index, currency, units)
    number_column = None
    for index, cell in enumerate(header[1:], start=1):
        if match := _CSV_COLUMN.fullmatch(cell):
            columns.append((index, match.group(2).upper(), int(match.group(1))))
        elif cell.lower() in ("pełny numer tabeli", "pelny numer tabeli"):
            number_column = index
    if not columns:
        raise RatesFileError(_("the header has no currency columns (like 1USD or 100HUF)."), where=_("row 1"))
    rates = []
    for line, row in enumerate(rows[1:], start=2):
        first = row[0].strip() if row else ""
        if not first or not first[0].isdigit():
            continue  # an empty row, or the notes NBP puts after the rates ("kod ISO", "nazwa waluty"...)
        where = _("row %(row)d") % {"row": line}
        day = _day(first, where)
        number = row[number_column].strip() if number_column is not None and number_column < len(row) else ""
        row_table = _table_of(number, where) if number else table
        for index, currency, units in columns:
            cell = row[index].strip() if index < len(row) else ""
            if not cell:
                continue  # not quoted that day
            place = f"{where} ({header[index]})"
            rates.append(
                _rate(
                    currency=currency,
                    day=day,
                    units=units,
                    quoted=_number(cell, place),
                    table=row_table,
                    number=number,
                    where=place,
                )
            )
    return rates


def _check_duplicates(rates: Iterable[NbpRate]) -> None:
    seen: dict[tuple[str, datetime.date], NbpRate] = {}
    for rate in rates:
        earlier = seen.setdefault((rate.currency, rate.day), rate)
        if earlier is not rate and earlier.rate != rate.rate:
            raise RatesFileError(
                _("%(currency)s on %(day)s has two rates in the file: %(first)s (%(where)s) and %(second)s.")
                % {
                    "currency": rate.currency,
                    "day": rate.day.isoformat(),
                    "first": earlier.rate,
                    "where": earlier.where,
                    "second": rate.rate,
                },
                where=rate.where,
            )


# --- storing ----------------------------------------------------------------------------------------


def import_rates(*, rates: Sequence[NbpRate], actor: User | None = None) -> RatesImport:
    """Upsert ``rates`` by (currency, day) in one transaction: new days created, changed rates
    updated (each audited, in one audit batch), equal ones left alone; one ``core.import.finished``
    event when anything changed."""
    if base_currency() != NBP_BASE:
        raise RatesFileError(
            _("NBP rates are in PLN, but Accord's base currency is %(currency)s: they cannot be stored.")
            % {"currency": base_currency()}
        )
    unique: dict[tuple[str, datetime.date], NbpRate] = {}
    for rate in rates:
        unique.setdefault((rate.currency, rate.day), rate)
    if not unique:
        return RatesImport(0, 0, 0, None, None, (), ())
    days = sorted({day for _currency, day in unique})
    currencies = sorted({currency for currency, _day in unique})
    numbers = tuple(dict.fromkeys(rate.table_number for rate in rates if rate.table_number))
    label = entity_label(ExchangeRate)
    with transaction.atomic(), changes.audit_batch() as batch:
        existing = {
            (row.currency, row.day): row
            for row in ExchangeRate.objects.select_for_update().filter(
                currency__in=currencies, day__gte=days[0], day__lte=days[-1]
            )
        }
        new: list[ExchangeRate] = []
        changed: list[tuple[ExchangeRate, Decimal]] = []
        for key, rate in sorted(unique.items()):
            row = existing.get(key)
            if row is None:
                new.append(ExchangeRate(currency=rate.currency, day=rate.day, rate=rate.rate))
            elif row.rate != rate.rate:
                changed.append((row, row.rate))
                row.rate = rate.rate
        ExchangeRate.objects.bulk_create(new, batch_size=1000)
        ExchangeRate.objects.bulk_update([row for row, _before in changed], ["rate"], batch_size=1000)
        actor_row = actor if getattr(actor, "pk", None) else None
        entries = [
            AuditEntry(
                id=changes.new_entry_id(),
                actor=actor_row,
                action=AuditAction.CREATE,
                entity=label,
                object_id=row.pk,
                object_repr=str(row)[:200],
                changes={
                    "currency": [None, row.currency],
                    "day": [None, row.day.isoformat()],
                    "rate": [None, str(row.rate)],
                },
            )
            for row in new
        ] + [
            AuditEntry(
                id=changes.new_entry_id(),
                actor=actor_row,
                action=AuditAction.UPDATE,
                entity=label,
                object_id=row.pk,
                object_repr=str(row)[:200],
                changes={"rate": [str(before), str(row.rate)]},
            )
            for row, before in changed
        ]
        AuditEntry.objects.bulk_create(entries, batch_size=1000)
        written = bool(new or changed)
        if written:
            emit(
                ImportFinished(
                    importer=IMPORTER,
                    dry_run=False,
                    written=True,
                    created=len(new),
                    updated=len(changed),
                    failed=0,
                    audit_batch=batch.key,
                ),
                actor=actor,
            )
    return RatesImport(
        created=len(new),
        updated=len(changed),
        unchanged=len(unique) - len(new) - len(changed),
        first_day=days[0],
        last_day=days[-1],
        tables=numbers,
        currencies=tuple(currencies),
        audit_batch=batch.key if written else None,
    )


def import_file(path: str | Path, *, table: str | None = None, actor: User | None = None) -> RatesImport:
    """Read an NBP file and import its rates (all or nothing)."""
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise RatesFileError(
            _("%(path)s cannot be read: %(problem)s") % {"path": path, "problem": exc.strerror}
        ) from exc
    return import_rates(rates=parse_nbp(content, table=table), actor=actor)


# --- reading ----------------------------------------------------------------------------------------


def rate_before(
    currency: str, day: datetime.date, *, stale_after: int | None = STALE_AFTER_DAYS
) -> tuple[Decimal, datetime.date]:
    """The latest rate of ``currency`` strictly before ``day`` and the day it is of: the previous
    working day's NBP table, as Polish VAT converts an invoice's amounts. The base currency is 1
    (dated the day before). A rate older than ``stale_after`` days means tables are missing and
    is an error too, rather than a quietly outdated conversion."""
    code = (currency or "").strip().upper()
    previous = day - datetime.timedelta(days=1)
    if code == base_currency():
        return Decimal(1), previous
    row = ExchangeRate.objects.filter(currency=code, day__lt=day).order_by("-day").only("rate", "day").first()
    if row is None:
        raise NoRate(
            _("There is no %(currency)s exchange rate before %(day)s: import the NBP tables of those days.")
            % {"currency": code, "day": day.isoformat()},
            currency=code,
            day=day,
        )
    if stale_after is not None and (day - row.day).days > stale_after:
        raise NoRate(
            _(
                "The latest %(currency)s exchange rate before %(day)s is from %(rate_day)s: import the NBP tables "
                "since then."
            )
            % {"currency": code, "day": day.isoformat(), "rate_day": row.day.isoformat()},
            currency=code,
            day=day,
        )
    return row.rate, row.day


def rows_summary(result: RatesImport) -> list[str]:
    """What an import did, in lines for the person who ran it."""
    lines = [
        _("Rates added: %(created)d, changed: %(updated)d, already up to date: %(unchanged)d.")
        % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    ]
    if result.first_day is not None and result.last_day is not None:
        lines.append(
            _("Days %(first)s to %(last)s, currencies: %(currencies)s.")
            % {
                "first": result.first_day.isoformat(),
                "last": result.last_day.isoformat(),
                "currencies": ", ".join(result.currencies),
            }
        )
    if result.tables:
        shown = result.tables if len(result.tables) <= 3 else (result.tables[0], "…", result.tables[-1])
        lines.append(_("Tables: %(numbers)s.") % {"numbers": ", ".join(shown)})
    return lines
