"""Importing bank statements: payments booked from the titles, amounts and accounts; partial and
overpayments; nothing booked twice; the unmatched queue worked by hand; broken files; who may."""

from __future__ import annotations

import contextlib
import decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection
from django.http import Http404

from accord.billing.events import PaymentAllocated, PaymentRecorded
from accord.billing.models import BankStatement, BankStatementLine, Invoice, LineStatus, Payment, PaymentAllocation
from accord.billing.selectors import statements as selectors
from accord.billing.services import invoices
from accord.billing.services import statements as service
from accord.billing.tests.statement_builders import PAYER_IBAN, Booking, mt940
from accord.core.access import AccessDenied
from accord.core.models import AuditEntry, Event

D = decimal.Decimal
ONE_LINE = [{"description": "Usługa", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}]  # 1230.00 gross


@pytest.fixture
def issued(make_invoice, owner):
    def make(**data):
        data.setdefault("lines", ONE_LINE)
        return invoices.issue(actor=owner, invoice=make_invoice(**data))

    return make


def run(actor, *bookings, number="7"):
    return service.import_statement(
        actor=actor, content=mt940(bookings, number=number), file_name=f"wyciag{number}.sta"
    )


def stored() -> tuple[int, ...]:
    return (
        BankStatement.objects.count(),
        BankStatementLine.objects.count(),
        Payment.objects.count(),
        PaymentAllocation.objects.count(),
        AuditEntry.objects.count(),
        Event.objects.count(),
    )


def test_an_mt940_payment_naming_the_invoice_pays_it(issued, manager):
    invoice = issued()

    result = run(manager, Booking("1230.00", f"Zapłata za {invoice.number}", "Żółta Łódź", PAYER_IBAN))

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", D("1230.00"))
    [line] = BankStatementLine.objects.all()
    payment = Payment.objects.get()
    assert (line.status, line.payment_id, line.company_id, line.confidence) == (
        "booked",
        payment.pk,
        invoice.company_id,
        95,
    )
    assert (payment.source, payment.external_id, payment.amount, payment.allocated_amount) == (
        "bank",
        line.unique_key,
        D("1230.00"),
        D("1230.00"),
    )
    assert (payment.company_id, str(payment.received_on), payment.reference) == (
        invoice.company_id,
        "2026-03-10",
        f"Zapłata za {invoice.number}",
    )
    [statement] = result.statements
    assert (statement.lines_count, statement.booked_count, statement.queued_count, statement.reference) == (
        1,
        1,
        0,
        "ST7",
    )
    assert (result.booked, result.queued, result.duplicates) == (1, 0, 0)


def test_bulk_booking_writes_the_audit_and_events_the_payment_services_write(issued, manager):
    invoice = issued()

    run(manager, Booking("1230.00", f"{invoice.number}"))

    payment = Payment.objects.get()
    recorded = Event.objects.get(name="billing.payment.recorded", object_id=payment.pk)
    assert recorded.payload == PaymentRecorded(amount=D("1230.00"), currency="PLN").model_dump(mode="json")
    allocated = Event.objects.get(name="billing.payment.allocated", object_id=payment.pk)
    assert allocated.payload == PaymentAllocated(invoice_id=invoice.pk, amount=D("1230.00"), status="paid").model_dump(
        mode="json"
    )
    assert Event.objects.filter(name="billing.payment.created", object_id=payment.pk).count() == 1
    updated = Event.objects.filter(name="billing.invoice.updated", object_id=invoice.pk).latest("created_at")
    assert updated.payload == {"fields": ["paid_amount", "status"]}
    created = AuditEntry.objects.get(entity="billing.payment", object_id=payment.pk, action="create")
    assert created.changes["amount"] == [None, "1230.00"]
    assert created.changes["source"] == [None, "bank"]
    change = AuditEntry.objects.filter(entity="billing.invoice", object_id=invoice.pk).latest("at")
    assert change.changes == {"paid_amount": ["0.00", "1230.00"], "status": ["issued", "paid"]}
    imported = Event.objects.get(name="billing.bank_statement.imported")
    assert imported.payload["booked"] == 1
    # The batch names exactly the payment's and the invoice's entries (and the statement's).
    assert set(
        AuditEntry.objects.filter(pk__in=_batch(imported.payload["audit_batch"])).values_list("entity", flat=True)
    ) == {"billing.payment", "billing.invoice", "billing.bankstatement"}
    invoice.refresh_from_db()
    assert invoice.version == 3  # issued (2), then one allocation


