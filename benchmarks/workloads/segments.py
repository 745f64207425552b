"""M1 segments: the member count of segments of three rules, one of them a purchase, over the whole
customer base (1M contacts at scale 1), as an admin (every contact) and as a sales rep.

The dataset has no orders, so M1 adds them once per scale, in bulk and deterministically: 200
products and ``FULL_ORDERS`` orders at scale 1 (four in ten contacts buy, one to four orders each,
one to three product lines an order, over the last two years; most confirmed or fulfilled, some
drafts and cancellations, which sell nothing).

Each segment's rules are drawn from the seed: a contact field (a language), an interaction rule
(no contact for N days, or an interaction on a channel in the last N days) and "bought product X
in the last N days". On PostgreSQL the plan of the purchase condition is kept with the figures
(its node types and the indexes it uses)."""

from __future__ import annotations

import datetime
import decimal
import random
import statistics
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accord.billing.models import Order, OrderLine
from accord.core import bulk, dbstats
from accord.core.ids import uuid7
from accord.identity.models import User
from accord.marketing import segmenting
from accord.marketing.selectors import segments as selectors
from accord.people.models import Contact
from accord.sales.models import Product
from benchmarks.dataset import CHUNK, Dataset

FULL_ORDERS = 1_000_000
PRODUCTS = 200
PREFIX = "BENCH-O"
SEGMENTS = 6
LANGUAGES = ("pl", "lt", "ro", "ru", "en")
CHANNELS = ("phone", "email", "meeting", "visit")


def _order_count(scale: float) -> int:
    return max(100, round(FULL_ORDERS * scale))


def _popular(rng: random.Random) -> int:
    """A product's position, on a long tail: the first is on one line in nine, the tenth on one in
    forty, the hundredth on one in a thousand."""
    return min(int((rng.paretovariate(1.0) - 1) * 8), PRODUCTS - 1)


def ensure_orders(data: Dataset, seed: int = 7117) -> list[Any]:
    """The products and the orders with their lines, generated once per scale; the product keys."""
    existing = list(Product.objects.filter(sku__startswith="BENCH-P").order_by("sku").values_list("pk", flat=True))
    if len(existing) != PRODUCTS:
        Product.objects.bulk_create(
            [Product(sku=f"BENCH-P{i:03d}", name=f"Bench product {i}") for i in range(len(existing), PRODUCTS)]
        )
        existing = list(Product.objects.filter(sku__startswith="BENCH-P").order_by("sku").values_list("pk", flat=True))
    total = _order_count(data.scale)
    if Order.objects.filter(number__startswith=PREFIX).count() == total:
        return existing
    with transaction.atomic():
        stale = Order.objects.filter(number__startswith=PREFIX)
        OrderLine.objects.filter(order__in=stale)._raw_delete(connection.alias)
        stale._raw_delete(connection.alias)
    rng = random.Random(seed)
    now = timezone.now()
    order_names = ["id", "number", "status", "contact", "currency", "customer_name", "net_total", "gross_total"]
    order_names += ["created_at", "updated_at"]
    line_names = ["id", "order", "product", "description", "quantity", "unit_price", "vat_rate", "net", "vat", "gross"]
    made = 0
    contacts = Contact.objects.order_by("pk").values_list("pk", flat=True)
    last = None
    while made < total:
        page = contacts.filter(pk__gt=last) if last is not None else contacts
        keys = list(page[:CHUNK])
        if not keys:
            last = None  # every contact passed and orders are still owed: go round again
            continue
        last = keys[-1]
        orders: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        for contact in keys:
            if rng.random() >= 0.4:
                continue
            for _n in range(rng.randint(1, 4)):
                if made >= total:
                    break
                made += 1
                order_id = uuid7()
                created = now - datetime.timedelta(minutes=rng.randint(1, 730 * 24 * 60))
                status = rng.choices(("confirmed", "fulfilled", "draft", "cancelled"), (50, 35, 10, 5))[0]
                gross = decimal.Decimal(0)
                for _line in range(rng.randint(1, 3)):
                    price = decimal.Decimal(rng.randrange(1_000, 200_000)) / 100
                    vat = (price * decimal.Decimal("0.23")).quantize(decimal.Decimal("0.01"))
                    gross += price + vat
                    product = existing[_popular(rng)]
                    lines.append((uuid7(), order_id, product, "Bench item", 1, price, "23", price, vat, price + vat))
                number = f"{PREFIX}{made:08d}"
                orders.append((order_id, number, status, contact, "PLN", "Bench", gross, gross, created, created))
        with transaction.atomic():
            bulk.insert_values(Order, order_names, orders)
            bulk.insert_values(OrderLine, line_names, lines)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE billing_order")
            cursor.execute("VACUUM ANALYZE billing_orderline")
    dbstats.refresh()
    return existing


def draw_rules(rng: random.Random, products: list[Any]) -> dict[str, Any]:
    """Three rules: a language, an interaction rule and a purchase of one product."""
    if rng.random() < 0.5:
        activity = {"type": "no_interaction", "days": rng.choice((30, 90, 180, 365))}
    else:
        activity = {"type": "interaction", "channel": rng.choice(CHANNELS), "days": rng.choice((30, 90, 365))}
    # Popular and rarer products alike (the first fifty: one in nine lines down to one in two hundred).
    product = products[rng.randrange(50)]
    return {
        "match": "all",
        "rules": [
            {"type": "language", "value": rng.choice(LANGUAGES)},
            activity,
            {"type": "bought_product", "product": str(product), "days": rng.choice((30, 90, 365))},
        ],
    }


def _timed_count(user: Any, rules: dict[str, Any]) -> tuple[int, float]:
    started = time.perf_counter()
    count = selectors.matching(user=user, rules=rules).count()
    return count, time.perf_counter() - started


def purchase_plan(product: Any, days: int) -> list[str]:
    """PostgreSQL's plan of the purchase condition alone (a count of the contacts who bought)."""
    rules = segmenting.clean(
        {"match": "all", "rules": [{"type": "bought_product", "product": str(product), "days": days}]}
    )
    query = Contact.objects.filter(segmenting.condition(rules)).values("pk")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN SELECT COUNT(*) FROM ({sql}) AS members", params)
        return [row[0] for row in cursor.fetchall()]


def m1_segments(data: Dataset) -> dict[str, Any]:
    products = ensure_orders(data)
    admin = User.objects.select_related("role").get(username="bench-admin")
    rep = data.reps[0]
    rng = random.Random(data.seed * 31 + 1)
    runs = []
    for _i in range(SEGMENTS):
        rules = segmenting.clean(draw_rules(rng, products))
        admin_count, admin_s = _timed_count(admin, rules)
        rep_count, rep_s = _timed_count(rep, rules)
        runs.append(
            {
                "rules": rules["rules"],
                "admin_count": admin_count,
                "admin_s": round(admin_s, 3),
                "rep_count": rep_count,
                "rep_s": round(rep_s, 3),
            }
        )
    admin_times = [r["admin_s"] for r in runs]
    rep_times = [r["rep_s"] for r in runs]
    result: dict[str, Any] = {
        "orders": Order.objects.filter(number__startswith=PREFIX).count(),
        "order_lines": OrderLine.objects.filter(order__number__startswith=PREFIX).count(),
        "count_admin": {"max_s": max(admin_times), "median_s": round(statistics.median(admin_times), 3)},
        "count_rep": {"max_s": max(rep_times), "median_s": round(statistics.median(rep_times), 3)},
        "runs": runs,
    }
    if connection.vendor == "postgresql":
        result["purchase_plan"] = purchase_plan(products[20], 90)
    return result
