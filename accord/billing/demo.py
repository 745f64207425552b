"""Billing demo data: orders from accepted quotes, a few months of invoices (some paid, some paid
in part, some overdue), and the collections ladder run day by day over the last three months, so
that overdue customers stand at every level: reminded by e-mail and SMS, sent a letter, on
today's call list, and one key account's letter waiting for its owner's approval; with a promise
to pay and a disputed invoice holding two customers back.

Before all that, two years of purchase history (``_history``): repeat customers who order, are
invoiced and pay, at their own pace, some of whom stop buying, with more orders before Christmas
and fewer in the summer, so that the analytics (classification, lifetime value, product
profitability, cohorts, forecasts) have something true to show. Field sales tablets sold in the
promotion bundle go below cost: the one loss-making product."""

from __future__ import annotations

import datetime
import decimal
import random
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.billing.models import CollectionProfile, CollectionStep, Invoice, InvoiceStatus
from accord.billing.services import collections, invoices, orders, payments
from accord.core.demos import DemoContext
from accord.people.models import Company
from accord.sales.models import Product, Quote

D = decimal.Decimal
LADDER_DAYS = 90  # the collections run is replayed for each of these past days
HISTORY_DAYS = 730  # the purchase history's length
# Orders per month of the year, relative: Christmas buying, a quiet summer.
SEASON = {1: 0.8, 2: 0.9, 3: 1.0, 4: 1.0, 5: 1.0, 6: 0.9, 7: 0.6, 8: 0.6, 9: 1.1, 10: 1.2, 11: 1.4, 12: 1.5}
PROMOTION = {"HW-TAB": "25"}  # the bundle's discount in per cent: the tablet then sells below its cost


def _lines(rng: random.Random, products: list[Product]) -> list[dict[str, Any]]:
    chosen = rng.sample(products, k=min(len(products), rng.randint(1, 3)))
    return [
        {
            "product": product,
            "description": product.name,
            "quantity": str(rng.choice([1, 1, 2, 3, 5, 10])),
            "unit": product.unit,
            "vat_rate": str(int(product.vat_rate)),
        }
        for product in chosen
    ]


def _sent_in_the_past(today: datetime.date) -> None:
    """The reminders of past days went out on their day (and are on the timeline then); the
    letters of the last three days wait in today's print batch. Nobody real is written to."""
    from accord.messaging.models import Message, MessageChannel, MessageState
    from accord.messaging.services.timeline import log_sent

    recent = today - datetime.timedelta(days=3)
    for step in CollectionStep.objects.filter(message_id__isnull=False).order_by("day"):
        if step.message_id is None:
            continue
        message = Message.objects.filter(pk=step.message_id, state=MessageState.QUEUED).first()
        if message is None or (message.channel == MessageChannel.LETTER and step.day >= recent):
            continue
        if step.day >= today:
            continue  # today's go out with the worker
        sent_at = timezone.make_aware(datetime.datetime.combine(step.day, datetime.time(9, 30)))
        Message.objects.filter(pk=message.pk).update(state=MessageState.SENT, sent_at=sent_at, attempts=1)
        message.refresh_from_db()
        log_sent(message)


def _purchase_days(rng: random.Random, today: datetime.date) -> list[datetime.date]:
    """One customer's purchase days over the history: a buying rate of their own (gamma), the
    chance of stopping after each purchase (beta), and the season thinning the candidate days."""
    rate = rng.gammavariate(1.5, 1 / 90)  # purchases per day: one every two to three months on average
    drop = rng.betavariate(1.0, 6.0)
    peak = max(SEASON.values())
    day = today - datetime.timedelta(days=rng.randint(30, HISTORY_DAYS))
    days: list[datetime.date] = []
    while day < today - datetime.timedelta(days=2) and len(days) < 18:
        if rng.random() < SEASON[day.month] / peak:
            days.append(day)
            if rng.random() < drop:
                break
        day += datetime.timedelta(days=max(1, round(rng.expovariate(rate * peak))))
    return days


def _history_lines(rng: random.Random, products: list[Product]) -> list[dict[str, Any]]:
    lines = _lines(rng, products)
    for line in lines:
        promotion = PROMOTION.get(line["product"].sku)
        if promotion and rng.random() < 0.7:
            line["discount_percent"] = promotion
    return lines


def _history(ctx: DemoContext, products: list[Product], companies: list[Company], today: datetime.date) -> None:
    """Two years of orders, each invoiced on its day and paid when it fell due (a few days early or
    late); the last ones not yet due are still open. Dated as they happened."""
    from accord.billing.models import Order

    rng = random.Random(f"billing-history:{ctx.seed}")
    purchases = sorted(
        ((day, n, company) for n, company in enumerate(companies) for day in _purchase_days(rng, today)),
        key=lambda purchase: (purchase[0], purchase[1]),
    )
    made = paid = 0
    for day, _n, company in purchases:
        owner = company.owner
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randint(8, 16), rng.randint(0, 59))))
        try:
            order = orders.create_order(actor=owner, data={"company": company, "lines": _history_lines(rng, products)})
            orders.set_status(actor=owner, order=order, status="confirmed")
            if day < today - datetime.timedelta(days=7):
                orders.set_status(actor=owner, order=order, status="fulfilled")
            terms = rng.choice([14, 14, 30])
            draft = invoices.create_from_order(
                actor=owner,
                order=order,
                data={"issue_date": day.isoformat(), "sale_date": day.isoformat(), "payment_terms_days": terms},
            )
            invoice = invoices.issue(actor=owner, invoice=draft)
        except ValidationError:
            continue
        Order.objects.filter(pk=order.pk).update(created_at=at, updated_at=at)
        Invoice.objects.filter(pk=invoice.pk).update(issued_at=at)
        made += 1
        due = invoice.due_date or day
        when = due + datetime.timedelta(days=rng.randint(-6, 9))
        if when < today:
            payments.record_payment(
                actor=owner,
                amount=invoice.gross_total,
                currency=invoice.currency,
                received_on=max(day, when),
                invoice=invoice,
                company=company,
                reference=invoice.number,
            )
            paid += 1
    ctx.log(f"  {made} orders over two years ({len({c.pk for _d, _n, c in purchases})} customers), {paid} paid")


