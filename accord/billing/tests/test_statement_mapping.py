"""CSV statements of unknown shape: the user maps the columns once (screen or API), the same
checks and errors either way, nothing stored from a file with a bad row, and the mapping
remembered so the next file of the same shape imports directly."""

from __future__ import annotations

import datetime
import decimal
import json
import os
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.billing.models import BankStatement, BankStatementLine, Payment
from accord.billing.services import invoices
from accord.billing.services import statement_mappings as mappings
from accord.billing.services import statements as service
from accord.billing.statements import MappingError, StatementError, csvfile
from accord.core.models import ImportMapping

D = decimal.Decimal
ONE_LINE = [{"description": "Usługa", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}]  # 1230.00 gross
FILE = Path(__file__).parent / "statement_files" / "unknown_headers.csv"
MAPPING = {
    "date": "Buchungstag",
    "value_date": "Valuta",
    "debit": "Soll",
    "credit": "Haben",
    "currency": "Währung",
    "title": "Verwendungszweck",
    "payer_name": "Auftraggeber / Empfänger",
    "payer_account": "Kontonummer",
    "reference": "Ref",
    "date_format": "DD.MM.YYYY",
    "decimal_separator": ",",
    "account": "DE17 1005 0000 0123 4567 89",
}


@pytest.fixture(autouse=True)
def _files(private_files):
    """Uploads waiting for their mapping go to a temporary private storage."""
    return private_files


@pytest.fixture
def invoice(make_invoice, owner):
    return invoices.issue(actor=owner, invoice=make_invoice(lines=ONE_LINE))


def content(number: str = "FV/2026/0001", *, encoding: str = "cp1250") -> bytes:
    text = FILE.read_text(encoding="utf-8").replace("{number}", number)
    return text.encode(encoding, errors="replace") if encoding != "utf-8" else text.encode()


def stored() -> tuple[int, int, int]:
    return BankStatement.objects.count(), BankStatementLine.objects.count(), Payment.objects.count()


# --- reading ---------------------------------------------------------------------------------------------


def test_the_built_in_names_do_not_read_the_file() -> None:
    with pytest.raises(StatementError, match="No header row"):
        csvfile.parse(content(encoding="utf-8"))


def test_a_chosen_mapping_reads_debit_and_credit_columns_day_first_dates_and_comma_decimals() -> None:
    chosen = mappings.clean_mapping(MAPPING)

    [statement] = csvfile.parse(content(encoding="utf-8"), mapping=chosen.csv, account_iban=chosen.account)

    assert statement.account_iban == "DE17100500000123456789"
    paid, power, advance = statement.lines
    assert (paid.booking_date, paid.value_date, paid.amount, paid.currency) == (
        datetime.date(2026, 3, 12),
        datetime.date(2026, 3, 13),
        D("1230.00"),
        "PLN",
    )
    assert (paid.title, paid.counterparty_name, paid.counterparty_iban, paid.bank_reference) == (
        "Zahlung FV/2026/0001",
        "Żółta Łódź Sp. z o.o.",
        "PL61109010140000071219812874",
        "R-1",
    )
    assert power.amount == D("-84.20")  # a debit is money out
    assert advance.amount == D("2000.50")  # the dot groups thousands


def test_a_dot_decimal_separator_reads_commas_as_grouping() -> None:
    text = 'When,What,Sum\n03/12/2026,Invoice 7,"1,230.50"\n'
    chosen = mappings.clean_mapping(
        {"date": "When", "title": "What", "amount": "Sum", "date_format": "MM/DD/YYYY", "decimal_separator": "."}
    )

    [statement] = csvfile.parse(text, mapping=chosen.csv, currency="EUR")

    [line] = statement.lines
    assert (line.booking_date, line.amount, line.currency, line.title) == (
        datetime.date(2026, 3, 12),
        D("1230.50"),
        "EUR",
        "Invoice 7",
    )


def test_a_date_not_written_as_chosen_names_its_line() -> None:
    chosen = mappings.clean_mapping({**MAPPING, "date_format": "YYYY-MM-DD"})

    with pytest.raises(StatementError) as raised:
        csvfile.parse(content(encoding="utf-8"), mapping=chosen.csv)

    assert raised.value.where == "line 5"
    assert raised.value.message == "12.03.2026 is not a date written YYYY-MM-DD."


def test_a_chosen_column_missing_from_the_file_names_the_field() -> None:
    chosen = mappings.clean_mapping({**MAPPING, "title": "Buchungstext"})

    with pytest.raises(MappingError) as raised:
        csvfile.parse(content(encoding="utf-8"), mapping=chosen.csv)

    assert raised.value.field == "title"
    assert raised.value.message == "“Buchungstext” is not a column of this file."


