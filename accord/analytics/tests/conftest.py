from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

import pytest

from accord.analytics.tests import factories
from accord.analytics.tests.factories import order
from accord.sales.models import Product


@pytest.fixture
def widget(db: Any) -> Product:
    return Product.objects.create(sku="W-1", name="Widget", unit_cost=decimal.Decimal("10.00"))


@pytest.fixture
def uncosted_product(db: Any) -> Product:
    return Product.objects.create(sku="U-1", name="Consulting", unit_cost=None)


@pytest.fixture
def customers(
    owner: Any, outsider: Any, make_company: Callable[..., Any], make_contact: Callable[..., Any]
) -> dict[str, Any]:
    """Ten customers: G and E are companies, the others contacts; J belongs to the outsider."""
    made: dict[str, Any] = {}
    for plan in factories.PLANS:
        if plan.name in ("G", "E"):
            made[plan.name] = make_company(owner, name=f"Company {plan.name}")
        else:
            made[plan.name] = make_contact(outsider if plan.name == "J" else owner, first_name=plan.name)
    return made


@pytest.fixture
def classified_world(customers: dict[str, Any], widget: Product, uncosted_product: Product) -> dict[str, Any]:
    factories.build(customers, widget, uncosted_product)
    return customers


@pytest.fixture
def population(owner: Any, make_contact: Any, make_company: Any, widget: Product) -> dict[str, Any]:
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
    made["single"] = single = make_contact(owner, first_name="Single")
    order(contact=single, days_before=70, lines=[(None, "1", "500")])
    made["stopped"] = stopped = make_contact(owner, first_name="Stopped")
    for week in range(10):
        order(contact=stopped, days_before=7 * (40 + week), lines=[(None, "1", str(90 + 10 * (week % 3)))])
    made["regular"] = regular = make_company(owner, name="Regular Buyer")
    for fortnight in range(26):
        net = str(240 + 30 * (fortnight % 5))
        order(company=regular, days_before=7 + 14 * fortnight, lines=[(widget, "10", net)])
    for n in range(20):
        buyer = make_contact(owner, first_name=f"Once{n}")
        order(contact=buyer, days_before=5 + 15 * n, lines=[(None, "1", str(50 + 10 * n))])
    for n in range(15):
        buyer = make_contact(owner, first_name=f"Steady{n}")
        gap = 21 + 7 * (n % 3)
        for k in range(3 + n % 4):
            net = str(40 + 60 * ((7 * k + n) % 5))
            order(contact=buyer, days_before=3 + n + gap * k, lines=[(None, "1", net)])
    for n in range(2):
        buyer = make_contact(owner, first_name=f"Gone{n}")
        for k in range(4):
            order(contact=buyer, days_before=180 + 30 * k, lines=[(None, "1", str(100 + 10 * k))])
    return made
