"""Hand-built customers and orders whose classification is worked out in the tests' docstrings."""

from __future__ import annotations

import datetime
import decimal
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from accord.billing.models import Order, OrderLine
from accord.sales.models import Product

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
