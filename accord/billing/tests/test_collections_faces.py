"""Collections through its other doors: the command, the worker's task, the event another app
sends to pause it, the approval and call-list screens, and two runs at once."""

from __future__ import annotations

import datetime
import io
import threading
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from accord.activities.models import Interaction, Task, TaskStatus
from accord.billing.models import CollectionProfile, CollectionStep, CollectionStepState, PromiseToPay
from accord.billing.services import collections, invoices
from accord.billing.tasks import run_collections
from accord.core.event_types import CollectionsPauseLifted, CollectionsPauseRequested
from accord.core.events import dispatch_pending, emit
from accord.messaging.models import Message

ISSUED = datetime.date(2026, 10, 1)
DUE = datetime.date(2026, 10, 15)


def day(offset: int) -> datetime.date:
    return DUE + datetime.timedelta(days=offset)


@pytest.fixture
def invoice(owner: Any, make_invoice: Any) -> Any:
    draft = make_invoice(issue_date=ISSUED.isoformat(), sale_date=ISSUED.isoformat(), payment_terms_days=14)
    return invoices.issue(actor=owner, invoice=draft)


@pytest.mark.django_db
def test_the_command_dry_run_prints_and_changes_nothing(invoice: Any) -> None:
    out = io.StringIO()
    call_command("collections", "run", "--dry-run", "--date", day(3).isoformat(), stdout=out)
    text = out.getvalue()
    assert invoice.number in text
    assert "Żółta Łódź Sp. z o.o.\t1\temail" in text
    assert "Steps to take: 1." in text
    assert not CollectionStep.objects.exists()
    call_command("collections", "run", "--date", day(3).isoformat(), stdout=io.StringIO())
    assert CollectionStep.objects.count() == 1


