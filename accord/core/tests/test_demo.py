"""``accord demo`` fills an empty database with consistent data from every app, once."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Max

from accord.core.demos import DEMO_PASSWORD, demo_logins

pytestmark = pytest.mark.django_db(transaction=True)


def _demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_demo_loads_every_app_once_and_consistently() -> None:
    from accord.activities.models import Interaction
    from accord.identity.models import User
    from accord.people.models import Company, Contact
    from accord.sales.models import Deal, DealStageChange, Lead, Pipeline, Product

    output = _demo("--size", "0.02", "--seed", "7")
    assert "Demo data loaded" in output

    assert {name for name, _role in demo_logins()} >= {"admin", "manager", "anna", "viewer"}
    assert User.objects.get(username="anna").check_password(DEMO_PASSWORD)
    assert Company.objects.count() == 20
    assert Contact.objects.count() == 100
    assert Interaction.objects.exists()
    assert Product.objects.filter(active=True).count() >= 10
    assert Pipeline.objects.count() == 2
    assert Pipeline.objects.filter(is_default=True).count() == 1
    assert Lead.objects.filter(partner__isnull=True).count() == 8
    # The portal's customer and partner, who sign in with their e-mail and the demo password.
    assert {name for name, _role in demo_logins()} >= {"customer@example.com", "partner@example.com"}
    assert Lead.objects.filter(partner__isnull=False).count() == 2

    deals = list(Deal.objects.select_related("stage").prefetch_related("lines"))
    assert len(deals) == 19
    assert {d.status for d in deals} <= {"open", "won", "lost"}
    # The partner registered one in the portal: a value, no lines yet.
    registered = [d for d in deals if d.partner_id is not None]
    assert [(d.source, d.amount_source, d.status) for d in registered] == [("partner", "manual", "open")]
    for deal in deals:
        # The amount is what the lines add up to, the status follows the stage.
        if deal in registered:
            continue
        assert deal.amount == sum((line.net for line in deal.lines.all()), start=deal.amount * 0)
        assert deal.amount_source == "lines"
        assert deal.status == deal.stage.kind
        assert (deal.status == "lost") == (deal.lost_reason_id is not None)
    # Every deal's history starts with no stage and ends where the deal is.
    last = {
        row["deal"]: row["at"]
        for row in DealStageChange.objects.values("deal").annotate(at=Max("changed_at"), n=Count("id"))
    }
    assert set(last) == {d.pk for d in deals}
    for deal in deals:
        changes = list(DealStageChange.objects.filter(deal=deal).order_by("changed_at", "id"))
        assert changes[0].from_stage_id is None
        assert changes[-1].to_stage_id == deal.stage_id
        if deal not in registered:  # registered in the portal as the demo ran
            assert deal.updated_at == last[deal.pk]  # last touched when it last moved, not when the demo ran

    # Quotes were made from open deals' lines.
    from accord.sales.models import Quote
    from accord.sales.pdf import render_quote
    from accord.sales.tests.test_quotes_pdf_mail import pdf_text

    quotes = list(Quote.objects.prefetch_related("lines").select_related("deal"))
    assert quotes
    # They print the demo's selling company (no ACCORD_SELLER_* is set here), kept in the Sales settings.
    from accord.sales.models import SellerDetails

    assert SellerDetails.objects.get().tax_id == "PL5252248481"
    assert "PL5252248481" in pdf_text(render_quote(quotes[0]))
    for quote in quotes:
        assert quote.seller["name"] == "Accord Demo Sp. z o.o."
        assert quote.deal.status == "open"
        assert quote.net_total == sum((line.net for line in quote.lines.all()), start=quote.net_total * 0)

    # Loading again with --if-empty changes nothing.
    assert "already has users" in _demo("--if-empty")
    assert Deal.objects.count() == 19  # with the demo partner's registered deal
    assert Contact.objects.count() == 100


def test_the_first_minute_after_the_demo_brings_each_user_a_few_notifications_not_a_flood() -> None:
    from django.utils import timezone

    from accord.activities.models import Task
    from accord.activities.services import fire_due_reminders
    from accord.core.events import dispatch_pending
    from accord.messaging.models import Message
    from accord.sales.models import AutomationRun
    from accord.sales.services.automation import run_idle_rules

    loaded = timezone.now()
    _demo("--size", "0.5")

    # Billing: orders, invoices and payments, overdue customers at every level of the ladder, and
    # the last days' letters in today's print batch.
    from accord.billing.models import CollectionStep, Invoice, Order, Payment
    from accord.messaging.models import PrintBatch

    assert Order.objects.exists()
    assert Payment.objects.exists()
    assert Invoice.objects.filter(status="partially_paid").exists()
    assert {"email", "sms", "letter", "call", "handoff"} <= set(CollectionStep.objects.values_list("action", flat=True))
    assert CollectionStep.objects.filter(state="awaiting").exists()
    batch = PrintBatch.objects.get(state="open")
    assert batch.letter_count > 0

    # What the worker does in its first minute: the reminders due by now and the idle-deal rule.
    assert fire_due_reminders(now=loaded) == 0  # reminders whose time had passed count as sent
    assert Task.objects.filter(remind_at__lte=loaded, reminded_at__isnull=True).count() == 0
    assert Task.objects.filter(remind_at__gt=loaded, reminded_at__isnull=True).exists()  # still to come
    # Before, every open deal looked idle: the rule fired 373 times at full size, 104 for anna.
    marked = set(AutomationRun.objects.values_list("pk", flat=True))  # the demo's long-quiet deals
    assert run_idle_rules() == 8
    dispatch_pending()

    inbox = Message.objects.filter(channel="in_app", read_at__isnull=True)
    # Collections asks owners to approve a key account's letter or a hand-off: a few, not a flood.
    approvals = Counter(
        inbox.filter(related_entity="billing.collectionstep").values_list("recipient_user__username", flat=True)
    )
    assert max(approvals.values(), default=0) <= 5
    unread = Counter(
        inbox.exclude(related_entity="billing.collectionstep").values_list("recipient_user__username", flat=True)
    )
    # The quiet deals' reminders come as one notification per owner (which reps own them depends
    # on the generated data).
    owners = set(AutomationRun.objects.exclude(pk__in=marked).values_list("deal__owner__username", flat=True))
    assert unread == dict.fromkeys(owners, 1)
    assert owners <= {"anna", "piotr", "jonas", "ioana", "olga"}
    assert run_idle_rules() == 0
