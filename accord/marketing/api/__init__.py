"""REST endpoints of marketing."""

from __future__ import annotations

from ninja import Router

from accord.marketing.api.greetings import router as greetings_router

router = Router(tags=["marketing"])
router.add_router("", greetings_router)