def _batch(key):
    from accord.core import changes

    return changes.batch_entries(key).values("pk")


def test_a_partial_payment_and_an_overpayment(issued, admin_user, customer):
    first, second = issued(), issued()

    run(admin_user, Booking("230.00", f"czesc {first.number}"), Booking("1500.00", f"{second.number} z nadplata"))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.paid_amount) == ("partially_paid", D("230.00"))
    assert (second.status, second.paid_amount) == ("paid", D("1230.00"))
    over = Payment.objects.get(amount=D("1500.00"))
    assert (over.allocated_amount, over.unallocated, over.company_id) == (D("1230.00"), D("270.00"), customer.pk)
    assert set(BankStatementLine.objects.values_list("status", "confidence")) == {("booked", 85)}


def test_the_same_file_imported_twice_books_nothing_twice(issued, manager):
    invoice, other = issued(), issued()
    content = mt940([Booking("230.00", invoice.number), Booking("99.00", "darowizna", "Anonim")])
    service.import_statement(actor=manager, content=content, file_name="a.sta")
    before = stored()

    again = service.import_statement(actor=manager, content=content, file_name="a.sta")

    assert (again.statements, again.duplicates, again.booked) == ([], 2, 0)
    assert stored() == before
    # An overlapping file: the known booking is skipped, the new one is booked.
    overlapping = mt940(
        [Booking("230.00", invoice.number), Booking("1230.00", other.number, reference="NEW1")], number="7"
    )
    later = service.import_statement(actor=manager, content=overlapping, file_name="b.sta")
    assert (later.lines, later.booked, later.duplicates) == (1, 1, 1)
    invoice.refresh_from_db()
    assert invoice.paid_amount == D("230.00")
    assert Payment.objects.count() == 2


def test_two_identical_bookings_without_a_bank_reference_are_two_payments(issued, manager):
    invoice = issued()
    same = Booking("100.00", invoice.number, reference="NONREF")

    result = run(manager, same, same)
    run(manager, same, same)

    assert result.booked == 2
    invoice.refresh_from_db()
    assert invoice.paid_amount == D("200.00")
    assert Payment.objects.count() == 2


def test_an_unknown_payer_waits_in_the_queue_and_is_booked_by_hand(issued, manager, owner):
    invoice = issued()

    result = run(manager, Booking("1230.00", "przelew", "Ktoś Obcy", PAYER_IBAN))

    [line] = BankStatementLine.objects.all()
    assert (result.queued, line.status, line.payment_id) == (1, "unmatched", None)
    assert selectors.queue(manager) == [line]
    assert selectors.queue(owner) == []

    payment = service.match_line(actor=manager, line=line, invoices=[(invoice, None)])

    line.refresh_from_db()
    invoice.refresh_from_db()
    assert (line.status, line.payment_id, line.handled_by_id, line.company_id) == (
        "booked",
        payment.pk,
        manager.pk,
        invoice.company_id,
    )
    assert (invoice.status, payment.external_id, payment.source) == ("paid", line.unique_key, "bank")
    assert BankStatement.objects.get().booked_count == 1
    with pytest.raises(ValidationError) as caught:
        service.match_line(actor=manager, line=line, invoices=[(invoice, None)])
    assert "line" in caught.value.message_dict
    with pytest.raises(ValidationError):
        service.ignore_line(actor=manager, line=line)


def test_a_payer_known_from_an_earlier_booking_is_recognised_by_account(issued, manager):
    first, second = (
        issued(),
        issued(lines=[{"description": "X", "quantity": "1", "unit_price": "100", "vat_rate": "23"}]),
    )
    run(manager, Booking("1230.00", first.number, "Zolta", PAYER_IBAN), number="1")

    run(manager, Booking("123.00", "abonament marzec", "Zolta", PAYER_IBAN), number="2")

    second.refresh_from_db()
    assert second.status == "paid"
    line = BankStatementLine.objects.get(statement__reference="ST2")
    assert (line.status, line.confidence) == ("booked", 90)


