"""The collections run asks the database first which customers may have anything due: a run taken
again the same day reads nothing more, a customer is planned on the day its next level comes, and
held customers are still reported. The question errs only towards planning too many."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from accord.billing.models import CollectionProfile, CollectionStep, CollectionStepState, PromiseToPay
from accord.billing.services import collections, invoices
from accord.billing.services.collections import _ladders, _to_plan

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2026, 10, 1)
DUE = datetime.date(2026, 10, 15)


def day(offset: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset)


@pytest.fixture
def invoice(owner: Any, make_invoice: Any) -> Any:
    draft = make_invoice(issue_date=ISSUED.isoformat(), sale_date=ISSUED.isoformat(), payment_terms_days=14)
    return invoices.issue(actor=owner, invoice=draft)


def to_plan(today: datetime.date) -> list[Any]:
    return _to_plan(today, _ladders()[0], None)


def test_a_run_again_the_same_day_reads_five_things(invoice: Any, django_assert_max_num_queries: Any) -> None:
    assert collections.run(today=day(3)).taken == 1
    # The ladders and their levels, the customers counted, those held back, those with anything due.
    with django_assert_max_num_queries(5):
        report = collections.run(today=day(3))
    assert (report.customers, report.taken, report.steps) == (1, 0, [])


def test_a_customer_is_planned_on_the_day_its_next_level_comes(invoice: Any) -> None:
    key = (invoice.company_id, None)
    assert to_plan(day(2)) == []  # the first reminder comes three days after the due date
    assert to_plan(day(3)) == [key]
    collections.run(today=day(3))
    # The SMS level comes ten days after the due date, and a week after the e-mail.
    assert [to_plan(day(offset)) for offset in (3, 4, 9)] == [[], [], []]
    assert to_plan(day(10)) == [key]


def test_an_invoice_awaiting_approval_waits_and_a_rejected_step_lets_it_climb(owner: Any, invoice: Any) -> None:
    CollectionProfile.objects.create(company=invoice.company, key_account=True)
    for offset in (3, 10, 21):
        collections.run(today=day(offset))
    letter = CollectionStep.objects.get(action="letter")
    assert letter.state == CollectionStepState.AWAITING_APPROVAL
    assert to_plan(day(30)) == []
    collections.reject_step(actor=owner, step=letter)
    assert to_plan(day(30)) == [(invoice.company_id, None)]
    assert collections.run(today=day(30)).taken == 1


def test_held_customers_are_planned_so_that_they_are_reported(invoice: Any) -> None:
    collections.run(today=day(3))
    PromiseToPay.objects.create(company=invoice.company, promised_on=day(20))
    # Nothing is due on day 5, but the promise is reported as the reason nothing is sent.
    assert to_plan(day(5)) == [(invoice.company_id, None)]
    report = collections.run(today=day(5))
    assert (report.taken, dict(report.held)) == (0, {"promise": 1})


def test_with_several_ladders_the_most_eager_decides_and_the_planner_the_rest(admin_user: Any, invoice: Any) -> None:
    slow = collections.save_ladder(
        actor=admin_user,
        name="Slow",
        levels=[{"days_after_due": 14, "action": "email", "template_kind": "payment_reminder"}],
        min_days_between_steps=30,
    )
    CollectionProfile.objects.create(company=invoice.company, ladder=slow)
    # The standard ladder's first level is due on day 3: the customer is asked about...
    assert to_plan(day(3)) == [(invoice.company_id, None)]
    # ...and the planner, which knows its ladder, takes nothing until day 14.
    assert collections.run(today=day(3)).taken == 0
    assert collections.run(today=day(14)).taken == 1
    # A week later the standard ladder would climb again; this one has nothing above its level.
    assert to_plan(day(20)) == []
    assert to_plan(day(21)) == [(invoice.company_id, None)]
    assert collections.run(today=day(21)).taken == 0


def test_a_message_the_outbox_refuses_fails_only_its_customers_step(
    owner: Any, invoice: Any, make_company: Any, make_contact: Any, make_invoice: Any
) -> None:
    from accord.messaging.models import Message
    from accord.people.models import Contact

    # The first customer's only way to be reached is a phone number the outbox cannot use.
    person = make_contact(owner, phones=[{"number": "+48 601 234 567"}], companies=[{"company": invoice.company}])
    Contact.objects.filter(pk=person.pk).update(primary_phone="12")
    other = make_company(owner, name="Zielona Sp. z o.o.", emails=[{"email": "biuro@zielona.example"}])
    invoices.issue(
        actor=owner,
        invoice=make_invoice(
            company=other, issue_date=ISSUED.isoformat(), sale_date=ISSUED.isoformat(), payment_terms_days=14
        ),
    )
    report = collections.run(today=day(3))
    assert report.taken == 1
    assert [step.customer for step in report.steps if step.taken] == ["Zielona Sp. z o.o."]
    (error,) = report.errors
    assert error.startswith(f"{invoice.company_id}: ")
    assert "phone number" in error
    assert list(CollectionStep.objects.values_list("company_id", flat=True)) == [other.pk]
    assert Message.objects.filter(kind="payment_reminder").count() == 1


def test_a_step_that_cannot_be_sent_leaves_the_customers_other_steps_of_the_day(
    owner: Any, make_company: Any, make_invoice: Any
) -> None:
    from accord.messaging.models import Message

    # E-mail only, no postal address: the demand letter cannot go out.
    company = make_company(owner, name="Bez Adresu Sp. z o.o.", emails=[{"email": "biuro@bezadresu.example"}])
    late = datetime.date(2026, 10, 19)  # due on day 18: its first reminder comes on day 21
    for issued in (ISSUED, late):
        draft = make_invoice(
            company=company, issue_date=issued.isoformat(), sale_date=issued.isoformat(), payment_terms_days=14
        )
        invoices.issue(actor=owner, invoice=draft)
    for offset in (3, 10):
        assert collections.run(today=day(offset)).taken == 1
    report = collections.run(today=day(21))
    assert [(step.action, step.position) for step in report.steps] == [("email", 1), ("letter", 3)]
    assert report.errors == [
        f"{company.pk}: The customer has no e-mail address, phone number or postal address to write to."
    ]
    # The first reminder of the later invoice went out; the letter was not written; every message has its step.
    assert [s.action for s in CollectionStep.objects.order_by("day", "position")] == ["email", "sms", "email"]
    messages = set(Message.objects.filter(kind__in=["payment_reminder", "demand_letter"]).values_list("pk", flat=True))
    assert messages == set(CollectionStep.objects.values_list("message_id", flat=True))
