"""Hand-built customers and orders whose classification is worked out in the tests' docstrings."""

from __future__ import annotations

import datetime
import decimal
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from accord.activities.models import Interaction
from accord.billing.models import CollectionStep, Invoice, Order, OrderLine, Payment, PaymentAllocation
from accord.sales.models import Product
from accord.service.models import Queue, Ticket

D = decimal.Decimal
AS_OF = datetime.date(2026, 6, 30)
_numbers = itertools.count(1)


def at(days_before: int) -> datetime.datetime:
    """Noon, ``days_before`` days before AS_OF, in the server's time zone."""
    day = AS_OF - datetime.timedelta(days=days_before)
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def order(
    *,
    company: Any = None,
    contact: Any = None,
    days_before: int,
    lines: list[tuple[Product | None, str, str]],
    status: str = "confirmed",
    currency: str = "PLN",
) -> Order:
    """An order with ``lines`` of (product, quantity, net)."""
    placed = Order.objects.create(
        number=f"ZAM/{next(_numbers)}",
        status=status,
        company=company,
        contact=contact,
        currency=currency,
        customer_name=str(company or contact),
        created_at=at(days_before),
    )
    for position, (product, quantity, net) in enumerate(lines):
        OrderLine.objects.create(
            order=placed,
            product=product,
            description=product.name if product else "Service",
            quantity=D(quantity),
            unit_price=D(net),
            vat_rate="23",
            net=D(net),
            vat=D(0),
            gross=D(net),
            position=position,
        )
    return placed


@dataclass(frozen=True)
class Plan:
    """A customer's orders in the period: how many, the last one's age, revenue and cost."""

    name: str
    last_days: int
    count: int
    revenue: int
    cost: int  # as a Widget line (unit cost 10) on the first order; 0: none
    uncosted: bool = False  # the first order's line is a product with no cost


# Worked out by hand (ten customers, so a score is 1 for ranks 1-2, 2 for 3-4, ... 5 for 9-10):
#   recency rank (oldest first) J I H G F E D C B A   -> R 1 1 2 2 3 3 4 4 5 5
#   orders: B C J one (rank 1, F=1), D I two (rank 4, F=2), F three (rank 6, F=3),
#           E H four (rank 7, F=4), G six (rank 9), A seven (rank 10) -> F=5
#   revenue ascending J I C B D F H E G A -> M 1 1 2 2 3 3 4 4 5 5
PLANS = [
    Plan("A", last_days=5, count=7, revenue=50_000, cost=45_000),
    Plan("B", last_days=20, count=1, revenue=2_000, cost=2_500),
    Plan("C", last_days=40, count=1, revenue=1_000, cost=100),
    Plan("D", last_days=60, count=2, revenue=3_000, cost=0),
    Plan("E", last_days=80, count=4, revenue=10_000, cost=0),
    Plan("F", last_days=100, count=3, revenue=5_000, cost=4_000),
    Plan("G", last_days=150, count=6, revenue=20_000, cost=2_000),
    Plan("H", last_days=200, count=4, revenue=8_000, cost=1_000),
    Plan("I", last_days=250, count=2, revenue=600, cost=0),
    Plan("J", last_days=300, count=1, revenue=400, cost=0, uncosted=True),
]