@pytest.mark.django_db
def test_the_command_refuses_a_bad_date() -> None:
    from django.core.management.base import CommandError

    with pytest.raises((CommandError, SystemExit)):
        call_command("collections", "run", "--date", "31.12.2026", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.django_db
def test_the_workers_task_runs_today(owner: Any, make_invoice: Any) -> None:
    # An invoice due a month ago, run "today" by the task itself.
    issued = datetime.date.today() - datetime.timedelta(days=44)
    invoices.issue(
        actor=owner,
        invoice=make_invoice(issue_date=issued.isoformat(), sale_date=issued.isoformat(), payment_terms_days=14),
    )
    result = run_collections.call()
    assert result == {"customers": 1, "taken": 1, "errors": 0}


@pytest.mark.django_db
def test_another_app_pauses_collections_through_an_event(invoice: Any) -> None:
    with transaction.atomic():
        emit(CollectionsPauseRequested(source="service.ticket:7", reason="Complaint", company_id=invoice.company_id))
    dispatch_pending()
    assert collections.run(today=day(3)).held["paused"] == 1
    with transaction.atomic():
        emit(CollectionsPauseLifted(source="service.ticket:7"))
    dispatch_pending()
    assert collections.run(today=day(3)).taken == 1


@pytest.mark.django_db
def test_the_owner_approves_on_the_screen_and_others_cannot(
    owner: Any, teammate: Any, invoice: Any, login: Any, client: Any
) -> None:
    CollectionProfile.objects.create(company=invoice.company, key_account=True)
    for offset in (3, 10, 21):
        collections.run(today=day(offset))
    letter = CollectionStep.objects.get(action="letter")
    page = login(owner).get(reverse("billing:collections-approvals"))
    assert page.status_code == 200
    assert invoice.number in page.content.decode()
    client.logout()
    refused = login(teammate).post(reverse("billing:collection-step-decide", args=[letter.pk]), {"decision": "approve"})
    assert refused.status_code == 403
    client.logout()
    done = login(owner).post(reverse("billing:collection-step-decide", args=[letter.pk]), {"decision": "approve"})
    assert done.status_code == 302
    letter.refresh_from_db()
    assert letter.state == CollectionStepState.DONE
    assert Message.objects.get(pk=letter.message_id).channel == "letter"


@pytest.mark.django_db
def test_the_agent_logs_a_promise_from_the_call_list(owner: Any, invoice: Any, login: Any) -> None:
    for offset in (3, 10, 21, 30):
        collections.run(today=day(offset))
    call = CollectionStep.objects.get(action="call")
    client = login(owner)
    # The call task is due on its day; the list shows what is due up to today.
    page = client.get(reverse("billing:collection-calls"))
    assert invoice.number in page.content.decode()
    promised = datetime.date.today() + datetime.timedelta(days=5)
    missing = client.post(reverse("billing:collection-call-log", args=[call.pk]), {"result": "promise"}, follow=True)
    assert "Enter the date the customer promised to pay by." in missing.content.decode()
    assert not PromiseToPay.objects.exists()
    client.post(
        reverse("billing:collection-call-log", args=[call.pk]),
        {"result": "promise", "promised_on": promised.isoformat(), "amount": "500,00", "note": "Pays on Friday"},
    )
    promise = PromiseToPay.objects.get()
    assert (promise.promised_on, str(promise.amount)) == (promised, "500.00")
    assert Task.objects.get(pk=call.task_id).status == TaskStatus.DONE
    logged = Interaction.objects.get(channel="phone", company=invoice.company)
    assert "Pays on Friday" in logged.body


@pytest.mark.django_db
def test_no_answer_moves_the_call_to_the_next_working_day(owner: Any, invoice: Any) -> None:
    for offset in (3, 10, 21, 30):
        collections.run(today=day(offset))
    call = CollectionStep.objects.get(action="call")
    friday = datetime.date(2026, 12, 4)
    collections.log_call(actor=owner, step=call, result="no_answer", today=friday)
    task = Task.objects.get(pk=call.task_id)
    assert task.status == TaskStatus.OPEN
    assert task.due_at.date() == datetime.date(2026, 12, 7)  # Monday


@pytest.mark.django_db
def test_a_run_that_lost_the_race_takes_nothing(invoice: Any) -> None:
    """Two runs planned the same step; the one that writes second finds it taken: its chunk
    fails as a whole and, taken again one step at a time, writes nothing."""
    from django.db import IntegrityError

    from accord.billing.services.collections import (
        StepReport,
        _ladders,
        _Planned,
        _RunCache,
        _take_step,
        _take_steps,
        rates,
    )

    _ladders_by_key, levels = _ladders()
    row = {
        "id": invoice.pk,
        "number": invoice.number,
        "company_id": invoice.company_id,
        "contact_id": None,
        "due_date": invoice.due_date,
        "currency": invoice.currency,
        "gross_total": invoice.gross_total,
        "gross_total_base": None,
        "corrections_total": invoice.corrections_total,
        "paid_amount": invoice.paid_amount,
    }
    entry = StepReport("c", "email", 1, [invoice.number], invoice.gross_total, "PLN", False)
    item = _Planned((invoice.company_id, None), levels[("", 1)], [row], False, entry)
    cache = _RunCache(rates=rates())
    with transaction.atomic():
        assert _take_steps(day(3), [item], {}, cache) == {}
    with pytest.raises(IntegrityError), transaction.atomic():
        _take_steps(day(3), [item], {}, cache)
    assert _take_step(day(3), item, {}, cache) is False
    assert CollectionStep.objects.count() == 1
    assert Message.objects.filter(kind="payment_reminder").count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time; the race above covers it"
)
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_take_each_step_once(owner: Any, make_invoice: Any, customer: Any, make_company: Any) -> None:
    for n in range(6):
        company = (
            customer
            if n == 0
            else make_company(
                owner, addresses=[{"street": f"ul. Polna {n}", "postal_code": "00-001", "city": "Warszawa"}]
            )
        )
        invoices.issue(
            actor=owner,
            invoice=make_invoice(
                company=company, issue_date=ISSUED.isoformat(), sale_date=ISSUED.isoformat(), payment_terms_days=14
            ),
        )
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def one_run() -> None:
        try:
            barrier.wait()
            collections.run(today=day(3))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert CollectionStep.objects.count() == 6
    assert Message.objects.filter(kind="payment_reminder").count() == 6


@pytest.mark.django_db
def test_the_case_for_the_debt_collector_holds_invoices_messages_and_history(
    owner: Any, outsider: Any, invoice: Any, login: Any, client: Any
) -> None:
    import zipfile

    from pypdf import PdfReader

    for offset in (3, 10, 21, 30, 60):
        collections.run(today=day(offset))
    handoff = CollectionStep.objects.get(action="handoff")
    collections.approve_step(actor=owner, step=handoff)
    url = reverse("billing:collection-case", args=["company", invoice.company_id])
    assert login(outsider).get(url).status_code == 404
    client.logout()
    response = login(owner).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert f"invoices/{invoice.number.replace('/', '-')}.pdf" in names
    assert len([n for n in names if n.startswith("messages/")]) == 3  # e-mail or letter, SMS or letter, letter
    summary = "".join(page.extract_text() for page in PdfReader(io.BytesIO(archive.read("summary.pdf"))).pages)
    assert invoice.number in summary
    assert "Żółta Łódź" in summary
    history = archive.read("history.csv").decode()
    assert history.count("\n") >= 6  # the header and five steps


