"""Customer classification (RFM, ABC, cost to serve) at scale: generate customers with two years of
orders, then time ``accord classify`` step by step.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_classify \\
        python benchmarks/classify_scale.py --customers 100000 --lines 1000000 [--runs 2] [--seed 7]

The database is migrated first. Customers are contacts buying privately (one in five a company),
each with a buying rate of their own (gamma) over 730 days; orders of 1-5 lines of 50 products with
unit costs, in the base currency; nine in ten confirmed or fulfilled. Generation is seeded and done
once per database (a second run reuses what is there). Prints JSON: the sizes, then each run's
seconds per step and in all, and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import datetime
import decimal
import json
import os
import random
import resource
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

BATCH = 20_000
D = decimal.Decimal


def _setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def generate(customers: int, lines: int, seed: int) -> dict[str, int]:
    from django.db import transaction
    from django.utils import timezone

    from accord.billing.models import Order, OrderLine
    from accord.identity.models import User
    from accord.people.models import Company, Contact
    from accord.sales.models import Product

    if Order.objects.filter(number__startswith="BENCH/").exists():
        return {"customers": Contact.objects.count() + Company.objects.count(), "lines": OrderLine.objects.count()}
    rng = random.Random(seed)
    from accord.identity.services.users import create_user

    owner = User.objects.filter(is_active=True).first() or create_user(actor=None, username="bench", password=None)
    products = [
        Product(sku=f"B-{i}", name=f"Product {i}", unit_cost=D(rng.randint(5, 400)), category=f"Category {i % 7}")
        for i in range(50)
    ]
    Product.objects.bulk_create(products)
    prices = [D(int(p.unit_cost or 0) * rng.uniform(0.9, 2.5)).quantize(D("0.01")) for p in products]
    now = timezone.now()
    mean_lines_per_customer = lines / customers
    made_lines = 0
    number = 0
    for start in range(0, customers, BATCH):
        n = min(BATCH, customers - start)
        with transaction.atomic():
            buyers: list[tuple[str, object]] = []
            contacts = [
                Contact(first_name="B", last_name=f"Buyer {start + i}", sort_name=f"buyer {start + i}", owner=owner)
                for i in range(n)
                if (start + i) % 5
            ]
            companies = [Company(name=f"Buyer {start + i} Ltd", owner=owner) for i in range(n) if not (start + i) % 5]
            Contact.objects.bulk_create(contacts)
            Company.objects.bulk_create(companies)
            buyers = [("contact", c) for c in contacts] + [("company", c) for c in companies]
            orders: list[Order] = []
            order_lines: list[OrderLine] = []
            for kind, buyer in buyers:
                # lines per customer ~ mean, spread by a gamma-distributed appetite
                want = max(1, round(rng.gammavariate(1.5, mean_lines_per_customer / 1.5)))
                while want > 0:
                    k = min(want, rng.randint(1, 5))
                    want -= k
                    number += 1
                    order = Order(
                        id=uuid.uuid4(),
                        number=f"BENCH/{number}",
                        status=rng.choices(["confirmed", "fulfilled", "draft", "cancelled"], [45, 45, 5, 5])[0],
                        currency="PLN",
                        customer_name="Buyer",
                        created_at=now - datetime.timedelta(days=rng.uniform(0, 730)),
                        **{kind: buyer},
                    )
                    orders.append(order)
                    for position in range(k):
                        p = rng.randrange(len(products))
                        quantity = D(rng.randint(1, 10))
                        net = (quantity * prices[p]).quantize(D("0.01"))
                        order_lines.append(
                            OrderLine(
                                order=order,
                                product=products[p],
                                description=products[p].name,
                                quantity=quantity,
                                unit_price=prices[p],
                                vat_rate="23",
                                net=net,
                                vat=D(0),
                                gross=net,
                                position=position,
                            )
                        )
            Order.objects.bulk_create(orders, batch_size=5000)
            OrderLine.objects.bulk_create(order_lines, batch_size=5000)
            made_lines += len(order_lines)
        print(f"  {start + n:,} customers, {made_lines:,} lines", file=sys.stderr, flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"customers": customers, "lines": made_lines}


def run_once() -> dict[str, object]:
    from accord.analytics.services.classification import classify

    marks: list[float] = []
    started = time.monotonic()
    result = classify(progress=lambda done, total: marks.append(time.monotonic() - started))
    steps = [round(b - a, 2) for a, b in zip([0.0, *marks], marks, strict=False)]
    return {"seconds": round(time.monotonic() - started, 2), "steps": steps, "classified": result.customers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    _setup()
    from django.db import connection

    t0 = time.monotonic()
    sizes = generate(args.customers, args.lines, args.seed)
    generated = round(time.monotonic() - t0, 1)
    runs = [run_once() for _ in range(args.runs)]
    print(
        json.dumps(
            {
                "database": connection.vendor,
                **sizes,
                "generated_seconds": generated,
                "runs": runs,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
