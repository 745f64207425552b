"""NBP exchange rate tables imported (XML, yearly CSV archive, JSON API), and the VAT rate lookup."""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accord.core import exchange_rates
from accord.core.exchange_rates import NoRate, RatesFileError, parse_nbp, rate_before
from accord.core.models import AuditEntry, Event, ExchangeRate

FILES = Path(__file__).parent / "rates_files"
XML = FILES / "a001z260102.xml"
ARCHIVE = FILES / "archiwum_tab_a_2026.csv"
API = FILES / "nbp_api_table_a.json"
JAN = [None, *(datetime.date(2026, 1, d) for d in range(1, 32))]  # JAN[2] is 2 January


def stored() -> dict[tuple[str, datetime.date], D]:
    return {(r.currency, r.day): r.rate for r in ExchangeRate.objects.all()}


# --- reading -----------------------------------------------------------------------------------------


def test_xml_table_rate_is_for_one_unit() -> None:
    rates = {r.currency: r for r in parse_nbp(XML.read_bytes())}

    assert sorted(rates) == ["EUR", "HUF", "IDR", "JPY", "THB", "USD"]
    assert rates["EUR"].rate == D("4.21870000")
    assert rates["HUF"].rate == D("0.01092500")  # 1,0925 for 100 forints
    assert (rates["HUF"].units, rates["HUF"].quoted) == (100, D("1.0925"))
    assert rates["IDR"].rate == D("0.00021634")
    assert rates["USD"].day == JAN[2]
    assert rates["USD"].table == "A"
    assert rates["USD"].table_number == "001/A/NBP/2026"


def test_archive_csv_reads_every_day_and_skips_the_notes_and_empty_cells() -> None:
    rates = parse_nbp(ARCHIVE.read_bytes())

    assert len(rates) == 6 + 6 + 5  # no IDR on the 7th
    by_key = {(r.currency, r.day): r for r in rates}
    assert by_key[("JPY", JAN[5])].rate == D("0.02298700")
    assert by_key[("USD", JAN[7])].table_number == "003/A/NBP/2026"
    assert ("IDR", JAN[7]) not in by_key


def test_json_api_answer() -> None:
    rates = {r.currency: r for r in parse_nbp(API.read_bytes())}

    assert rates["USD"].rate == D("3.61200000")
    assert rates["HUF"].rate == D("0.01093100")
    assert rates["EUR"].day == JAN[5]
    assert rates["EUR"].table_number == "002/A/NBP/2026"


def test_json_answer_about_one_currency() -> None:
    content = (
        b'{"table":"B","currency":"dinar serbski","code":"RSD",'
        b'"rates":[{"no":"001/B/NBP/2026","effectiveDate":"2026-01-07","mid":0.0359}]}'
    )

    [rate] = parse_nbp(content, table="b")

    assert (rate.currency, rate.day, rate.rate, rate.table) == ("RSD", JAN[7], D("0.03590000"), "B")


def test_a_file_of_another_table_than_asked_is_refused() -> None:
    with pytest.raises(RatesFileError, match="this is table A, not table B"):
        parse_nbp(XML.read_bytes(), table="B")


def test_table_c_has_no_mid_rates() -> None:
    with pytest.raises(RatesFileError, match="Table C has no mid rates"):
        parse_nbp(XML.read_bytes(), table="C")


def test_bad_archive_cell_names_row_and_column() -> None:
    broken = ARCHIVE.read_bytes().replace(b"4,2210", b"4,22x0")

    with pytest.raises(RatesFileError, match=r"row 3 \(1EUR\): 4,22x0 is not a number"):
        parse_nbp(broken)


def test_bad_archive_date_names_the_row() -> None:
    broken = ARCHIVE.read_bytes().replace(b"20260107", b"20261307")

    with pytest.raises(RatesFileError, match=r"row 4: 20261307 is not a date"):
        parse_nbp(broken)


def test_archive_without_data_header_is_refused() -> None:
    with pytest.raises(RatesFileError, match="first row should begin with the column data"):
        parse_nbp(b"kod;USD\n1;2\n")


def test_xml_position_without_mid_rate_is_named() -> None:
    broken = XML.read_bytes().replace(b"<kurs_sredni>4,2187</kurs_sredni>", b"")

    with pytest.raises(RatesFileError, match=r"pozycja\[3\] \(EUR\): the kurs_sredni element"):
        parse_nbp(broken)


