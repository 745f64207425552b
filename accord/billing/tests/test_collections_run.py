"""The collections run: each level on its day, through the outbox, a task or the hand-off; held back
by promises, disputes and pauses; a key account's letter waits for its owner; never a step twice."""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accord.activities.models import Task
from accord.billing.models import (
    CollectionProfile,
    CollectionStep,
    CollectionStepState,
    InvoiceStatus,
)
from accord.billing.services import collections, invoices, payments
from accord.core import languages
from accord.core.models import ExchangeRate
from accord.core.money import format_money
from accord.messaging.models import Message

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2026, 10, 1)
DUE = datetime.date(2026, 10, 15)  # 14 days' terms


def day(offset: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset)


@pytest.fixture
def invoice(owner: Any, make_invoice: Any) -> Any:
    draft = make_invoice(issue_date=ISSUED.isoformat(), sale_date=ISSUED.isoformat(), payment_terms_days=14)
    issued = invoices.issue(actor=owner, invoice=draft)
    assert issued.due_date == DUE
    return issued


@pytest.fixture
def reachable(owner: Any, customer: Any, make_contact: Any) -> Any:
    """The customer's accountant, with an e-mail address and a mobile number."""
    return make_contact(
        owner,
        first_name="Zofia",
        last_name="Gęślak",
        emails=[{"email": "ksiegowosc@zolta.example"}],
        phones=[{"number": "+48 601 234 567"}],
        companies=[{"company": customer}],
    )


def steps() -> list[CollectionStep]:
    return list(CollectionStep.objects.order_by("day", "position"))


def test_the_first_reminder_is_an_email_on_day_three_and_only_once(invoice: Any, reachable: Any) -> None:
    assert collections.run(today=day(2)).taken == 0
    report = collections.run(today=day(3))
    assert report.taken == 1
    (step,) = steps()
    assert (step.action, step.position, step.state) == ("email", 1, CollectionStepState.DONE)
    assert step.owed == invoice.gross_total
    message = Message.objects.get(pk=step.message_id)
    assert (message.channel, message.to_address, message.state) == ("email", "ksiegowosc@zolta.example", "queued")
    assert invoice.number in message.subject
    assert invoice.number in message.body
    # Run again the same day, or the next days: nothing more until the SMS level's day.
    assert collections.run(today=day(3)).taken == 0
    assert collections.run(today=day(9)).taken == 0
    assert len(steps()) == 1
    assert Message.objects.filter(kind="payment_reminder").count() == 1


def test_the_ladder_climbs_level_by_level(owner: Any, invoice: Any, reachable: Any) -> None:
    for offset in (3, 10, 21, 30):
        collections.run(today=day(offset))
    taken = [(s.day, s.action, s.state) for s in steps()]
    assert taken == [
        (day(3), "email", "done"),
        (day(10), "sms", "done"),
        (day(21), "letter", "done"),
        (day(30), "call", "done"),
    ]
    sms = Message.objects.get(pk=steps()[1].message_id)
    assert (sms.channel, sms.to_address) == ("sms", "+48601234567")
    letter = Message.objects.get(pk=steps()[2].message_id)
    assert letter.channel == "letter"
    assert "ul. Świętokrzyska 12" in letter.to_address
    assert "00-916 Warszawa" in letter.to_address
    task = Task.objects.get(pk=steps()[3].task_id)
    assert task.owner == owner
    assert task.due_at.date() == day(30)
    assert invoice.number in task.description
    # The hand-off needs approval (the standard ladder says so): it waits, the owner is told.
    collections.run(today=day(60))
    handoff = steps()[-1]
    assert (handoff.action, handoff.state) == ("handoff", CollectionStepState.AWAITING_APPROVAL)
    assert Message.objects.filter(channel="in_app", recipient_user=owner, related_id=handoff.pk).exists()
    collections.approve_step(actor=owner, step=handoff)
    profile = CollectionProfile.objects.get(company=invoice.company)
    assert profile.in_collection_since is not None
    # Handed over: the ladder leaves the customer alone.
    report = collections.run(today=day(90))
    assert report.taken == 0
    assert report.held["in_collection"] == 1


def test_without_email_or_phone_the_reminder_is_a_letter(invoice: Any) -> None:
    collections.run(today=day(3))
    (step,) = steps()
    message = Message.objects.get(pk=step.message_id)
    assert message.channel == "letter"
    assert message.to_address.splitlines()[0] == "Żółta Łódź Sp. z o.o."


