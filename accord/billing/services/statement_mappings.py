"""How a bank's CSV export is read: the column mapping a user chose, checked and remembered.

A CSV statement has no fixed layout. When the built-in header names do not fit (or read the file
wrongly), the user maps the columns once: which header is the date, the amount (or the debit and
the credit), the currency, the title, the payer's name and account, the reference; how dates are
written and which decimal separator the amounts use; and, for files that do not say it, which of
our accounts the statement is of. The mapping is remembered for files with the same headers (the
bank's export keeps its shape), so the next one imports directly.

The screens and the API pass the same ``mapping`` object and get the same errors, keyed
``mapping.<field>``. Between the upload and the mapping screen the file waits in private storage
under a random name, told by a signed token only its uploader can use.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.billing import statements
from accord.billing.statements import csvfile
from accord.billing.statements.text import decode
from accord.core.banking import BankingError, normalize_iban
from accord.core.import_jobs import headers_key
from accord.core.models import ImportMapping

if TYPE_CHECKING:
    from accord.identity.models import User

IMPORTER = "bank-statements"  # the ImportMapping rows of statement files
UPLOADS = "statement-uploads"
UPLOAD_MAX_AGE = datetime.timedelta(days=2)
_SALT = "billing.statement-upload"

# The mapping's column fields, as the screens and the API name them, with the reader's field.
_FIELD_NAMES = (
    "date",
    "value_date",
    "amount",
    "debit",
    "credit",
    "currency",
    "title",
    "payer_name",
    "payer_account",
    "reference",
)
_READER_NAMES = {"payer_name": "counterparty_name", "payer_account": "counterparty_account"}
COLUMNS: dict[str, str] = {name: _READER_NAMES.get(name, name) for name in _FIELD_NAMES}
COLUMN_LABELS = {
    "date": gettext_lazy("Booking date"),
    "value_date": gettext_lazy("Value date"),
    "amount": gettext_lazy("Amount"),
    "debit": gettext_lazy("Debit (money out)"),
    "credit": gettext_lazy("Credit (money in)"),
    "currency": gettext_lazy("Currency"),
    "title": gettext_lazy("Title"),
    "payer_name": gettext_lazy("Payer's name"),
    "payer_account": gettext_lazy("Payer's account"),
    "reference": gettext_lazy("Bank reference"),
}
OPTIONS = ("date_format", "decimal_separator", "account")
DATE_FORMATS = tuple(csvfile.DATE_FORMATS)
DECIMAL_SEPARATORS = csvfile.DECIMAL_SEPARATORS


@dataclasses.dataclass(frozen=True)
class ChosenMapping:
    """A checked mapping: ``values`` as it is stored and shown, ``csv`` as the reader takes it."""

    values: dict[str, str]
    csv: statements.CsvMapping
    account: str


def clean_mapping(raw: Any) -> ChosenMapping:
    """The mapping a user sent, checked; ``ValidationError`` keyed ``mapping.<field>`` otherwise."""
    if not isinstance(raw, Mapping):
        raise ValidationError({"mapping": [_("The mapping must be an object of field names and column headers.")]})
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for key, value in raw.items():
        if key not in COLUMNS and key not in OPTIONS:
            errors[f"mapping.{key}"] = [
                _("This is not a field of the mapping. Use: %(fields)s.") % {"fields": ", ".join((*COLUMNS, *OPTIONS))}
            ]
        elif value is not None and not isinstance(value, str):
            errors[f"mapping.{key}"] = [_("Give it as text.")]
        elif value and value.strip():
            values[key] = value.strip()
    if "date" not in values:
        errors.setdefault("mapping.date", [_("Choose the column with the booking date.")])
    has_split = "debit" in values or "credit" in values
    if "amount" in values and has_split:
        errors.setdefault(
            "mapping.amount", [_("Choose either one amount column or the debit and credit columns, not both.")]
        )
    elif "amount" not in values and not has_split:
        errors.setdefault("mapping.amount", [_("Choose the amount column, or the debit and credit columns.")])
    used: dict[str, str] = {}
    for field in COLUMNS:
        header = values.get(field)
        if header is None:
            continue
        key = csvfile.normalize_header(header)
        if key in used:
            errors.setdefault(
                f"mapping.{field}",
                [_("“%(header)s” is already the column of %(field)s.") % {"header": header, "field": used[key]}],
            )
        used[key] = str(COLUMN_LABELS[field])
    if values.get("date_format") not in DATE_FORMATS:
        errors.setdefault(
            "mapping.date_format",
            [_("Choose how dates are written: %(formats)s.") % {"formats": ", ".join(DATE_FORMATS)}],
        )
    if values.get("decimal_separator") not in DECIMAL_SEPARATORS:
        errors.setdefault("mapping.decimal_separator", [_("Choose the decimal separator: “,” or “.”.")])
    account = ""
    if values.get("account"):
        try:
            account = normalize_iban(values["account"])
        except BankingError as exc:
            errors.setdefault("mapping.account", [str(exc.message)])
        else:
            values["account"] = account
    if errors:
        raise ValidationError(errors)
    csv_mapping = statements.CsvMapping(
        **{reader: ((values[field],) if field in values else ()) for field, reader in COLUMNS.items()},
        date_format=csvfile.DATE_FORMATS[values["date_format"]],
        decimal_separator=values["decimal_separator"],
        chosen=True,
    )
    return ChosenMapping(values=values, csv=csv_mapping, account=account)


def mapping_error(exc: statements.MappingError) -> ValidationError:
    """A reader's complaint about a chosen column as the error on that mapping field."""
    field = next((name for name, reader in COLUMNS.items() if reader == exc.field), exc.field)
    return ValidationError({f"mapping.{field}": [exc.message]})


