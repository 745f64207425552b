"""Bank statement files read into one result, whatever the bank's format."""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from accord.billing import statements
from accord.billing.statements import CsvMapping, StatementError, StatementLine
from accord.billing.statements.swift import details_86

FILES = Path(__file__).parent / "statement_files"


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


# --- detection -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pko_bp.mt940", "mt940"),
        ("mbank.mt940", "mt940"),
        ("swift_plain.mt940", "mt940"),
        ("sparkasse_sepa.mt940", "mt940"),
        ("camt053_v02_batch.xml", "camt.053"),
        ("camt053_v08.xml", "camt.053"),
        ("mbank_export.csv", "csv"),
        ("plain_utf8.csv", "csv"),
    ],
)
def test_the_format_is_told_from_the_content(name: str, expected: str) -> None:
    assert statements.detect(read(name)) == expected


def test_other_xml_is_not_a_statement() -> None:
    with pytest.raises(StatementError, match=r"not a camt\.053"):
        statements.detect(b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>')


def test_empty_file_is_refused() -> None:
    with pytest.raises(StatementError, match="empty"):
        statements.parse(b"\r\n  ")


# --- MT940 -----------------------------------------------------------------------------------------


def test_pko_bp_mt940_in_windows_1250_with_tilde_subfields() -> None:
    [statement] = statements.parse(read("pko_bp.mt940"))

    assert statement.format == "mt940"
    assert statement.account_iban == "PL20102055581111123456789012"
    assert statement.currency == "PLN"
    assert (statement.opening_balance, statement.closing_balance) == (D("12345.67"), D("14040.66"))
    assert (statement.opening_date, statement.closing_date) == (datetime.date(2026, 1, 6), datetime.date(2026, 1, 7))
    assert statement.reference == "ST260107000001"
    assert [line.amount for line in statement.lines] == [D("1230.00"), D("615.00"), D("-250.00"), D("99.99")]
    first = statement.lines[0]
    assert first == StatementLine(
        booking_date=datetime.date(2026, 1, 7),
        value_date=datetime.date(2026, 1, 7),
        amount=D("1230.00"),
        currency="PLN",
        # ~32 and ~33 hold one name cut mid-word; the IBAN in ~38 is wrapped over two lines
        counterparty_name="KOWALSKI HANDEL SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ",
        counterparty_iban="PL27114020040000300201355387",
        counterparty_address="UL. PROSTA 1 00-001 WARSZAWA",
        title="FV/2026/0012 ZAPŁATA ZA FAKTURĘ",
        bank_reference="79800500123456",
        end_to_end_id="",
    )
    second = statement.lines[1]
    assert second.counterparty_name == "ŻABKA ŚWIĘTOKRZYSKA S.A."
    assert second.title == "fv 2026 13, FV-2026-0014"
    assert second.end_to_end_id == "E2E-2026-0107-01"
    assert statement.lines[3].counterparty_iban == ""
    assert [line.amount for line in statement.credits] == [D("1230.00"), D("615.00"), D("99.99")]


def test_mbank_mt940_with_angle_bracket_subfields() -> None:
    [statement] = statements.parse(read("mbank.mt940"))

    assert statement.account_iban == "PL27114020040000300201355387"
    first, debit, third = statement.lines
    assert first.counterparty_name == "Grzegorz Brzęczyszczykiewicz"
    assert first.counterparty_address == "ul. Długa 5 Chrząszczyżewoszyce"
    assert first.counterparty_iban == "PL61109010140000071219812874"
    assert first.title == "Opłata faktury fv/2026/0021 dziękujemy"
    assert first.bank_reference == "4D1Z260105001"
    assert debit.amount == D("-123.45")
    assert debit.counterparty_name == "Orange Polska S.A."
    # the NRB in <38 (no country code) becomes the PL IBAN
    assert third.counterparty_iban == "PL47105000997600000000000001"
    assert third.counterparty_address == "ul. Kwiatowa 12 30-001 Kraków"
    assert third.booking_date == datetime.date(2026, 1, 6)


def test_mt940_in_dos_code_page_852() -> None:
    dos = read("mbank.mt940").decode("utf-8").encode("cp852")

    [statement] = statements.parse(dos)

    assert statement.lines[0].counterparty_name == "Grzegorz Brzęczyszczykiewicz"
    assert statement.lines[0].title == "Opłata faktury fv/2026/0021 dziękujemy"


def test_plain_swift_file_with_two_statements_and_free_text_details() -> None:
    first, second = statements.parse(read("swift_plain.mt940"))

    assert first.account_iban == second.account_iban == "DE89370400440532013000"
    assert first.currency == "EUR"
    assert first.lines[0].title == "Payment of invoice FV-2026-0015 ACME GmbH"
    assert first.lines[0].end_to_end_id == "INV-0015"
    assert first.lines[1].end_to_end_id == ""  # NONREF
    assert second.opening_balance == D("11457.90")
    assert second.lines[0].title == "FV/2026/0016 and FV/2026/0017"


def test_a_middle_page_with_intermediate_balances() -> None:
    page = read("mbank.mt940").replace(b":60F:", b":60M:").replace(b":62F:", b":62M:")

    [statement] = statements.parse(page)

    assert (statement.opening_balance, statement.closing_balance) == (D("1000.00"), D("3376.55"))


def test_routing_and_account_subfields_make_an_iban_when_38_is_missing() -> None:
    details = details_86("020~00PRZELEW~20FV/1/2026~3011402004~310000300201355387~32FIRMA")

    assert details["iban"] == "PL27114020040000300201355387"
    assert details["name"] == "FIRMA"
    assert details["kind"] == "PRZELEW"


def test_sepa_end_to_end_reference_in_free_text() -> None:
    assert details_86("EREF+ABC-123 SVWZ+FV 2026 1")["end_to_end_id"] == "ABC-123"


def test_unreadable_mt940_field_names_its_line() -> None:
    broken = read("swift_plain.mt940").replace(b":61:2601050105D42,10", b":61:26XX050105D42,10")

    with pytest.raises(StatementError, match=r"line 9: the :61: field cannot be read: 26XX050105D42,10"):
        statements.parse(broken)


def test_cut_off_mt940_is_refused_not_shortened() -> None:
    text = read("mbank.mt940").decode()
    cut = text[: text.index(":61:2601060106")]

    with pytest.raises(StatementError, match="closing balance"):
        statements.parse(cut.encode())


def test_mt940_whose_bookings_do_not_add_up_is_refused() -> None:
    wrong = read("mbank.mt940").replace(b":61:2601050105C500,00", b":61:2601050105C50,00")

    with pytest.raises(StatementError, match=r"statement 1 \(MBANK\): the bookings do not add up"):
        statements.parse(wrong)


def test_mt940_without_account_is_refused() -> None:
    without = read("mbank.mt940").replace(b":25:PL27114020040000300201355387\n", b"")

    with pytest.raises(StatementError, match=":25: field"):
        statements.parse(without, format="mt940")


# --- camt.053 --------------------------------------------------------------------------------------


def test_camt053_v02_batch_gives_one_line_per_transaction() -> None:
    [statement] = statements.parse(read("camt053_v02_batch.xml"))

    assert statement.format == "camt.053"
    assert statement.account_iban == "PL20102055581111123456789012"
    assert (statement.opening_balance, statement.closing_balance) == (D("14040.66"), D("16420.66"))
    assert statement.reference == "STMT-2026-0008"
    # the pending entry (Sts PDNG) is left out
    assert [line.amount for line in statement.lines] == [D("1500.00"), D("1000.00"), D("-120.00")]
    kowalski, zabka, internet = statement.lines
    assert kowalski.counterparty_name == "Kowalski Handel Sp. z o.o."
    assert kowalski.counterparty_iban == "PL27114020040000300201355387"
    assert kowalski.counterparty_address == "ul. Prosta 1 00-001 Warszawa"
    assert kowalski.title == "FV/2026/0031"
    assert kowalski.end_to_end_id == "E2E-KOW-0031"
    assert kowalski.bank_reference == "PEKAO2601080000001-1"
    assert zabka.counterparty_iban == "PL47105000997600000000000001"
    assert zabka.title == "Zapłata FV 2026 32 i częściowo FV 2026 33"
    assert zabka.end_to_end_id == ""  # NOTPROVIDED
    # a debit's counterparty is the creditor; its single transaction takes the entry's amount
    assert internet.counterparty_name == "Dostawca Internetu Sp. z o.o."
    assert internet.bank_reference == "PEKAO2601080000002"


def test_camt053_v08_with_party_names_and_structured_reference() -> None:
    [statement] = statements.parse(read("camt053_v08.xml"))

    assert statement.opening_balance == D("-500.00")  # PRCD, DBIT
    assert statement.closing_balance == D("1250.50")
    [line] = statement.lines
    assert line.booking_date == datetime.date(2026, 1, 9)  # from BookgDt/DtTm
    assert line.value_date == datetime.date(2026, 1, 10)
    assert line.counterparty_name == "ACME GmbH"
    assert line.counterparty_iban == "DE02120300000000202051"
    assert line.title == "FV-2026-0040"
    assert line.end_to_end_id == "ACME-PAY-2026-77"
    assert line.currency == "EUR"


def test_camt053_with_a_doctype_is_refused_before_parsing() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&lol2;</BkToCstmrStmt>'
        b"</Document>"
    )

    with pytest.raises(StatementError, match="DOCTYPE"):
        statements.parse(bomb)


