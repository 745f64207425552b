"""MT940 statements (SWIFT), read with the mt-940 library, and the Polish banks' structured :86:.

The library reads the fields (``:25:`` account, ``:60F:``/``:62F:`` balances, ``:61:`` bookings).
Its own reading of a structured ``:86:`` is switched off (it drops the raw field), and this module
reads the sub-fields in both families. Polish banks (the ZBP standard: PKO BP, mBank, Pekao, ING,
Santander...) separate them with ``~`` or ``<``:

  <00 the kind of booking          <20..<25 the transfer title, in chunks
  <27..<29, <60..<63 counterparty name and address (mBank: <27 name, <28 street, <29 town)
  <32, <33 counterparty name (PKO BP, ING)   <30 bank routing number, <31 account
  <38 counterparty IBAN

German banks (the DFÜ agreement: Sparkasse, Deutsche Bank, Commerzbank...) use ``?``:

  ?00 the booking text             ?20..?29, ?60..?63 the remittance lines, SEPA-tagged
  ?30 the payer's bank code or BIC ?31 the payer's account or IBAN   ?32, ?33 the payer's name

SEPA remittance lines carry tags: ``SVWZ+`` the transfer title, ``EREF+`` the end-to-end
reference, and others (``KREF+``, ``MREF+``, ``CRED+``, ``ABWA+``...) that are not the title.

The bank cuts long values into fixed-width chunks, mid-word when it must, and wraps the field at
65 characters anywhere; a chunk as wide as the bank's chunks is therefore glued to the next one.
A file's bookings must add up from its opening to its closing balance: a cut-off file is an error,
never a shorter statement.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import mt940
from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from .text import account, decode, squeeze
from .types import Statement, StatementError, StatementLine

FORMAT = "mt940"
# A structured :86: : an optional three-digit booking code, then sub-fields "~NN" or "<NN".
_STRUCTURED = re.compile(r"^\s*(?:\d{3})?\s*([~<?])\d\d")
_FULL_CHUNK = 27  # the narrowest chunk Polish banks fill completely before cutting a value
_SEPA_EREF = re.compile(r"EREF\+(\S+)")
# The sub-fields of a structured :86:, "~NN value" or "<NN value", for either separator.
_SUBFIELDS = {mark: re.compile(rf"{re.escape(mark)}(\d\d)([^{re.escape(mark)}]*)") for mark in "~<?"}
# The SEPA tags a German remittance line may carry, and the tag that is the transfer title.
_SEPA_TAG = re.compile(r"\b(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|COAM|OAMT|PURP)\+")
_NO_REFERENCE = {"", "NOTPROVIDED", "NONREF"}
_GERMAN_REMITTANCE = (*(str(code) for code in range(20, 30)), "60", "61", "62", "63")
# The library's reading of the :86: field; ours keeps the raw field and reads every family.
_KEEP_DETAILS: dict[str, list[Any]] = {"post_transaction_details": []}


def looks_like(text: str) -> bool:
    return bool(re.search(r"^:20:", text, re.MULTILINE) and re.search(r"^:61:|^:60[FM]:", text, re.MULTILINE))


def parse(content: bytes | str) -> list[Statement]:
    """Every statement in an MT940 file (banks put one per day or account in a file)."""
    text = decode(content).replace("\r\n", "\n").replace("\r", "\n")
    if not re.search(r"^:20:", text, re.MULTILINE):
        raise StatementError(_("This is not an MT940 statement: it has no :20: field."))
    try:
        blocks = mt940.parse_statements(text, processors=_KEEP_DETAILS, options=mt940.Options.all())
    except RuntimeError as exc:
        raise _field_error(text, exc) from exc
    except (ValueError, ArithmeticError, LookupError, AttributeError, TypeError) as exc:
        # The library trips over some malformed fields in other ways than RuntimeError.
        raise StatementError(_("The MT940 file cannot be read: %(problem)s") % {"problem": exc}) from exc
    return [_statement(block, number, text) for number, block in enumerate(blocks, start=1)]


def _field_error(text: str, exc: RuntimeError) -> StatementError:
    # The library raises RuntimeError(message, tag, value) for a field its pattern refuses.
    tag = exc.args[1] if len(exc.args) > 1 else None
    value = str(exc.args[2]) if len(exc.args) > 2 else ""
    first = value.split("\n", 1)[0]
    line = _line_of(text, first)
    tag_id = getattr(tag, "id", "?")
    return StatementError(
        _("the :%(tag)s: field cannot be read: %(value)s") % {"tag": tag_id, "value": first[:80]},
        where=_("line %(line)d") % {"line": line} if line else "",
    )


def _line_of(text: str, fragment: str) -> int:
    at = text.find(fragment) if fragment else -1
    return text.count("\n", 0, at) + 1 if at >= 0 else 0


def _statement(block: Any, number: int, text: str) -> Statement:
    data = block.data
    reference = squeeze(data.get("transaction_reference"))
    where = _("statement %(number)d (%(reference)s)") % {"number": number, "reference": reference or "-"}
    if not data.get("account_identification"):
        raise StatementError(_("the :25: field (the account) is missing."), where=where)
    # A statement long enough to come in pages has :60M:/:62M: balances on the pages between.
    opening = (
        data.get("final_opening_balance") or data.get("intermediate_opening_balance") or data.get("opening_balance")
    )
    closing = (
        data.get("final_closing_balance") or data.get("intermediate_closing_balance") or data.get("closing_balance")
    )
    if opening is None or not hasattr(opening.amount, "amount"):
        raise StatementError(_("the :60F: field (the opening balance) is missing."), where=where)
    if closing is None or not hasattr(closing.amount, "amount"):
        raise StatementError(
            _("the :62F: field (the closing balance) is missing: the file may be cut off."), where=where
        )
    currency = str(opening.amount.currency or "").upper()
    lines = tuple(_line(transaction, currency, where, index) for index, transaction in enumerate(block, start=1))
    opening_amount = Decimal(opening.amount.amount)
    closing_amount = Decimal(closing.amount.amount)
    if opening_amount + sum((line.amount for line in lines), Decimal(0)) != closing_amount:
        raise StatementError(
            _(
                "the bookings do not add up: the opening balance %(opening)s plus the bookings (%(count)d) "
                "makes %(computed)s, but the closing balance is %(closing)s. The file may be incomplete."
            )
            % {
                "opening": opening_amount,
                "count": len(lines),
                "computed": opening_amount + sum((line.amount for line in lines), Decimal(0)),
                "closing": closing_amount,
            },
            where=where,
        )
    return Statement(
        account_iban=_own_account(data["account_identification"]),
        currency=currency,
        lines=lines,
        opening_balance=opening_amount,
        closing_balance=closing_amount,
        opening_date=_date(opening.date),
        closing_date=_date(closing.date),
        reference=reference,
        format=FORMAT,
    )


def _own_account(text: str) -> str:
    """The :25: account. German banks write it as bank code/account number ("10050000/0123456789"),
    which is one IBAN."""
    if match := re.fullmatch(r"\s*(\d{8})/(\d{1,10})\s*", text):
        return _german_account(match.group(1), match.group(2))
    return account(text)


def _date(value: Any) -> datetime.date | None:
    return datetime.date(value.year, value.month, value.day) if value is not None else None


def _line(transaction: Any, currency: str, where: str, index: int) -> StatementLine:
    data = transaction.data
    if "amount" not in data or data.get("date") is None:
        raise StatementError(
            _("booking %(index)d has :86: details but no :61: line before them.") % {"index": index}, where=where
        )
    details = details_86(data.get("transaction_details") or "")
    customer_reference = squeeze(data.get("customer_reference"))
    end_to_end = details.get("end_to_end_id") or (customer_reference if customer_reference != "NONREF" else "")
    value_date = _date(data["date"])
    booking_date = _date(data.get("entry_date")) or value_date
    assert booking_date is not None  # data["date"] was checked above
    return StatementLine(
        booking_date=booking_date,
        value_date=value_date,
        amount=Decimal(data["amount"].amount),
        currency=str(data.get("currency") or currency).upper(),
        counterparty_name=details.get("name", ""),
        counterparty_iban=details.get("iban", ""),
        counterparty_address=details.get("address", ""),
        title=details.get("title", ""),
        bank_reference=squeeze(data.get("bank_reference")),
        end_to_end_id=end_to_end,
    )


def details_86(text: str) -> dict[str, str]:
    """What a :86: field says: ``title``, ``name``, ``address``, ``iban``, ``kind``,
    ``end_to_end_id`` (only the keys it has). A free-text :86: is all title."""
    match = _STRUCTURED.match(text)
    if match is None:
        title = squeeze(text)
        found = {"title": title}
        if eref := _SEPA_EREF.search(title):
            found["end_to_end_id"] = eref.group(1)
        return found
    joined = text.replace("\r", "").replace("\n", "")
    fields: dict[str, list[str]] = {}
    for code, value in _SUBFIELDS[match.group(1)].findall(joined):
        fields.setdefault(code, []).append(value)
    if match.group(1) == "?":
        return _german(fields)

    def chunks(*codes: str) -> str:
        return _glue([value for code in codes if code in fields for value in fields[code]])

    found = {
        "kind": chunks("00"),
        "title": chunks("20", "21", "22", "23", "24", "25", "26"),
        "address": squeeze(" ".join(v for c in ("28", "29", "60", "61", "62", "63") for v in fields.get(c, []))),
    }
    found["name"] = chunks("32", "33") or chunks("27")
    if not fields.get("32") and not found["name"]:
        found["name"] = chunks("27", "28", "29")
    found["iban"] = _counterparty_account(chunks("38"), chunks("30"), chunks("31"))
    if eref := _SEPA_EREF.search(found["title"]):
        found["end_to_end_id"] = eref.group(1)
    return {key: value for key, value in found.items() if value}


def _german(fields: dict[str, list[str]]) -> dict[str, str]:
    """The sub-fields of a German (DFÜ) :86:."""
    remittance = _glue([value for code in _GERMAN_REMITTANCE for value in fields.get(code, [])])
    tagged = _sepa_tags(remittance)
    found = {
        "kind": _glue(fields.get("00", [])),
        "name": _glue([v for c in ("32", "33") for v in fields.get(c, [])]),
        "iban": _german_account(_glue(fields.get("30", [])), _glue(fields.get("31", []))),
    }
    if tagged is None:
        found["title"] = remittance
        if untagged := _SEPA_EREF.search(remittance):
            found["end_to_end_id"] = untagged.group(1)
    else:
        reference = tagged.get("EREF", "")
        if reference.upper() not in _NO_REFERENCE:
            found["end_to_end_id"] = reference
        # The title is what the payer wrote (SVWZ+); a line without one says what it has
        # untagged, else its end-to-end reference (a payer's own reference is often the invoice number).
        found["title"] = tagged.get("SVWZ") or tagged.get("") or found.get("end_to_end_id", "")
    return {key: value for key, value in found.items() if value}


def _sepa_tags(text: str) -> dict[str, str] | None:
    """A SEPA-tagged remittance text as tag -> value ("" for any text before the first tag),
    or None when it has no tags."""
    parts = _SEPA_TAG.split(text)
    if len(parts) == 1:
        return None
    tagged = {"": squeeze(parts[0])} if parts[0].strip() else {}
    for tag, value in zip(parts[1::2], parts[2::2], strict=True):
        tagged.setdefault(tag, squeeze(value))
    return tagged


def _german_account(bank: str, number: str) -> str:
    """The payer's IBAN from ?31 (an IBAN, or with ?30's eight-digit bank code an old German
    account number), else the account as given."""
    bank, number = bank.replace(" ", ""), number.replace(" ", "")
    if not number:
        return ""
    if len(bank) == 8 and bank.isdigit() and number.isdigit() and len(number) <= 10:
        try:
            return str(IBAN.generate("DE", bank_code=bank, account_code=number).compact)
        except SchwiftyException:
            return bank + number
    return account(number)


def _glue(parts: list[str]) -> str:
    """Chunks of one value put back together: a full-width chunk was cut, the others end a word."""
    if len(parts) < 2:
        return squeeze(parts[0]) if parts else ""
    text = previous = ""
    for part in parts:
        if not part.strip():
            continue
        if text and (len(previous) < _FULL_CHUNK or previous.endswith(" ") or part.startswith(" ")):
            text += " "
        text += part
        previous = part
    return squeeze(text)


def _counterparty_account(iban: str, routing: str, number: str) -> str:
    if not (iban or routing or number):
        return ""
    if iban:
        return account(iban)
    routing, number = routing.replace(" ", ""), number.replace(" ", "")
    if len(routing) == 8 and len(number) == 16 and (routing + number).isdigit():
        # The Polish routing number and account without check digits: the IBAN computes them.
        try:
            return str(IBAN.generate("PL", bank_code=routing, account_code=number).compact)
        except SchwiftyException:
            return routing + number
    return account(routing + number)