def build(customers: dict[str, Any], widget: Product, uncosted: Product) -> None:
    """The orders of each plan for ``customers`` (name -> a company or a contact): the last one
    ``last_days`` before AS_OF, the others ten days apart before it; the revenue split evenly, the
    first order's remainder included."""
    for plan in PLANS:
        customer = customers[plan.name]
        kind = "company" if customer._meta.model_name == "company" else "contact"
        share = plan.revenue // plan.count
        for k in range(plan.count):
            net = share + (plan.revenue - share * plan.count if k == 0 else 0)
            lines: list[tuple[Product | None, str, str]]
            if k == 0 and plan.cost:
                lines = [(widget, str(plan.cost // 10), str(net))]
            elif k == 0 and plan.uncosted:
                lines = [(uncosted, "1", str(net))]
            else:
                lines = [(None, "1", str(net))]
            order(**{kind: customer}, days_before=plan.last_days + 10 * (plan.count - 1 - k), lines=lines)


# --- the cost to serve ---------------------------------------------------------------------------

_serial = itertools.count(1)


def _interaction(author: Any, channel: str, days_before: int, **customer: Any) -> None:
    Interaction.objects.create(channel=channel, occurred_at=at(days_before), author=author, subject="x", **customer)


def _ticket(contact: Any, company: Any = None, days_before: int = 20) -> None:
    queue, _ = Queue.objects.get_or_create(name="Support")
    Ticket.objects.create(
        number=next(_serial), subject="Help", queue=queue, contact=contact, company=company, created_at=at(days_before)
    )


def _step(action: str, state: str = "done", **customer: Any) -> None:
    CollectionStep.objects.create(
        position=1, action=action, day=AS_OF - datetime.timedelta(days=5), state=state, currency="PLN", **customer
    )


def _invoice(owner: Any, gross: str, due_days_before: int, **customer: Any) -> Invoice:
    """An issued invoice of ``gross`` falling due ``due_days_before`` AS_OF (the draft made by the
    service, issued by hand: numbering and the seller's details are not what is tested here)."""
    from accord.billing.services import invoices

    draft = invoices.create_invoice(
        actor=owner,
        data={**customer, "lines": [{"description": "x", "quantity": "1", "unit_price": gross, "vat_rate": "zw"}]},
    )
    Invoice.objects.filter(pk=draft.pk).update(
        status="issued",
        number=f"FV/{next(_serial)}",
        gross_total=D(gross),
        due_date=AS_OF - datetime.timedelta(days=due_days_before),
    )
    return Invoice.objects.get(pk=draft.pk)


def _paid(invoice: Invoice, days_before: int, **customer: Any) -> None:
    payment = Payment.objects.create(
        amount=invoice.gross_total,
        currency="PLN",
        received_on=AS_OF - datetime.timedelta(days=days_before),
        allocated_amount=invoice.gross_total,
        **customer,
    )
    PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=invoice.gross_total)
    Invoice.objects.filter(pk=invoice.pk).update(status="paid", paid_amount=invoice.gross_total)


def cost_world(owner: Any, make_company: Any, make_contact: Any) -> dict[str, Any]:
    """K, a company: margin 10,000; two calls (2 x 15), a meeting (150), a note (free) and a call a
    year and more ago (outside the period); one ticket (60): cost to serve 240, contribution 9,760.

    P, a contact buying privately: 500 plus a line of 10 x 100 sold for 900 (discount 100), margin
    1,400; five visits (5 x 300 = 1,500); a letter (12) and a reminder e-mail (2) taken, a call
    rejected (free); 3,650 paid 30 days late (3,650 x 30 x 10 % / 365 = 30) and 730 overdue for 10
    days at AS_OF (730 x 10 x 10 % / 365 = 2): cost to serve 1,546, contribution -146.

    R, a company: margin 1,000 and nothing else: contribution 1,000.

    Key share 80 % of the positive contribution (10,760): K's 9,760 starts at 0: key; R starts at
    9,760, past 8,608: regular. P is unprofitable."""
    k = make_company(owner, name="K")
    r = make_company(owner, name="R")
    p = make_contact(owner, first_name="P")
    order(company=k, days_before=30, lines=[(None, "1", "10000")])
    order(company=r, days_before=40, lines=[(None, "1", "1000")])
    placed = order(contact=p, days_before=50, lines=[(None, "1", "500")])
    OrderLine.objects.create(
        order=placed,
        description="Discounted",
        quantity=D(10),
        unit_price=D(100),
        discount_percent=D(10),
        vat_rate="23",
        net=D(900),
        vat=D(0),
        gross=D(900),
        position=5,
    )
    for channel, days in (("phone", 3), ("phone", 100), ("meeting", 10), ("note", 10), ("phone", 400)):
        _interaction(owner, channel, days, company=k)
    for days in range(5):
        _interaction(owner, "visit", 10 + days, contact=p)
    contact_at_k = make_contact(owner, first_name="Buyer")
    _ticket(contact_at_k, company=k)
    _step("letter", contact=p)
    _step("email", contact=p)
    _step("call", state="rejected", contact=p)
    late = _invoice(owner, "3650", 60, contact=p)
    _paid(late, 30, contact=p)
    _invoice(owner, "730", 10, contact=p)
    return {"K": k, "R": r, "P": p}


def build_population(contact: Callable[[str], Any], company: Callable[[str], Any], widget: Product) -> dict[str, Any]:
    """Forty customers. Named ones:
    - ``single``: one order, 10 weeks before AS_OF (x = 0, T = 10);
    - ``stopped``: an order every week for ten weeks, the last 40 weeks before AS_OF
      (x = 9, t_x = 9, T = 49), of 90, 100 or 110 (the repeat ones three of each: mean 100);
    - ``regular`` (a company): an order every two weeks for a year until one week before AS_OF
      (x = 25, t_x = 50, T = 51) of 240 to 360 (the repeat ones five of each: mean 300; the first
      240), each with a Widget line costing 100: margin (7,740 - 2,600) / 7,740.
    The others: twenty single buyers (orders 5 to 290 days back), fifteen who buy every three to
    five weeks and are still buying, and two who bought four times and stopped half a year ago."""
    made: dict[str, Any] = {}
    made["single"] = single = contact("Single")
    order(contact=single, days_before=70, lines=[(None, "1", "500")])
    made["stopped"] = stopped = contact("Stopped")
    for week in range(10):
        order(contact=stopped, days_before=7 * (40 + week), lines=[(None, "1", str(90 + 10 * (week % 3)))])
    made["regular"] = regular = company("Regular Buyer")
    for fortnight in range(26):
        net = str(240 + 30 * (fortnight % 5))
        order(company=regular, days_before=7 + 14 * fortnight, lines=[(widget, "10", net)])
    for n in range(20):
        buyer = contact(f"Once{n}")
        order(contact=buyer, days_before=5 + 15 * n, lines=[(None, "1", str(50 + 10 * n))])
    for n in range(15):
        buyer = contact(f"Steady{n}")
        gap = 21 + 7 * (n % 3)
        for k in range(3 + n % 4):
            net = str(40 + 60 * ((7 * k + n) % 5))
            order(contact=buyer, days_before=3 + n + gap * k, lines=[(None, "1", net)])
    for n in range(2):
        buyer = contact(f"Gone{n}")
        for k in range(4):
            order(contact=buyer, days_before=180 + 30 * k, lines=[(None, "1", str(100 + 10 * k))])
    return made