# --- checking the mapping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"date": ""}, "mapping.date", "Choose the column with the booking date."),
        ({"amount": "Haben"}, "mapping.amount", "Choose either one amount column or the debit and credit columns"),
        ({"debit": "", "credit": None}, "mapping.amount", "Choose the amount column, or the debit and credit columns."),
        ({"title": "Buchungstag"}, "mapping.title", "“Buchungstag” is already the column of Booking date."),
        ({"date_format": "%d.%m.%Y"}, "mapping.date_format", "Choose how dates are written: YYYY-MM-DD"),
        ({"decimal_separator": ";"}, "mapping.decimal_separator", "Choose the decimal separator"),
        ({"account": "DE00 1234"}, "mapping.account", "DE00 1234 is not a valid account number"),
        ({"colour": "red"}, "mapping.colour", "This is not a field of the mapping."),
        ({"title": 7}, "mapping.title", "Give it as text."),
    ],
)
def test_a_bad_mapping_is_refused_naming_the_field(change, field, message) -> None:
    with pytest.raises(ValidationError) as raised:
        mappings.clean_mapping({**MAPPING, **change})

    assert raised.value.message_dict[field][0].startswith(message)


# --- importing -----------------------------------------------------------------------------------------


def test_an_import_with_a_mapping_pays_the_invoice_and_is_remembered_for_the_same_shape(manager, invoice):
    assert service.needs_mapping(content(invoice.number))

    result = service.import_statement(
        actor=manager, content=content(invoice.number), file_name="umsaetze.csv", mapping=MAPPING
    )

    invoice.refresh_from_db()
    assert (result.lines, result.booked) == (3, 1)
    assert (invoice.status, invoice.paid_amount) == ("paid", D("1230.00"))
    [statement] = result.statements
    assert (statement.format, statement.account_iban) == ("csv", "DE17100500000123456789")
    assert ImportMapping.objects.get(importer="bank-statements").mapping["account"] == "DE17100500000123456789"
    # The next month's file of the same bank: the same headers, other rows.
    april = content("FV/2026/0099").replace(b"03.2026", b"04.2026")
    assert not service.needs_mapping(april)

    again = service.import_statement(actor=manager, content=april, file_name="april.csv")

    assert again.lines == 3
    assert {line.booking_date.month for line in BankStatementLine.objects.filter(statement=again.statements[0])} == {4}


def test_a_bad_row_refuses_the_whole_file_with_its_line_and_remembers_nothing(manager, invoice):
    broken = content(invoice.number).replace(b"84,20", b"84,2O")

    with pytest.raises(ValidationError) as raised:
        service.import_statement(actor=manager, content=broken, file_name="umsaetze.csv", mapping=MAPPING)

    assert raised.value.message_dict == {"file": ["umsaetze.csv: line 6: 84,2O is not an amount."]}
    assert stored() == (0, 0, 0)
    assert not ImportMapping.objects.filter(importer="bank-statements").exists()


def test_a_mapping_for_an_mt940_file_is_refused(manager):
    from accord.billing.tests.test_statements import read

    with pytest.raises(ValidationError) as raised:
        service.import_statement(actor=manager, content=read("mbank.mt940"), file_name="x.sta", mapping=MAPPING)

    assert raised.value.message_dict == {"mapping": ["A column mapping is for CSV files; this file is mt940."]}


def test_a_file_read_by_the_built_in_names_still_imports_without_a_mapping(manager):
    from accord.billing.tests.test_statements import read

    result = service.import_statement(actor=manager, content=read("plain_utf8.csv"), file_name="plain.csv")

    assert result.lines == 2


# --- the API -------------------------------------------------------------------------------------------


def post(client, data, mapping=None, name="umsaetze.csv"):
    form = {"file": SimpleUploadedFile(name, data)}
    if mapping is not None:
        form["mapping"] = mapping if isinstance(mapping, str) else json.dumps(mapping)
    return client.client.post("/api/v1/bank-statements", data=form, headers=client.headers)