def test_malformed_camt053_names_line_and_column() -> None:
    broken = read("camt053_v08.xml").replace(b"</Ntry>", b"</Ntri>")

    with pytest.raises(StatementError, match=r"line 4\d, column \d+: the XML is malformed"):
        statements.parse(broken)


def test_camt053_in_an_unknown_encoding() -> None:
    broken = read("camt053_v08.xml").replace(b'encoding="UTF-8"', b'encoding="UTF-ZZ"')

    with pytest.raises(StatementError, match="encoding that cannot be read"):
        statements.parse(broken)


def test_camt053_bad_amount_names_the_element() -> None:
    broken = read("camt053_v02_batch.xml").replace(b'<Amt Ccy="PLN">1000.00</Amt>', b'<Amt Ccy="PLN">1 000.x</Amt>')

    with pytest.raises(
        StatementError, match=r"Stmt\[1\]/Ntry\[1\]/TxDtls\[2\]/AmtDtls/TxAmt/Amt: 1 000.x is not an amount"
    ):
        statements.parse(broken)


def test_camt053_batch_that_does_not_make_its_entry_is_refused() -> None:
    broken = read("camt053_v02_batch.xml").replace(b'<Amt Ccy="PLN">1000.00</Amt>', b'<Amt Ccy="PLN">900.00</Amt>')

    with pytest.raises(StatementError, match=r"Stmt\[1\]/Ntry\[1\]: the transactions of this batch make 2400.00"):
        statements.parse(broken)


