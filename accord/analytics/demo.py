"""Analytics demo data: the customers classified from the demo's orders, as the nightly task would."""

from __future__ import annotations

from accord.analytics.services import classification
from accord.core.demos import DemoContext


def generate(ctx: DemoContext) -> None:
    result = classification.classify()
    ctx.log(f"  classified {result.contacts} contacts and {result.companies} companies (RFM, ABC)")