def test_part_of_a_line_pays_an_invoice_by_hand_and_the_rest_is_credit(issued, manager, customer):
    invoice = issued()
    run(manager, Booking("2000.00", "wplata"))
    line = BankStatementLine.objects.get()

    with pytest.raises(ValidationError) as caught:
        service.match_line(actor=manager, line=line, invoices=[(invoice, "2000.01")])
    assert "invoices" in caught.value.message_dict

    payment = service.match_line(actor=manager, line=line, invoices=[(invoice, "1000")])

    assert (payment.amount, payment.allocated_amount, payment.company_id) == (D("2000.00"), D("1000.00"), customer.pk)


def test_money_without_an_invoice_becomes_the_customers_credit(manager, customer):
    run(manager, Booking("50.00", "zaliczka"))
    line = BankStatementLine.objects.get()

    payment = service.match_line(actor=manager, line=line, company=customer)

    assert (payment.unallocated, payment.company_id) == (D("50.00"), customer.pk)


def test_debits_are_ignored_and_a_line_can_be_put_aside(manager):
    run(manager, Booking("-40.00", "prowizja"), Booking("10.00", "zwrot"))

    debit, refund = BankStatementLine.objects.order_by("position")
    assert debit.status == "ignored"
    service.ignore_line(actor=manager, line=refund)
    refund.refresh_from_db()
    assert refund.status == "ignored"
    statement = BankStatement.objects.get()
    assert (statement.ignored_count, statement.queued_count) == (2, 0)
    with pytest.raises(ValidationError):
        service.match_line(actor=manager, line=debit, invoices=[], company=None)


def test_a_broken_file_stores_nothing_and_says_where(issued, manager):
    issued()
    good = mt940([Booking("1230.00", "x")]).decode()
    broken = good.replace(":62F:C260310PLN2230,00", ":62F:C260310PLN9999,00").encode()
    before = stored()

    with pytest.raises(ValidationError) as caught:
        service.import_statement(actor=manager, content=broken, file_name="zly.sta")

    [message] = caught.value.message_dict["file"]
    assert message.startswith("zly.sta: ")
    assert "do not add up" in message
    assert stored() == before


def test_an_xml_that_is_no_statement_is_refused(manager):
    with pytest.raises(ValidationError) as caught:
        service.import_statement(actor=manager, content=b"<?xml version='1.0'?><a/>", file_name="x.xml")
    assert "camt.053" in caught.value.message_dict["file"][0]
    assert BankStatement.objects.count() == 0


@pytest.mark.parametrize("persona", ["owner", "viewer", "support"])
def test_only_administrators_and_managers_import(persona, request, issued):
    user = request.getfixturevalue(persona)
    with pytest.raises(AccessDenied):
        run(user, Booking("1.00", "x"))
    assert stored()[:3] == (0, 0, 0)


def test_lines_are_seen_with_their_customer_and_the_queue_by_importers(issued, manager, owner, outsider, admin_user):
    invoice = issued()
    run(admin_user, Booking("1230.00", invoice.number), Booking("5.00", "nieznany"))
    booked, unknown = BankStatementLine.objects.order_by("position")
    statement = BankStatement.objects.get()

    assert list(selectors.visible_lines(owner)) == [booked]
    assert list(selectors.visible_lines(outsider)) == []
    assert set(selectors.visible_lines(manager)) == {booked, unknown}
    assert selectors.statement_detail(owner, statement.pk) == statement
    with pytest.raises(Http404):
        selectors.statement_detail(outsider, statement.pk)
    with pytest.raises(AccessDenied):
        service.match_line(actor=owner, line=unknown, invoices=[(invoice, None)])
    assert Invoice.objects.get(pk=invoice.pk).paid_amount == D("1230.00")
    assert BankStatementLine.objects.get(pk=unknown.pk).status == LineStatus.UNMATCHED


def test_a_proposal_below_the_threshold_waits_with_its_suggestion(issued, manager, customer):
    invoice = issued()

    result = run(manager, Booking("1230.00", "przelew", "ZOLTA LODZ SP Z O O"))

    line = BankStatementLine.objects.get()
    invoice.refresh_from_db()
    assert (result.queued, line.status, line.confidence, line.company_id) == (1, "suggested", 80, customer.pk)
    assert line.suggestion == {
        "allocations": [{"invoice_id": str(invoice.pk), "number": invoice.number, "amount": "1230.00"}]
    }
    assert invoice.status == "issued"
    assert selectors.reasons_of(line)[0] == "payer name similar to the customer's (100%)"


