"""The demo's offer rules: a few offers matched to the demo customers' preferences and purchases,
one of them with a hold-out group and its first exposures, so the 360° page shows a next best offer
and the uplift report has figures."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from accord.marketing.models import OfferRule
from accord.marketing.selectors import offers as selectors
from accord.marketing.services import offers as services
from accord.people.models import Contact
from accord.sales.models import Product

RULES: list[dict[str, Any]] = [
    # (product SKU or None, then the rule's fields)
    {
        "sku": "SUP-GOLD",
        "name": "Gold support for subscribers",
        "preferences": ["Support plans", "Software"],
        "bought": "CRM-PRO",
        "never": "SUP-GOLD",
        "priority": 30,
        "holdout_percent": 10,
    },
    {
        "sku": "TRAIN-E",
        "name": "E-learning for the training-minded",
        "preferences": ["Training"],
        "priority": 20,
        "holdout_percent": 10,
    },
    {
        "sku": "CLOUD-STO",
        "name": "More cloud storage",
        "preferences": ["Cloud"],
        "priority": 10,
    },
    {
        "sku": None,
        "name": "Consulting webinar",
        "title": "Free webinar: a sales process in 30 days",
        "url": "https://accord.example/webinars/sales-process",
        "preferences": ["Consulting", "Services"],
        "priority": 5,
    },
]


def generate_offers(ctx: Any) -> None:
    products = {
        p.sku: p
        for p in Product.objects.filter(
            sku__in=[s for r in RULES for s in (r["sku"], r.get("bought"), r.get("never")) if s]
        )
    }
    made = 0
    for spec in RULES:
        if spec["sku"] is not None and spec["sku"] not in products:
            continue
        conditions: list[dict[str, Any]] = []
        if spec.get("bought") in products:
            conditions.append({"type": "bought_product", "product": str(products[spec["bought"]].pk), "days": 730})
        if spec.get("never") in products:
            conditions.append({"type": "never_bought", "product": str(products[spec["never"]].pk)})
        data = {
            "name": spec["name"],
            "preferences": spec["preferences"],
            "priority": spec["priority"],
            "holdout_percent": spec.get("holdout_percent", 0),
            "conditions": {"match": "all", "rules": conditions},
            "valid_from": timezone.localdate() - datetime.timedelta(days=60),
        }
        if spec["sku"] is not None:
            data["product"] = str(products[spec["sku"]].pk)
        else:
            data["title"], data["url"] = spec["title"], spec["url"]
        services.create_rule(actor=None, data=data)
        made += 1
    # The offers went out with last month's newsletter: their exposures start the uplift's clock.
    offers = selectors.next_best_offers(Contact.objects.all(), include_held_out=True)
    sent = services.record_exposures(offers=offers.values())
    month_ago = timezone.now() - datetime.timedelta(days=30)
    from accord.marketing.models import OfferExposure

    OfferExposure.objects.update(first_at=month_ago, last_at=month_ago)
    ctx.log(f"  {made} offer rules, {sent} offers sent ({OfferRule.objects.count()} rules in all)")