def test_camt053_wrong_indicator_is_named() -> None:
    broken = read("camt053_v08.xml").replace(b"<CdtDbtInd>DBIT</CdtDbtInd>", b"<CdtDbtInd>MINUS</CdtDbtInd>")

    with pytest.raises(StatementError, match=r"Stmt\[1\]/Bal\[1\]: CdtDbtInd must be CRDT or DBIT, not MINUS"):
        statements.parse(broken)


def test_camt053_missing_booking_date() -> None:
    broken = read("camt053_v08.xml").replace(b"<BookgDt><DtTm>2026-01-09T10:12:00+01:00</DtTm></BookgDt>", b"")

    with pytest.raises(StatementError, match=r"Stmt\[1\]/Ntry\[1\]: the booking date"):
        statements.parse(broken)


# --- CSV -------------------------------------------------------------------------------------------


def test_mbank_csv_export_in_windows_1250_with_preamble_and_totals() -> None:
    [statement] = statements.parse(read("mbank_export.csv"))

    assert statement.format == "csv"
    assert statement.account_iban == "PL27114020040000300201355387"  # from the lines above the header
    assert statement.currency == "PLN"
    assert statement.opening_balance is None
    assert [line.amount for line in statement.lines] == [D("500.00"), D("-123.45"), D("2000.00")]
    first = statement.lines[0]
    assert first.booking_date == datetime.date(2026, 1, 5)
    assert first.title == "Faktura FV/2026/0021"
    assert first.counterparty_name == "Grzegorz Brzęczyszczykiewicz ul. Długa 5"
    assert first.counterparty_iban == "PL61109010140000071219812874"
    assert statement.lines[2].title == "FV 2026 22; FV 2026 23"


def test_plain_csv_with_dots_and_a_currency_column() -> None:
    [statement] = statements.parse(read("plain_utf8.csv"), account_iban="DE89 3704 0044 0532 0130 00")

    assert statement.account_iban == "DE89370400440532013000"
    assert statement.currency == "EUR"
    first, fee = statement.lines
    assert first.amount == D("1250.00")
    assert first.value_date == datetime.date(2026, 2, 3)
    assert first.counterparty_iban == "DE02120300000000202051"
    assert first.bank_reference == "REF-1"
    assert fee.amount == D("-15.00")


