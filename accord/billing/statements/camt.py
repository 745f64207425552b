"""camt.053 statements (ISO 20022 "Bank to Customer Statement"), versions 001.02 to 001.08.

Read with the standard library's ElementTree. A statement never needs a document type
declaration, and one is how entity-expansion attacks ("billion laughs") and external entities
get in, so any file declaring one is refused before it is parsed.

An entry (``Ntry``) that books a batch carries one ``TxDtls`` per transfer: each becomes its own
line, with its own amount, counterparty and title, and together they must make the entry's
amount. Only booked entries are read (``Sts`` BOOK; pending ones are not money yet).
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.utils.translation import gettext as _

from .text import account, amount, iso_date, squeeze
from .types import Statement, StatementError, StatementLine

FORMAT = "camt.053"
NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d\d)")
DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def looks_like(text_start: bytes) -> bool:
    return bool(NAMESPACE.search(text_start.decode("latin-1")))


def parse(content: bytes | str) -> list[Statement]:
    data = content.encode("utf-8") if isinstance(content, str) else content
    _guard(data)
    try:
        root = ET.fromstring(data)  # noqa: S314 (no DOCTYPE, so no entities: see _guard)
    except ET.ParseError as exc:
        line, column = exc.position
        raise StatementError(
            _("the XML is malformed: %(problem)s") % {"problem": exc.msg if hasattr(exc, "msg") else exc},
            where=_("line %(line)d, column %(column)d") % {"line": line, "column": column + 1},
        ) from exc
    except (LookupError, ValueError) as exc:
        # An encoding Python does not know, or a multi-byte one expat refuses.
        raise StatementError(
            _("the XML declares an encoding that cannot be read: %(problem)s") % {"problem": exc}
        ) from exc
    namespace = root.tag[1:].split("}", 1)[0] if root.tag.startswith("{") else ""
    if not NAMESPACE.fullmatch(namespace):
        raise StatementError(
            _("This XML file is not a camt.053 statement (its namespace is %(namespace)s).")
            % {"namespace": namespace or "-"}
        )
    for element in root.iter():
        element.tag = element.tag.rsplit("}", 1)[-1]
    report = root.find("BkToCstmrStmt")
    if report is None:
        raise StatementError(_("the BkToCstmrStmt element is missing."), where="Document")
    statements = report.findall("Stmt")
    if not statements:
        raise StatementError(_("the file has no Stmt element."), where="BkToCstmrStmt")
    return [_statement(stmt, f"Stmt[{number}]") for number, stmt in enumerate(statements, start=1)]


def _guard(data: bytes) -> None:
    if DECLARATION.search(data):
        raise StatementError(
            _("the file declares a DOCTYPE or entities, which a bank statement never does; it is refused.")
        )


def _text(element: ET.Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return squeeze(found.text) if found is not None and found.text else ""


def _required(element: ET.Element, path: str, where: str) -> str:
    value = _text(element, path)
    if not value:
        raise StatementError(_("the %(element)s element is missing or empty.") % {"element": path}, where=where)
    return value


def _signed(element: ET.Element, amount_path: str, indicator_path: str, where: str) -> tuple[Decimal, str]:
    """The amount under ``amount_path``, negative when ``indicator_path`` says DBIT, and its currency."""
    node = element.find(amount_path)
    if node is None or not (node.text or "").strip():
        raise StatementError(_("the %(element)s element is missing or empty.") % {"element": amount_path}, where=where)
    value = amount(node.text or "", where=f"{where}/{amount_path}")
    indicator = _text(element, indicator_path)
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError(
            _("%(element)s must be CRDT or DBIT, not %(value)s.")
            % {"element": indicator_path, "value": indicator or '""'},
            where=where,
        )
    return (-value if indicator == "DBIT" else value), (node.get("Ccy") or "").upper()


def _balance(stmt: ET.Element, codes: tuple[str, ...], where: str) -> tuple[Decimal | None, datetime.date | None]:
    for number, balance in enumerate(stmt.findall("Bal"), start=1):
        if _text(balance, "Tp/CdOrPrtry/Cd") in codes:
            place = f"{where}/Bal[{number}]"
            value, _currency = _signed(balance, "Amt", "CdtDbtInd", place)
            day = _text(balance, "Dt/Dt") or _text(balance, "Dt/DtTm")
            return value, iso_date(day, where=place) if day else None
    return None, None


def _statement(stmt: ET.Element, where: str) -> Statement:
    iban = _text(stmt, "Acct/Id/IBAN") or _text(stmt, "Acct/Id/Othr/Id")
    if not iban:
        raise StatementError(_("the account (Acct/Id/IBAN) is missing."), where=where)
    opening, opening_day = _balance(stmt, ("OPBD", "PRCD"), where)
    closing, closing_day = _balance(stmt, ("CLBD",), where)
    currency = _text(stmt, "Acct/Ccy").upper()
    lines: list[StatementLine] = []
    booked = Decimal(0)
    for number, entry in enumerate(stmt.findall("Ntry"), start=1):
        place = f"{where}/Ntry[{number}]"
        status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
        if status and status != "BOOK":
            continue
        entry_lines = _entry(entry, place, currency)
        booked += sum((line.amount for line in entry_lines), Decimal(0))
        lines.extend(entry_lines)
    if opening is not None and closing is not None and opening + booked != closing:
        raise StatementError(
            _(
                "the bookings do not add up: the opening balance %(opening)s plus the bookings (%(count)d) "
                "makes %(computed)s, but the closing balance is %(closing)s. The file may be incomplete."
            )
            % {"opening": opening, "count": len(lines), "computed": opening + booked, "closing": closing},
            where=where,
        )
    return Statement(
        account_iban=account(iban),
        currency=currency or (lines[0].currency if lines else ""),
        lines=tuple(lines),
        opening_balance=opening,
        closing_balance=closing,
        opening_date=opening_day,
        closing_date=closing_day,
        reference=_text(stmt, "Id") or _text(stmt, "ElctrncSeqNb"),
        format=FORMAT,
    )


def _entry(entry: ET.Element, where: str, account_currency: str) -> list[StatementLine]:
    total, currency = _signed(entry, "Amt", "CdtDbtInd", where)
    currency = currency or account_currency
    day = _text(entry, "BookgDt/Dt") or _text(entry, "BookgDt/DtTm")
    if not day:
        raise StatementError(_("the booking date (BookgDt) is missing."), where=where)
    booking_date = iso_date(day, where=f"{where}/BookgDt")
    value_day = _text(entry, "ValDt/Dt") or _text(entry, "ValDt/DtTm")
    value_date = iso_date(value_day, where=f"{where}/ValDt") if value_day else None
    entry_reference = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    details = [tx for entry_details in entry.findall("NtryDtls") for tx in entry_details.findall("TxDtls")]
    if not details:
        return [
            StatementLine(
                booking_date=booking_date,
                value_date=value_date,
                amount=total,
                currency=currency,
                title=_text(entry, "AddtlNtryInf"),
                bank_reference=entry_reference,
            )
        ]
    lines = []
    for number, tx in enumerate(details, start=1):
        place = f"{where}/TxDtls[{number}]"
        tx_amount = _transaction_amount(tx, place, total, len(details))
        credit = tx_amount > 0
        party = "Dbtr" if credit else "Cdtr"
        name = (
            _text(tx, f"RltdPties/{party}/Nm")
            or _text(tx, f"RltdPties/{party}/Pty/Nm")
            or _text(tx, f"RltdPties/Ultmt{party}/Nm")
            or _text(tx, f"RltdPties/Ultmt{party}/Pty/Nm")
        )
        address_node = tx.find(f"RltdPties/{party}/PstlAdr")
        if address_node is None:
            address_node = tx.find(f"RltdPties/{party}/Pty/PstlAdr")
        address = squeeze(" ".join((node.text or "") for node in address_node)) if address_node is not None else ""
        iban = _text(tx, f"RltdPties/{party}Acct/Id/IBAN") or _text(tx, f"RltdPties/{party}Acct/Id/Othr/Id")
        title = " ".join(
            [squeeze(node.text) for node in tx.findall("RmtInf/Ustrd") if node.text]
            + [squeeze(node.text) for node in tx.findall("RmtInf/Strd/CdtrRefInf/Ref") if node.text]
        )
        end_to_end = _text(tx, "Refs/EndToEndId")
        lines.append(
            StatementLine(
                booking_date=booking_date,
                value_date=value_date,
                amount=tx_amount,
                currency=currency,
                counterparty_name=name,
                counterparty_iban=account(iban) if iban else "",
                counterparty_address=address,
                title=title or _text(entry, "AddtlNtryInf"),
                bank_reference=_text(tx, "Refs/AcctSvcrRef") or entry_reference,
                end_to_end_id="" if end_to_end == "NOTPROVIDED" else end_to_end,
            )
        )
    if sum((line.amount for line in lines), Decimal(0)) != total:
        raise StatementError(
            _("the transactions of this batch make %(sum)s, but the entry's amount is %(total)s.")
            % {"sum": sum((line.amount for line in lines), Decimal(0)), "total": total},
            where=where,
        )
    return lines


def _transaction_amount(tx: ET.Element, where: str, entry_total: Decimal, count: int) -> Decimal:
    """A transaction's own amount (``Amt`` from version 3, ``AmtDtls/TxAmt/Amt`` in version 2),
    signed by its own indicator or the entry's; a lone transaction may leave it to the entry."""
    sign = -1 if entry_total < 0 else 1
    indicator = _text(tx, "CdtDbtInd")
    if indicator:
        sign = -1 if indicator == "DBIT" else 1
    for path in ("Amt", "AmtDtls/TxAmt/Amt"):
        node = tx.find(path)
        if node is not None and (node.text or "").strip():
            return sign * amount(node.text or "", where=f"{where}/{path}")
    if count == 1:
        return entry_total
    raise StatementError(_("a transaction of a batch has no amount (Amt or AmtDtls)."), where=where)
