"""Invoices: totals by rate, gap-free numbering at issue, immutability once issued, tax ids and
bank accounts, currency invoices at the rate before the date of sale, split payment, corrections."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from accord.billing.models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from accord.billing.services import invoices as services
from accord.core.errors import Conflict
from accord.core.models import AuditEntry, Event, ExchangeRate

D = decimal.Decimal
ISSUED_ON = datetime.date(2026, 3, 10)


def by_rate(invoice: Invoice) -> list[tuple[str, str, str, str]]:
    return [(r["rate"], r["net"], r["vat"], r["gross"]) for r in invoice.vat_summary]


def test_a_draft_sums_vat_per_rate_with_exempt_apart(make_invoice):
    invoice = make_invoice()

    assert invoice.status == InvoiceStatus.DRAFT
    assert invoice.number == ""
    assert by_rate(invoice) == [
        ("23", "1599.97", "367.99", "1967.96"),
        ("8", "100.25", "8.02", "108.27"),
        ("zw", "100.00", "0.00", "100.00"),
    ]
    assert (invoice.net_total, invoice.vat_total, invoice.gross_total) == (D("1800.22"), D("376.01"), D("2176.23"))
    assert invoice.buyer_name == "Żółta Łódź Sp. z o.o."
    assert invoice.buyer_tax_id == "7740001454"
    assert invoice.bank_account == "PL61 1090 1014 0000 0712 1981 2874"
    assert invoice.seller["tax_id"] == "5260250995"


def test_vat_is_rounded_once_per_rate_not_per_line(make_invoice):
    # Each line's VAT is 0.023 -> 0.02; the rate's is 0.20 x 23% = 0.046 -> 0.05.
    invoice = make_invoice(
        lines=[
            {"description": "Śruba", "quantity": "1", "unit_price": "0.10", "vat_rate": "23"},
            {"description": "Nakrętka", "quantity": "1", "unit_price": "0.10", "vat_rate": "23"},
        ]
    )

    assert [line.vat for line in invoice.lines.all()] == [D("0.02"), D("0.02")]
    assert invoice.vat_total == D("0.05")
    assert invoice.gross_total == D("0.25")


def test_issue_numbers_each_series_per_year_without_gaps(make_invoice, owner):
    first = services.issue(actor=owner, invoice=make_invoice(issue_date=ISSUED_ON))
    second = services.issue(actor=owner, invoice=make_invoice(issue_date=ISSUED_ON))
    proforma = services.issue(actor=owner, invoice=make_invoice(kind="proforma", issue_date=ISSUED_ON))
    next_year = services.issue(actor=owner, invoice=make_invoice(issue_date=datetime.date(2027, 1, 2)))

    assert [first.number, second.number, proforma.number, next_year.number] == [
        "FV/2026/0001",
        "FV/2026/0002",
        "PF/2026/0001",
        "FV/2027/0001",
    ]
    assert first.status == InvoiceStatus.ISSUED
    assert first.due_date == ISSUED_ON + datetime.timedelta(days=14)
    assert first.sale_date == ISSUED_ON
    assert Event.objects.filter(name="billing.invoice.issued", object_id=first.pk).count() == 1


def test_a_rolled_back_issue_gives_its_number_back(make_invoice, owner):
    draft = make_invoice(issue_date=ISSUED_ON)

    def issue_then_fail() -> None:
        with transaction.atomic():
            services.issue(actor=owner, invoice=draft)
            raise RuntimeError("the rest of the request failed")

    with pytest.raises(RuntimeError):
        issue_then_fail()

    draft.refresh_from_db()
    assert (draft.status, draft.number) == (InvoiceStatus.DRAFT, "")
    assert services.issue(actor=owner, invoice=draft).number == "FV/2026/0001"


def test_a_series_with_its_own_pattern(make_invoice, owner, admin_user):
    series = services.create_series(
        actor=admin_user, code="EXP", name="Export", kind="invoice", pattern="{code}-{year}-{month}-{number:03d}"
    )
    invoice = services.issue(actor=owner, invoice=make_invoice(series=series, issue_date=ISSUED_ON))

    assert invoice.number == "EXP-2026-03-001"
    with pytest.raises(ValidationError) as caught:
        services.create_series(actor=admin_user, code="BAD", name="Bad", kind="invoice", pattern="{year}/{foo}")
    assert "pattern" in caught.value.message_dict


def test_an_issued_invoice_is_never_changed(make_invoice, owner):
    invoice = services.issue(actor=owner, invoice=make_invoice())

    with pytest.raises(ValidationError) as caught:
        services.update_draft(actor=owner, invoice=invoice, data={"notes": "changed"})
    assert "status" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.delete_draft(actor=owner, invoice=invoice)
    with pytest.raises(ValidationError):
        services.issue(actor=owner, invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.notes == ""


def test_a_draft_changes_with_audit_and_a_stale_version_is_refused(make_invoice, owner):
    invoice = make_invoice()

    changed = services.update_draft(
        actor=owner,
        invoice=invoice,
        data={"lines": [{"description": "Jedna pozycja", "quantity": "2", "unit_price": "50", "vat_rate": "8"}]},
        expected_version=1,
    )

    assert changed.version == 2
    assert changed.gross_total == D("108.00")
    entry = AuditEntry.objects.filter(object_id=invoice.pk, action="update").get()
    assert "lines" in entry.changes
    with pytest.raises(Conflict):
        services.update_draft(actor=owner, invoice=invoice, data={"notes": "late"}, expected_version=1)


@pytest.mark.parametrize(
    ("country", "tax_id", "stored"),
    [
        ("PL", "774-000-14-54", "7740001454"),
        ("PL", "PL7740001454", "7740001454"),
        ("DE", "136695976", "DE136695976"),
        ("US", "12-3456789", "12-3456789"),
    ],
)
def test_buyer_tax_ids_are_validated_per_country(make_invoice, country, tax_id, stored):
    invoice = make_invoice(buyer_country=country, buyer_tax_id=tax_id)

    assert invoice.buyer_tax_id == stored


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("buyer_tax_id", "7740001455"),
        ("bank_account", "PL61 1090 1014 0000 0712 1981 2875"),
        ("buyer_country", "Poland"),
        ("payment_terms_days", "-1"),
        ("payment_method", "barter"),
        ("sale_date", "10.03.2026"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(make_invoice, field, value):
    with pytest.raises(ValidationError) as caught:
        make_invoice(**{field: value})

    assert field in caught.value.message_dict
    assert Invoice.objects.count() == 0


def test_an_eu_vat_id_with_a_wrong_check_digit_is_refused(make_invoice):
    with pytest.raises(ValidationError) as caught:
        make_invoice(buyer_country="DE", buyer_tax_id="136695978")

    assert "buyer_tax_id" in caught.value.message_dict


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"unit_price": "1000000000000"}, "lines.0.unit_price"),
        ({"unit_price": "10.001"}, "lines.0.unit_price"),
        ({"quantity": "1000000000"}, "lines.0.quantity"),
        ({"quantity": "0"}, "lines.0.quantity"),
        ({"discount_percent": "101"}, "lines.0.discount_percent"),
        ({"vat_rate": "22"}, "lines.0.vat_rate"),
        ({"unit_price": "NaN"}, "lines.0.unit_price"),
        ({"description": ""}, "lines.0.description"),
    ],
)
def test_line_values_are_checked_against_their_columns(make_invoice, line, field):
    item = {"description": "Pozycja", "quantity": "1", "unit_price": "10", "vat_rate": "23", **line}

    with pytest.raises(ValidationError) as caught:
        make_invoice(lines=[item])

    assert field in caught.value.message_dict
    assert Invoice.objects.count() == 0
    assert InvoiceLine.objects.count() == 0


def test_a_total_past_the_column_is_refused_though_each_line_fits(make_invoice):
    item = {"description": "Duża", "quantity": "900", "unit_price": "999999999999", "vat_rate": "23"}

    with pytest.raises(ValidationError) as caught:
        make_invoice(lines=[item])

    assert set(caught.value.message_dict) & {"lines", "lines.0.unit_price"}


def rates(*rows: tuple[str, str]) -> None:
    for day, rate in rows:
        ExchangeRate.objects.create(currency="EUR", day=datetime.date.fromisoformat(day), rate=D(rate))


def test_a_currency_invoice_takes_the_rate_of_the_last_working_day_before_the_sale(make_invoice, owner):
    rates(("2026-03-05", "4.2500"), ("2026-03-06", "4.3000"), ("2026-03-09", "4.9000"))
    draft = make_invoice(
        currency="EUR",
        sale_date="2026-03-09",  # a Monday: the rate is Friday's, not the day's own
        issue_date="2026-03-10",
        lines=[{"description": "Consulting", "quantity": "10", "unit_price": "100", "vat_rate": "23"}],
    )

    invoice = services.issue(actor=owner, invoice=draft)

    assert invoice.exchange_rate == D("4.3")
    assert invoice.exchange_rate_day == datetime.date(2026, 3, 6)
    assert invoice.vat_total == D("230.00")
    assert invoice.vat_total_base == D("989.00")
    assert invoice.gross_total_base == D("5289.00")
    assert invoice.vat_summary[0]["vat_base"] == "989.00"


def test_issuing_without_a_known_rate_names_the_currency_and_the_date(make_invoice, owner):
    rates(("2026-03-09", "4.3"))
    draft = make_invoice(currency="EUR", sale_date="2026-03-09")

    with pytest.raises(ValidationError) as caught:
        services.issue(actor=owner, invoice=draft)

    message = caught.value.message_dict["currency"][0]
    assert "EUR" in message
    assert "2026-03-09" in message
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (InvoiceStatus.DRAFT, "")


def annex_15(price: str, *, flagged: bool = True) -> list[dict[str, Any]]:
    return [
        {
            "description": "Pręty stalowe",
            "quantity": "1",
            "unit_price": price,
            "vat_rate": "23",
            "split_payment_goods": flagged,
        }
    ]


@pytest.mark.parametrize(
    ("price", "flagged", "marked"),
    [
        ("12195.12", True, True),  # gross 15,000.00: the threshold itself
        ("12195.11", True, False),  # gross 14,999.99
        ("50000", False, False),  # large, but no Annex 15 goods
    ],
)
def test_split_payment_is_marked_from_15000_pln_with_annex_15_goods(make_invoice, owner, price, flagged, marked):
    invoice = services.issue(actor=owner, invoice=make_invoice(lines=annex_15(price, flagged=flagged)))

    assert invoice.split_payment is marked


def test_split_payment_threshold_is_judged_in_pln_for_a_currency_invoice(make_invoice, owner):
    rates(("2026-03-06", "4.3"))
    invoice = services.issue(
        actor=owner, invoice=make_invoice(currency="EUR", sale_date="2026-03-09", lines=annex_15("3000"))
    )

    # 3,690 EUR gross x 4.3 = 15,867 PLN.
    assert invoice.gross_total_base == D("15867.00")
    assert invoice.split_payment is True


def test_issuing_needs_the_sellers_tax_id(make_invoice, owner, settings):
    settings.ACCORD_SELLER = {"name": "Accord", "bank_account": "PL61109010140000071219812874"}
    draft = make_invoice()

    with pytest.raises(ValidationError) as caught:
        services.issue(actor=owner, invoice=draft)

    assert "seller" in caught.value.message_dict


def test_a_credit_note_carries_before_and_after_and_its_totals_as_differences(make_invoice, owner):
    original = services.issue(actor=owner, invoice=make_invoice(issue_date=ISSUED_ON))
    first_line = original.lines.order_by("position").first()

    draft = services.correct(
        actor=owner,
        invoice=original,
        lines=[{"line": first_line.pk, "quantity": "1"}],
        reason="Zwrot dwóch sztuk",
    )
    correction = services.issue(actor=owner, invoice=draft)

    assert correction.kind == InvoiceKind.CREDIT_NOTE
    assert correction.number == f"KOR/{correction.issue_date.year}/0001"
    assert correction.corrects_id == original.pk
    line = correction.lines.get()
    assert (line.before_quantity, line.quantity) == (D("3.000"), D("1.000"))
    assert (line.before_net, line.net, line.vat, line.gross) == (D("599.97"), D("-399.98"), D("-91.99"), D("-491.97"))
    # 23%: after 1199.99 net -> 276.00 VAT; before 1599.97 -> 367.99.
    assert by_rate(correction) == [("23", "-399.98", "-91.99", "-491.97")]
    assert correction.gross_total == D("-491.97")
    original.refresh_from_db()
    assert original.corrections_total == D("-491.97")
    assert original.amount_due == D("1684.26")


def test_a_debit_note_and_a_second_correction_start_from_the_corrected_line(make_invoice, owner):
    original = services.issue(actor=owner, invoice=make_invoice())
    line = original.lines.order_by("position").first()
    services.issue(
        actor=owner,
        invoice=services.correct(actor=owner, invoice=original, lines=[{"line": line.pk, "quantity": "1"}], reason="a"),
    )

    second = services.correct(
        actor=owner, invoice=original, lines=[{"line": line.pk, "unit_price": "250"}], reason="Nowa cena"
    )

    assert second.kind == InvoiceKind.DEBIT_NOTE
    corrected = second.lines.get()
    assert (corrected.before_quantity, corrected.before_unit_price) == (D("1.000"), D("199.99"))
    assert (corrected.quantity, corrected.unit_price) == (D("1.000"), D("250.00"))
    assert corrected.net == D("50.01")


def test_a_correction_may_add_a_line_and_take_one_off(make_invoice, owner):
    original = services.issue(actor=owner, invoice=make_invoice())
    zw = original.lines.get(vat_rate="zw")

    draft = services.correct(
        actor=owner,
        invoice=original,
        lines=[
            {"line": zw.pk, "quantity": "0"},
            {"description": "Dopłata", "quantity": "1", "unit_price": "10", "vat_rate": "23"},
        ],
        reason="Zmiana zakresu",
    )

    assert by_rate(draft) == [("23", "10.00", "2.30", "12.30"), ("zw", "-100.00", "0.00", "-100.00")]


@pytest.mark.parametrize(
    ("lines", "reason", "field"),
    [
        ([{"line": "00000000-0000-0000-0000-000000000000", "quantity": "1"}], "x", "lines.0.line"),
        ([], "x", "lines"),
        ([{"description": "Nowa", "quantity": "0", "unit_price": "1", "vat_rate": "23"}], "x", "lines.0.quantity"),
        ([{"description": "Nowa", "quantity": "1", "unit_price": "1", "vat_rate": "23"}], "", "reason"),
    ],
)
def test_bad_corrections_are_refused(make_invoice, owner, lines, reason, field):
    original = services.issue(actor=owner, invoice=make_invoice())

    with pytest.raises(ValidationError) as caught:
        services.correct(actor=owner, invoice=original, lines=lines, reason=reason)

    assert field in caught.value.message_dict
    assert Invoice.objects.count() == 1


def test_a_draft_or_a_proforma_is_not_corrected(make_invoice, owner):
    proforma = services.issue(actor=owner, invoice=make_invoice(kind="proforma"))
    line = proforma.lines.first()

    for invoice in (make_invoice(), proforma):
        with pytest.raises(ValidationError):
            services.correct(actor=owner, invoice=invoice, lines=[{"line": line.pk, "quantity": "1"}], reason="x")


def test_another_country_has_its_own_vat_rates(make_invoice, settings):
    settings.ACCORD_BILLING_COUNTRY = "LT"

    with pytest.raises(ValidationError) as caught:
        make_invoice(lines=[{"description": "Paslauga", "quantity": "1", "unit_price": "100", "vat_rate": "23"}])
    invoice = make_invoice(lines=[{"description": "Paslauga", "quantity": "1", "unit_price": "100", "vat_rate": "21"}])

    assert "lines.0.vat_rate" in caught.value.message_dict
    assert invoice.vat_total == D("21.00")


def test_the_exchange_rate_table_is_kept_as_given(make_invoice, owner):
    rates(("2026-03-06", "4.3"))
    draft = make_invoice(currency="EUR", sale_date="2026-03-09", exchange_rate_table="045/A/NBP/2026")

    invoice = services.issue(actor=owner, invoice=draft)

    assert invoice.exchange_rate_table == "045/A/NBP/2026"


def test_a_draft_made_from_an_order_keeps_its_lines(owner, accepted_quote):
    from accord.billing.services import orders

    order = orders.create_from_quote(actor=owner, quote=accepted_quote)
    draft = services.create_from_order(actor=owner, order=order)

    with pytest.raises(ValidationError) as caught:
        services.update_draft(
            actor=owner, invoice=draft, data={"lines": [{"description": "X", "unit_price": "1", "vat_rate": "23"}]}
        )
    assert "lines" in caught.value.message_dict
    assert services.update_draft(actor=owner, invoice=draft, data={"notes": "Dostawa 1/2"}).notes == "Dostawa 1/2"