@pytest.mark.django_db
def test_a_dispute_is_recorded_and_resolved_on_the_invoice_page(
    owner: Any, viewer: Any, invoice: Any, login: Any, client: Any
) -> None:
    page = reverse("billing:invoice-detail", args=[invoice.pk])
    assert "Record a dispute" in login(owner).get(page).content.decode()
    client.post(reverse("billing:invoice-dispute", args=[invoice.pk]), {"reason": "Wrong quantity"})
    assert collections.run(today=day(3)).held["disputed"] == 1
    shown = client.get(page).content.decode()
    assert "Wrong quantity" in shown
    assert "Record a dispute" not in shown
    from accord.billing.models import InvoiceDispute

    dispute = InvoiceDispute.objects.get(invoice=invoice)
    client.logout()
    assert (
        login(viewer).post(reverse("billing:invoice-dispute-resolve", args=[invoice.pk, dispute.pk])).status_code == 403
    )
    client.logout()
    login(owner).post(
        reverse("billing:invoice-dispute-resolve", args=[invoice.pk, dispute.pk]), {"resolution": "Agreed"}
    )
    dispute.refresh_from_db()
    assert dispute.resolved_at is not None
    assert collections.run(today=day(3)).taken == 1


@pytest.mark.django_db
def test_an_administrator_sets_the_ladders_and_rates_and_others_cannot(
    admin_user: Any, owner: Any, login: Any, client: Any
) -> None:
    from accord.billing.models import CollectionLadder, LatePaymentRate

    assert login(owner).get(reverse("billing:collection-settings")).status_code == 403
    refused = client.post(reverse("billing:collection-rate-save"), {"valid_from": "2026-07-01", "annual_percent": "14"})
    assert refused.status_code == 403  # the service refuses it: nothing changes
    assert not LatePaymentRate.objects.filter(valid_from="2026-07-01").exists()
    client.logout()
    admin = login(admin_user)
    assert "Standard" in admin.get(reverse("billing:collection-settings")).content.decode()
    admin.post(reverse("billing:collection-rate-save"), {"valid_from": "2026-07-01", "annual_percent": "14,5"})
    assert LatePaymentRate.objects.get(valid_from="2026-07-01").annual_percent == D("14.50")
    form = {"name": "Partners", "min_days_between_steps": "10", "rows": "3"}
    form |= {"days-0": "14", "action-0": "email", "template-0": "payment_reminder"}
    form |= {"days-1": "7", "action-1": "call"}  # earlier than the level before: refused
    shown = admin.post(reverse("billing:collection-ladder-new"), form, follow=True).content.decode()
    assert "A level cannot come earlier than the one before it." in shown
    assert not CollectionLadder.objects.filter(name="Partners").exists()
    form["days-1"] = "30"
    admin.post(reverse("billing:collection-ladder-new"), form)
    partners = CollectionLadder.objects.get(name="Partners")
    assert [(lv.position, lv.days_after_due, lv.action) for lv in partners.levels.order_by("position")] == [
        (1, 14, "email"),
        (2, 30, "call"),
    ]


@pytest.mark.django_db
def test_a_customer_climbs_its_own_ladder(admin_user: Any, owner: Any, invoice: Any, login: Any) -> None:
    from accord.billing.models import CollectionProfile

    gentle = collections.save_ladder(
        actor=admin_user,
        name="Gentle",
        levels=[{"days_after_due": 14, "action": "email", "template_kind": "payment_reminder"}],
    )
    login(owner).post(
        reverse("billing:collection-profile", args=["company", invoice.company_id]),
        {"ladder": str(gentle.pk), "key_account": "1", "next": f"/billing/invoices/{invoice.pk}/"},
    )
    profile = CollectionProfile.objects.get(company=invoice.company)
    assert (profile.ladder, profile.key_account) == (gentle, True)
    assert collections.run(today=day(3)).taken == 0  # the standard ladder's day 3 is not this one's
    assert collections.run(today=day(14)).taken == 1