def test_the_api_takes_the_mapping_and_says_which_field_is_wrong(api, manager, invoice):
    client = api(manager)

    unmapped = post(client, content(invoice.number))
    bad = post(client, content(invoice.number), {**MAPPING, "debit": "", "credit": ""})
    missing = post(client, content(invoice.number), {**MAPPING, "reference": "Referenz"})
    not_json = post(client, content(invoice.number), "{date: Buchungstag}")

    assert unmapped.status_code == bad.status_code == missing.status_code == not_json.status_code == 422
    assert "No header row" in unmapped.json()["errors"]["file"][0]
    assert bad.json()["errors"] == {"mapping.amount": ["Choose the amount column, or the debit and credit columns."]}
    assert missing.json()["errors"] == {"mapping.reference": ["“Referenz” is not a column of this file."]}
    assert list(not_json.json()["errors"]) == ["mapping"]
    assert stored() == (0, 0, 0)

    done = post(client, content(invoice.number), MAPPING)

    assert done.status_code == 201, done.content
    assert (done.json()["lines"], done.json()["booked"]) == (3, 1)
    # The same shape again, no mapping sent: the remembered one reads it.
    april = post(client, content("FV/2026/0099").replace(b"03.2026", b"04.2026"), name="april.csv")
    assert april.status_code == 201, april.content
    assert april.json()["lines"] == 3


# --- the screens ---------------------------------------------------------------------------------------


def test_an_unknown_csv_goes_to_the_mapping_screen_and_is_imported_from_it(login, manager, invoice):
    client = login(manager)

    uploaded = client.post(
        "/billing/bank-statements/", {"file": SimpleUploadedFile("umsaetze.csv", content(invoice.number))}
    )

    assert uploaded.status_code == 302
    assert uploaded["Location"].startswith("/billing/bank-statements/map/?upload=")
    page = client.get(uploaded["Location"]).content.decode()
    # the headers and the first rows, read in the file's code page
    assert '<th scope="col">Verwendungszweck</th>' in page
    assert "Żółta Łódź Sp. z o.o." in page
    assert '<option value="Buchungstag">Buchungstag</option>' in page
    token = unquote(uploaded["Location"].split("upload=", 1)[1])
    wrong = client.post("/billing/bank-statements/map/", {"upload": token, **MAPPING, "date_format": "YYYY-MM-DD"})

    assert wrong.status_code == 422
    assert "12.03.2026 is not a date written YYYY-MM-DD." in wrong.content.decode()
    assert stored() == (0, 0, 0)

    done = client.post("/billing/bank-statements/map/", {"upload": token, **MAPPING})

    statement = BankStatement.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/billing/bank-statements/{statement.pk}/"
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    # the waiting file is gone: the token no longer opens anything
    assert client.get(uploaded["Location"]).status_code == 302
    # the next file of this shape is imported straight from the upload
    april = content("FV/2026/0099").replace(b"03.2026", b"04.2026")
    direct = client.post("/billing/bank-statements/", {"file": SimpleUploadedFile("april.csv", april)})
    assert direct.status_code == 302
    assert BankStatement.objects.count() == 2


def test_the_mapping_screen_is_only_for_the_uploader(login, manager, admin_user, owner):
    token = mappings.stash(actor=manager, content=content(), file_name="umsaetze.csv")

    other = login(admin_user).get("/billing/bank-statements/map/", {"upload": token})
    rep = login(owner).get("/billing/bank-statements/map/", {"upload": token})
    mine = login(manager).get("/billing/bank-statements/map/", {"upload": token})

    assert other.status_code == 302  # back to the list, saying the file is gone
    assert rep.status_code == 403
    assert mine.status_code == 200
    assert "Kontonummer" in mine.content.decode()


def test_the_guess_offers_the_built_in_reading_and_the_file_s_formats() -> None:
    from accord.billing.tests.test_statements import read

    guessed = mappings.guess(read("mbank_export.csv"))

    assert guessed["date"] == "#Data księgowania"
    assert guessed["amount"] == "#Kwota"
    assert guessed["title"] == "#Tytuł"
    assert (guessed["date_format"], guessed["decimal_separator"]) == ("YYYY-MM-DD", ",")


def test_the_guess_finds_the_date_column_and_the_formats_of_unknown_headers() -> None:
    guessed = mappings.guess(content())

    assert (guessed["date"], guessed["date_format"], guessed["decimal_separator"]) == ("Buchungstag", "DD.MM.YYYY", ",")
    assert mappings.guess('When,Sum\n03/12/2026,"1,230.50"\n')["decimal_separator"] == "."


def test_old_uploads_are_pruned(manager):
    from django.core.files.storage import default_storage

    token = mappings.stash(actor=manager, content=b"a;b\n", file_name="x.csv")
    name = mappings._unsign(token, manager)["n"]
    assert mappings.prune_uploads() == 0
    path = Path(default_storage.path(name))
    old = (datetime.datetime.now() - datetime.timedelta(days=3)).timestamp()
    os.utime(path, (old, old))

    assert mappings.prune_uploads() == 1
    assert not default_storage.exists(name)