def test_a_paid_invoice_takes_no_step(owner: Any, invoice: Any, reachable: Any) -> None:
    payments.record_payment(
        actor=owner,
        amount=invoice.gross_total,
        currency="PLN",
        received_on=day(1),
        invoice=invoice,
        company=invoice.company,
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert collections.run(today=day(5)).taken == 0


def test_a_promise_to_pay_holds_the_ladder_until_its_day(owner: Any, invoice: Any, reachable: Any) -> None:
    collections.record_promise(actor=owner, company=invoice.company, promised_on=day(6), today=day(2))
    report = collections.run(today=day(3))
    assert report.taken == 0
    assert report.held["promise"] == 1
    assert collections.run(today=day(6)).taken == 0
    assert collections.run(today=day(7)).taken == 1  # the promise was broken


def test_a_disputed_invoice_waits_and_the_others_go_on(
    owner: Any, invoice: Any, make_invoice: Any, reachable: Any
) -> None:
    other = invoices.issue(
        actor=owner,
        invoice=make_invoice(issue_date=ISSUED.isoformat(), sale_date=ISSUED.isoformat(), payment_terms_days=14),
    )
    dispute = collections.open_dispute(actor=owner, invoice=invoice, reason="Wrong quantity delivered")
    collections.run(today=day(3))
    (step,) = steps()
    assert [line.invoice_id for line in step.invoices.all()] == [other.pk]
    collections.resolve_dispute(actor=owner, dispute=dispute, resolution="Quantity confirmed")
    collections.run(today=day(4))
    assert {line.invoice_id for line in CollectionStepInvoice_all()} == {invoice.pk, other.pk}


def CollectionStepInvoice_all() -> list[Any]:
    from accord.billing.models import CollectionStepInvoice

    return list(CollectionStepInvoice.objects.all())


def test_a_pause_asked_by_another_part_of_the_system_holds_until_lifted(invoice: Any, reachable: Any) -> None:
    collections.pause(actor=None, company=invoice.company, reason="Open complaint", source="service.ticket:42")
    assert collections.run(today=day(3)).held["paused"] == 1
    assert collections.lift_pause(actor=None, source="service.ticket:42") == 1
    assert collections.run(today=day(3)).taken == 1


def test_a_key_accounts_letter_waits_for_the_owner(
    owner: Any, teammate: Any, outsider: Any, invoice: Any, reachable: Any
) -> None:
    CollectionProfile.objects.create(company=invoice.company, key_account=True)
    for offset in (3, 10, 21):
        collections.run(today=day(offset))
    letter = steps()[-1]
    assert (letter.action, letter.state, letter.message_id) == ("letter", CollectionStepState.AWAITING_APPROVAL, None)
    # While it waits, the invoice climbs no further.
    assert collections.run(today=day(30)).taken == 0
    with pytest.raises(PermissionDenied):
        collections.approve_step(actor=teammate, step=letter)
    with pytest.raises(Http404):
        collections.approve_step(actor=outsider, step=letter)
    collections.reject_step(actor=owner, step=letter)
    letter.refresh_from_db()
    assert letter.state == CollectionStepState.REJECTED
    assert letter.message_id is None
    # Stopped, it is not sent; the next level (the call) comes on its own day.
    assert collections.run(today=day(30)).taken == 1
    assert steps()[-1].action == "call"


def test_the_demand_letter_adds_interest_and_compensation(owner: Any, invoice: Any) -> None:
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2026, 9, 30), rate=D("4.2500"))
    for offset in (3, 10, 21):
        collections.run(today=day(offset))
    letter = steps()[-1]
    assert letter.action == "letter"
    # 21 days at 15.25% on the gross total, and 40 EUR at 4.25.
    expected = (invoice.gross_total * D("15.25") * 21 / (100 * 365)).quantize(D("0.01"))
    assert letter.interest == expected
    assert letter.compensation == D("170.00")
    message = Message.objects.get(pk=letter.message_id)
    assert message.kind == "demand_letter"
    with languages.writing_in(message.language):
        assert format_money(D("170.00"), "PLN") in message.body
        assert format_money(letter.interest, "PLN") in message.body


def test_a_dry_run_says_what_it_would_do_and_does_nothing(invoice: Any, reachable: Any) -> None:
    report = collections.run(today=day(3), dry_run=True)
    assert [(s.action, s.invoices) for s in report.steps] == [("email", [invoice.number])]
    assert steps() == []
    assert not Message.objects.filter(kind="payment_reminder").exists()