def test_xml_with_a_doctype_is_refused() -> None:
    with pytest.raises(RatesFileError, match="DOCTYPE"):
        parse_nbp(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><tabela_kursow typ="A"/>')


def test_xml_in_an_unknown_encoding() -> None:
    with pytest.raises(RatesFileError, match="encoding that cannot be read"):
        parse_nbp(XML.read_bytes().replace(b"ISO-8859-2", b"ISO-8859-A"))


def test_other_xml_is_refused() -> None:
    with pytest.raises(RatesFileError, match="not an NBP exchange rate table"):
        parse_nbp(b"<rates/>")


def test_json_rate_without_mid_is_named() -> None:
    content = b'[{"table":"A","no":"1","effectiveDate":"2026-01-05","rates":[{"code":"USD"}]}]'

    with pytest.raises(RatesFileError, match=r"\[0\]\.rates\[0\] \(USD\): the mid rate"):
        parse_nbp(content)


def test_two_different_rates_for_one_day_are_refused() -> None:
    content = (
        b'[{"table":"A","no":"1","effectiveDate":"2026-01-05","rates":[{"code":"USD","mid":3.6},'
        b'{"code":"USD","mid":3.7}]}]'
    )

    with pytest.raises(RatesFileError, match="USD on 2026-01-05 has two rates"):
        parse_nbp(content)


def test_empty_file() -> None:
    with pytest.raises(RatesFileError, match="empty"):
        parse_nbp(b"  \n")


# --- importing ---------------------------------------------------------------------------------------


def test_import_twice_changes_nothing_the_second_time(db: Any) -> None:
    first = exchange_rates.import_file(ARCHIVE)
    after_first = stored()
    audit_after_first = AuditEntry.objects.count()

    second = exchange_rates.import_file(ARCHIVE)

    assert (first.created, first.updated, first.unchanged) == (17, 0, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 17)
    assert stored() == after_first
    assert AuditEntry.objects.count() == audit_after_first
    assert after_first[("HUF", JAN[2])] == D("0.01092500")
    assert first.tables == ("001/A/NBP/2026", "002/A/NBP/2026", "003/A/NBP/2026")
    assert second.audit_batch is None


def test_a_corrected_rate_is_updated_and_audited(db: Any) -> None:
    exchange_rates.import_file(XML)
    corrected = XML.read_bytes().replace(b"3,6012", b"3,6013")

    result = exchange_rates.import_rates(rates=parse_nbp(corrected))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 5)
    assert stored()[("USD", JAN[2])] == D("3.60130000")
    [entry] = AuditEntry.objects.filter(action="update")
    assert entry.changes == {"rate": ["3.60120000", "3.60130000"]}
    assert entry.entity == "core.exchangerate"
    assert result.audit_batch is not None
    event = Event.objects.filter(name="core.import.finished").latest("id")
    assert event.payload["importer"] == "exchange_rates"
    assert event.payload["updated"] == 1


def test_each_format_agrees_on_the_same_day(db: Any) -> None:
    exchange_rates.import_file(ARCHIVE)

    xml = exchange_rates.import_file(XML)
    api = exchange_rates.import_file(API)

    assert (xml.created, xml.updated) == (0, 0)
    assert (api.created, api.updated) == (0, 0)


def test_a_bad_row_stores_nothing(db: Any, tmp_path: Path) -> None:
    broken = tmp_path / "archiwum.csv"
    broken.write_bytes(ARCHIVE.read_bytes().replace(b"1,0918", b"-1,0918"))

    with pytest.raises(RatesFileError, match=r"row 4 \(100HUF\): the rate must be positive"):
        exchange_rates.import_file(broken)

    assert ExchangeRate.objects.count() == 0


def test_import_refuses_when_the_base_currency_is_not_pln(db: Any, settings: Any) -> None:
    settings.DEFAULT_CURRENCY = "EUR"

    with pytest.raises(RatesFileError, match="base currency is EUR"):
        exchange_rates.import_file(XML)


# --- the command -------------------------------------------------------------------------------------


def test_command_imports_and_prints_a_summary(db: Any) -> None:
    out = StringIO()

    call_command("rates", "import", str(ARCHIVE), "--table", "a", stdout=out)
    call_command("rates", "import", str(ARCHIVE), stdout=out)

    assert out.getvalue().splitlines() == [
        "Rates added: 17, changed: 0, already up to date: 0.",
        "Days 2026-01-02 to 2026-01-07, currencies: EUR, HUF, IDR, JPY, THB, USD.",
        "Tables: 001/A/NBP/2026, 002/A/NBP/2026, 003/A/NBP/2026.",
        "Rates added: 0, changed: 0, already up to date: 17.",
        "Days 2026-01-02 to 2026-01-07, currencies: EUR, HUF, IDR, JPY, THB, USD.",
        "Tables: 001/A/NBP/2026, 002/A/NBP/2026, 003/A/NBP/2026.",
    ]


def test_command_error_names_the_row(db: Any, tmp_path: Path) -> None:
    broken = tmp_path / "a.csv"
    broken.write_bytes(ARCHIVE.read_bytes().replace(b"3,6120", b"abc"))

    with pytest.raises(CommandError, match=r"Nothing was imported: row 3 \(1USD\): abc is not a number"):
        call_command("rates", "import", str(broken))


def test_command_missing_file(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("rates", "import", str(tmp_path / "none.xml"))


# --- the rate of the day before ----------------------------------------------------------------------


def test_rate_before_is_the_previous_working_days_table(db: Any) -> None:
    exchange_rates.import_file(ARCHIVE)

    # invoice of Tuesday 6 January (a holiday, no table): Monday's table
    assert rate_before("EUR", JAN[6]) == (D("4.22100000"), JAN[5])
    # Monday the 5th: Friday the 2nd, never the same day's table
    assert rate_before("eur", JAN[5]) == (D("4.21870000"), JAN[2])
    assert rate_before("EUR", JAN[8]) == (D("4.21990000"), JAN[7])


def test_rate_before_the_first_table_is_an_error(db: Any) -> None:
    exchange_rates.import_file(ARCHIVE)

    with pytest.raises(NoRate, match="There is no EUR exchange rate before 2026-01-02"):
        rate_before("EUR", JAN[2])


def test_an_old_rate_is_not_used_quietly(db: Any) -> None:
    exchange_rates.import_file(ARCHIVE)

    with pytest.raises(NoRate, match="latest EUR exchange rate before 2026-01-31 is from 2026-01-07"):
        rate_before("EUR", JAN[31])
    assert rate_before("EUR", JAN[31], stale_after=None) == (D("4.21990000"), JAN[7])


def test_pln_is_one(db: Any) -> None:
    assert rate_before("PLN", JAN[5]) == (D(1), JAN[4])
