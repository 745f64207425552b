"""Demo data of marketing: each part adds its own (``demo_campaigns`` ...), called in turn."""

from __future__ import annotations

from accord.core.demos import DemoContext


def generate(ctx: DemoContext) -> None:
    from accord.marketing import demo_campaigns

    demo_campaigns.generate(ctx)
