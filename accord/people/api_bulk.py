"""REST endpoints for bulk writes of contacts and companies."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["bulk"])