def test_csv_with_its_own_mapping_and_day_first_dates() -> None:
    content = "Dzień;Wartość;Opis;Płatnik\n31.01.2026;1 234,56 PLN;FV/2026/0100;Firma X\n".encode("cp1250")

    [statement] = statements.parse(
        content,
        format="csv",
        csv_mapping=CsvMapping(date=("Dzień",), amount=("Wartość",), title=("Opis",), counterparty_name=("Płatnik",)),
    )

    [line] = statement.lines
    assert line.booking_date == datetime.date(2026, 1, 31)
    assert line.amount == D("1234.56")
    assert line.currency == "PLN"
    assert line.title == "FV/2026/0100"
    assert line.counterparty_name == "Firma X"


def test_csv_without_a_currency_takes_the_given_one() -> None:
    [statement] = statements.parse(b"data;kwota\n2026-01-02;10,00\n", currency="eur")

    assert statement.lines[0].currency == "EUR"


def test_csv_without_header_says_what_it_looked_for() -> None:
    with pytest.raises(StatementError, match="No header row with a date column"):
        statements.parse(b"a;b;c\n1;2;3\n")


def test_csv_bad_row_names_its_line_and_nothing_is_returned() -> None:
    content = "data;kwota;tytuł\n2026-01-02;10,00;ok\n2026-13-45;5,00;zła data\n"

    with pytest.raises(StatementError, match=r"line 3: 2026-13-45 is not a date"):
        statements.parse(content.encode())


def test_csv_bad_amount_names_its_line() -> None:
    with pytest.raises(StatementError, match=r"line 2: dziesięć is not an amount"):
        statements.parse("data;kwota\n2026-01-02;dziesięć\n".encode())


def test_csv_row_without_date_is_an_error() -> None:
    with pytest.raises(StatementError, match=r"line 3: the date is empty"):
        statements.parse(b"data;kwota;tytul\n2026-01-02;10,00;a\n;5,00;b\n")


def test_unknown_format_is_refused() -> None:
    with pytest.raises(StatementError, match="not a statement format"):
        statements.parse(b"x", format="ofx")


def test_statement_error_carries_where_and_message() -> None:
    with pytest.raises(StatementError) as caught:
        statements.parse(b"data;kwota\n2026-01-02;x\n")

    assert caught.value.where == "line 2"
    assert caught.value.message == "x is not an amount."


# --- German MT940 (DFÜ ?-sub-fields) ----------------------------------------------------------------


def test_german_mt940_with_question_mark_subfields_and_sepa_tags() -> None:
    [statement] = statements.parse(read("sparkasse_sepa.mt940"))

    # :25: as bank code/account number is the account's IBAN
    assert statement.account_iban == "DE17100500000123456789"
    assert (statement.currency, statement.closing_balance) == ("EUR", D("6465.10"))
    sepa, debit, domestic, untitled = statement.lines
    # ?20..?22 glued (a full 27-character chunk was cut mid-word), SVWZ+ is the title, EREF+ the reference
    assert sepa.title == "Rechnung FV/2026/0031 vom 05.01.2026 Kd-Nr. 4711"
    assert sepa.end_to_end_id == "RE-2026-0042"
    # ?32 + ?33, the name cut between them
    assert sepa.counterparty_name == "Müller & Söhne Werkzeugbau GmbH"
    assert sepa.counterparty_iban == "DE44500105175407324931"
    assert (debit.amount, debit.title, debit.counterparty_name) == (
        D("-49.90"),
        "Telefon Januar 2026",
        "Telekom Deutschland GmbH",
    )
    # no SEPA tags: the remittance lines are the title; ?30 bank code + ?31 account number make the IBAN
    assert domestic.title == "FV/2026/0032 Teilzahlung"
    assert domestic.counterparty_name == "Hans Schmidt"
    assert domestic.counterparty_iban == "DE12100500000098765432"
    assert domestic.end_to_end_id == ""
    # EREF+NOTPROVIDED and KREF+ only: no title, no reference
    assert (untitled.title, untitled.end_to_end_id, untitled.counterparty_name) == ("", "", "Anna Weber")


def test_german_details_without_sepa_tag_for_the_title_fall_back_to_the_reference() -> None:
    details = details_86("166?00SEPA-GUTSCHRIFT?20EREF+FV/2026/0099?32ACME GmbH")

    assert (details["title"], details["end_to_end_id"], details["name"], details["kind"]) == (
        "FV/2026/0099",
        "FV/2026/0099",
        "ACME GmbH",
        "SEPA-GUTSCHRIFT",
    )


def test_german_text_before_the_first_tag_is_kept_when_there_is_no_svwz() -> None:
    details = details_86("?00GUTSCHRIFT?20Rechnung 12/2026?21KREF+X-1")

    assert details["title"] == "Rechnung 12/2026"
