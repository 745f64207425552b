"""Marketing's demo data: each part of marketing adds its own in its own module."""

from __future__ import annotations

from typing import Any

from accord.marketing.demo_offers import generate_offers


def generate(ctx: Any) -> None:
    generate_offers(ctx)