# --- remembered per header signature -------------------------------------------------------------------


def _candidate_keys(content: bytes | str) -> list[str]:
    """The header signature of each of the file's first rows, under each separator, in the order a
    header is looked for."""
    text = decode(content)
    keys: list[str] = []
    for delimiter in csvfile.DELIMITERS:
        try:
            rows = csvfile.rows_of("\n".join(text.splitlines()[: csvfile.HEADER_SCAN]), delimiter)
        except statements.StatementError:
            continue
        keys.extend(headers_key(row) for row in rows if sum(1 for cell in row if cell.strip()) > 1)
    return keys


def remembered(content: bytes | str) -> ChosenMapping | None:
    """The mapping remembered for a file of this shape (same headers), if one was chosen before."""
    keys = _candidate_keys(content)
    if not keys:
        return None
    found = {
        row.headers_key: row.mapping
        for row in ImportMapping.objects.filter(importer=IMPORTER, headers_key__in=set(keys)).only(
            "headers_key", "mapping"
        )
    }
    for key in keys:
        if key in found:
            try:
                return clean_mapping(found[key])
            except ValidationError:
                return None  # a mapping of an older shape: chosen again on the screen
    return None


def remember(*, actor: User | None, content: bytes | str, chosen: ChosenMapping) -> None:
    """Keep ``chosen`` for the next file with this file's headers."""
    header = csvfile.header_row(content, chosen.csv)
    ImportMapping.objects.update_or_create(
        importer=IMPORTER,
        headers_key=headers_key(header),
        defaults={"mapping": chosen.values, "updated_by": actor if getattr(actor, "pk", None) else None},
    )


def guess(content: bytes | str) -> dict[str, str]:
    """What the mapping screen proposes first: the built-in names' reading of the headers (else
    the first column whose values are all dates, for the booking date), the date format and the
    decimal separator the first rows use."""
    shown = csvfile.preview(content)
    headers = shown.headers
    found = statements.CsvMapping().columns(headers) or {}
    values = {field: headers[found[reader]] for field, reader in COLUMNS.items() if reader in found}
    samples = shown.samples(20)

    def column(index: int) -> list[str]:
        return [row[index] for row in samples if row[index]]

    date_format = ""
    candidates = [found["date"]] if "date" in found else range(len(headers))
    for index in candidates:
        cells = column(index)
        date_format = next(
            (name for name, pattern in csvfile.DATE_FORMATS.items() if cells and all(_fits(c, pattern) for c in cells)),
            "",
        )
        if date_format:
            values.setdefault("date", headers[index])
            break
    values["date_format"] = date_format or DATE_FORMATS[0]
    amounts = [cell for reader in ("amount", "debit", "credit") if reader in found for cell in column(found[reader])]
    if not amounts:  # no amount column known: the cells that look like amounts
        amounts = [cell for row in samples for cell in row if _AMOUNT_LIKE.fullmatch(cell)]
    comma = not amounts or any(_COMMA_DECIMAL.search(a) for a in amounts)
    values["decimal_separator"] = "," if comma else "."
    return values


_AMOUNT_LIKE = re.compile(r"-?[\d .,\u00a0']*\d[.,]\d{2}")
_COMMA_DECIMAL = re.compile(r",\d{2}$")


def _fits(text: str, pattern: str) -> bool:
    try:
        datetime.datetime.strptime(text.split()[0], pattern)  # noqa: DTZ007 (a calendar day)
    except (ValueError, IndexError):
        return False
    return True


# --- the upload waiting for its mapping ----------------------------------------------------------------


def stash(*, actor: User, content: bytes, file_name: str) -> str:
    """Keep an uploaded file until its columns are mapped; the token tells it (to ``actor`` only)."""
    stored = default_storage.save(f"{UPLOADS}/{secrets.token_hex(16)}.csv", ContentFile(content))
    return signing.dumps({"n": stored, "f": file_name[:255], "u": str(actor.pk)}, salt=_SALT)


def _unsign(token: str, actor: User) -> dict[str, str]:
    try:
        data = signing.loads(token, salt=_SALT, max_age=UPLOAD_MAX_AGE)
    except signing.BadSignature:
        data = None
    if not isinstance(data, dict) or data.get("u") != str(actor.pk) or not default_storage.exists(data.get("n", "")):
        raise ValidationError({"file": [_("The uploaded file is no longer here: upload it again.")]})
    return data


def unstash(*, actor: User, token: str) -> tuple[bytes, str]:
    """The waiting file's bytes and name (an error on ``file`` when it is gone or not the actor's)."""
    data = _unsign(token, actor)
    with default_storage.open(data["n"], "rb") as handle:
        return handle.read(), data["f"]


def discard(*, actor: User, token: str) -> None:
    data = _unsign(token, actor)
    default_storage.delete(data["n"])


def prune_uploads() -> int:
    """Delete the uploads nobody mapped within two days (their tokens have expired)."""
    try:
        _dirs, files = default_storage.listdir(UPLOADS)
    except FileNotFoundError:
        return 0
    limit = timezone.now() - UPLOAD_MAX_AGE
    count = 0
    for name in files:
        path = f"{UPLOADS}/{name}"
        if default_storage.get_modified_time(path) < limit:
            default_storage.delete(path)
            count += 1
    return count
