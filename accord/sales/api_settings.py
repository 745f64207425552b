"""REST endpoints for sales settings."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["sales-settings"])
