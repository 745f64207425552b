"""Marketing demo data: segments the marketer (Maria) keeps and a static list frozen from one, so
Marketing -> Segments shows rules, live counts and members from the first login. The names and
descriptions are written in English here; ``ctx.say`` gives them in the author's language."""

from __future__ import annotations

from typing import Any

from accord.core.demos import DemoContext
from accord.identity.models import User
from accord.marketing.services import segments as segment_services
from accord.sales.models import Product

LIST_NAME = "Win-back list, December"
WIN_BACK = {
    "name": "Polish speakers not contacted for 90 days",
    "description": "Win-back e-mail: Polish speakers who have heard nothing from us for three months.",
}
NEWSLETTER = {
    "name": "Newsletter readers with an open deal",
    "description": "Everyone who agreed to the newsletter by e-mail and is talking to sales right now.",
}
REPEAT = {
    "name": "Repeat buyers and recent wins",
    "description": "Customers for the follow-up offer: bought this year, or a deal won lately.",
}


def phrases() -> set[str]:
    """Every phrase the segments' demo writes."""
    return {text for words in (WIN_BACK, NEWSLETTER, REPEAT) for text in words.values()} | {LIST_NAME}


def _wanted(product: Product | None) -> list[dict[str, Any]]:
    wanted: list[dict[str, Any]] = [
        {
            **WIN_BACK,
            "rules": {
                "match": "all",
                "rules": [{"type": "language", "value": "pl"}, {"type": "no_interaction", "days": 90}],
            },
        },
        {
            **NEWSLETTER,
            "rules": {
                "match": "all",
                "rules": [
                    {"type": "consent", "op": "has", "channel": "email", "purpose": "newsletter"},
                    {"type": "open_deal"},
                ],
            },
        },
    ]
    if product is not None:
        bought = {"type": "bought_product", "product": str(product.pk), "days": 365}
        wanted.append({**REPEAT, "rules": {"match": "any", "rules": [bought, {"type": "won_deal", "days": 90}]}})
    return wanted


def generate(ctx: DemoContext) -> None:
    marketer = User.objects.filter(role__code="marketer").order_by("date_joined").first()
    author = marketer or User.objects.filter(role__is_admin=True).order_by("date_joined").first()
    if author is None:
        return
    made = []
    for data in _wanted(Product.objects.order_by("name").first()):
        data = {**data, "name": ctx.say(data["name"], author), "description": ctx.say(data["description"], author)}
        try:
            made.append(segment_services.create_segment(actor=author, data=data))
        except Exception as exc:  # a rule type this installation lacks must not stop the demo
            ctx.log(f"  marketing: segment {data['name']!r} skipped ({exc})")
    if made:
        segment_services.freeze(actor=author, segment=made[0], name=ctx.say(LIST_NAME, author))
    ctx.log(f"  marketing: {len(made)} segments and a static list")