def generate(ctx: DemoContext) -> None:
    # Its own generator: the apps before drew what they always drew, so a seed keeps its demo.
    rng = random.Random(f"billing:{ctx.seed}")
    today = timezone.localdate()
    products = list(Product.objects.filter(active=True).order_by("sku"))
    if not products:
        return

    # Orders: from the quotes customers accepted, and typed in for the others.
    made_orders = 0
    for quote in Quote.objects.filter(status="accepted").select_related("deal__owner")[: ctx.count(20)]:
        try:
            order = orders.create_from_quote(actor=quote.deal.owner, quote=quote)
            orders.set_status(actor=quote.deal.owner, order=order, status="confirmed")
        except ValidationError:
            continue
        made_orders += 1
    companies = [
        c
        for c in Company.objects.filter(addresses__isnull=False)
        .select_related("owner")
        .distinct()
        .order_by("id")[: ctx.count(160)]
        if c.owner is not None and c.owner.is_active
    ]
    _history(ctx, products, companies[: ctx.count(120)], today)
    issued: list[Invoice] = []
    for company in companies:
        for _n in range(rng.randint(1, 3)):
            days_ago = rng.randint(5, 150)
            day = today - datetime.timedelta(days=days_ago)
            try:
                draft = invoices.create_invoice(
                    actor=company.owner,
                    data={
                        "company": company,
                        "issue_date": day.isoformat(),
                        "sale_date": day.isoformat(),
                        "payment_terms_days": rng.choice([7, 14, 14, 30]),
                        "lines": _lines(rng, products),
                    },
                )
                issued.append(invoices.issue(actor=company.owner, invoice=draft))
            except ValidationError:
                continue
    issued.sort(key=lambda invoice: invoice.issue_date or today)
    for company in companies[: ctx.count(15)]:
        try:
            order = orders.create_order(actor=company.owner, data={"company": company, "lines": _lines(rng, products)})
            if rng.random() < 0.7:
                orders.set_status(actor=company.owner, order=order, status="confirmed")
        except ValidationError:
            continue
        made_orders += 1

    # Most customers pay, on time or a little late; some pay part; the rest owe.
    paid = partly = 0
    for invoice in issued:
        due = invoice.due_date or today
        draw = rng.random() * (0.6 if (today - due).days > 60 else 1.0)  # old invoices are mostly paid
        if draw < 0.55 and due - datetime.timedelta(days=3) <= today:
            when = min(today, due + datetime.timedelta(days=rng.randint(-5, 4)))
            payments.record_payment(
                actor=invoice.company.owner if invoice.company else None,
                amount=invoice.gross_total,
                currency=invoice.currency,
                received_on=when,
                invoice=invoice,
                company=invoice.company,
                reference=invoice.number,
            )
            paid += 1
        elif draw < 0.65 and due < today:
            payments.record_payment(
                actor=invoice.company.owner if invoice.company else None,
                amount=(invoice.gross_total * D("0.4")).quantize(D("0.01")),
                currency=invoice.currency,
                received_on=due + datetime.timedelta(days=2),
                invoice=invoice,
                company=invoice.company,
                reference=invoice.number,
            )
            partly += 1

    # Two customers hold the ladder back, one is a key account.
    overdue = [
        inv
        for inv in Invoice.objects.filter(
            status__in=[InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID], due_date__lt=today
        )
        .select_related("company__owner")
        .order_by("due_date")
        if inv.company is not None
    ]
    if overdue:
        key = overdue[0].company
        CollectionProfile.objects.get_or_create(company=key, defaults={"key_account": True})
    owners = [inv.company.owner if inv.company is not None else None for inv in overdue]
    if len(overdue) > 2:
        collections.open_dispute(actor=owners[1], invoice=overdue[1], reason="The delivery was incomplete.")
    if len(overdue) > 3:
        collections.record_promise(
            actor=owners[2],
            company=overdue[2].company,
            promised_on=today + datetime.timedelta(days=4),
            note="Will pay on Friday.",
        )

    steps = 0
    for back in range(LADDER_DAYS, -1, -1):
        day = today - datetime.timedelta(days=back)
        if day.weekday() >= 5:
            continue  # the worker runs the ladder on working days
        steps += collections.run(today=day, keep_steps=False).taken
    _sent_in_the_past(today)
    # The last days' letters wait in today's print batch, ready to print and post.
    from accord.messaging.services import letters

    batch = letters.collect_batch(actor=ctx.data["users"].get("admin"))
    printed = batch.letter_count if batch is not None else 0
    ctx.log(
        f"  {made_orders} orders, {len(issued)} invoices ({paid} paid, {partly} in part), "
        f"{steps} collection steps, {printed} letters to print"
    )
