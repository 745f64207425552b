"""REST endpoints for sales forecast."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["forecast"])