@pytest.mark.parametrize(
    ("name", "format"),
    [("pko_bp.mt940", "mt940"), ("camt053_v08.xml", "camt.053"), ("mbank_export.csv", "csv")],
)
def test_every_format_is_imported(name, format, manager):
    from accord.billing.tests.test_statements import read

    result = service.import_statement(actor=manager, content=read(name), file_name=name)

    assert result.statements
    assert {s.format for s in result.statements} == {format}
    assert result.lines == BankStatementLine.objects.count() > 0
    assert result.booked == 0
    assert result.lines == result.queued + result.ignored


def test_an_invoice_paid_while_the_file_was_matched_is_not_paid_twice(issued, manager, owner, monkeypatch):
    from accord.billing.services import payments

    invoice = issued()
    read_open_items = service.open_items

    def paid_meanwhile():
        items = read_open_items()
        payments.record_payment(actor=owner, amount="1230", currency="PLN", invoice=invoice)
        return items

    monkeypatch.setattr(service, "open_items", paid_meanwhile)

    result = run(manager, Booking("1230.00", invoice.number))

    line = BankStatementLine.objects.get()
    invoice.refresh_from_db()
    assert (result.booked, line.status, line.payment_id) == (0, "suggested", None)
    assert invoice.paid_amount == D("1230.00")
    assert selectors.reasons_of(line)[-1] == "the invoice changed before the payment could be booked"


@contextlib.contextmanager
def _events_refused(name):
    """The database refuses events called ``name``, as a disk that fills up would: a failure
    after the statement's payments, allocations and invoices were written."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TEMP TRIGGER refuse_event BEFORE INSERT ON core_event "
                f"WHEN NEW.name = '{name}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_event() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN IF NEW.name = '{name}' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_event BEFORE INSERT ON core_event FOR EACH ROW EXECUTE FUNCTION refuse_event()"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse_event" + ("" if connection.vendor == "sqlite" else " ON core_event"))
            if connection.vendor == "postgresql":
                cursor.execute("DROP FUNCTION refuse_event()")


def test_an_import_that_fails_while_writing_leaves_nothing_and_can_be_run_again(issued, manager):
    first, second = issued(), issued()
    content = mt940([Booking("1230.00", first.number), Booking("230.00", second.number), Booking("5.00", "x")])
    before = stored()

    # (SQLite reports the trigger's refusal as a broken constraint, which the import words as a
    # concurrent import of the same file.)
    with _events_refused("billing.invoice.updated"), pytest.raises((DatabaseError, ValidationError)):
        service.import_statement(actor=manager, content=content, file_name="a.sta")

    assert stored() == before
    assert set(Invoice.objects.values_list("status", "paid_amount", "version")) == {("issued", D("0.00"), 2)}
    result = service.import_statement(actor=manager, content=content, file_name="a.sta")
    assert (result.booked, result.queued, result.duplicates) == (2, 1, 0)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.paid_amount) == ("paid", "partially_paid", D("230.00"))
    assert Payment.objects.count() == PaymentAllocation.objects.count() == 2


def test_a_german_mt940_payment_naming_the_invoice_in_its_svwz_title_pays_it(issued, manager):
    from accord.billing.tests.test_statements import read

    invoice = issued()  # 1230.00 PLN
    # The German file, its first credit made this invoice's amount and number (the balances follow).
    content = (
        read("sparkasse_sepa.mt940")
        .replace(b"EUR", b"PLN")
        .replace(b"CR1190,00", b"CR1230,00")
        .replace(b"6465,10", b"6505,10")
        .replace(b"FV/2026/0031", invoice.number.encode())
    )

    result = service.import_statement(actor=manager, content=content, file_name="umsaetze.sta")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_amount) == ("paid", D("1230.00"))
    line = BankStatementLine.objects.get(status="booked")
    assert (line.counterparty_name, line.counterparty_iban, line.end_to_end_id) == (
        "Müller & Söhne Werkzeugbau GmbH",
        "DE44500105175407324931",
        "RE-2026-0042",
    )
    assert invoice.number in line.title
    assert line.payment.company_id == invoice.company_id
    [statement] = result.statements
    assert (statement.account_iban, statement.lines_count, statement.booked_count) == ("DE17100500000123456789", 4, 1)
