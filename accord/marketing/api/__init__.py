"""REST endpoints of marketing."""

from __future__ import annotations

from ninja import Router

from accord.marketing.api.campaigns import router as campaigns_router
from accord.marketing.api.consent import router as consent_router
from accord.marketing.api.greetings import router as greetings_router
from accord.marketing.api.journeys import router as journeys_router
from accord.marketing.api.nps import router as nps_router
from accord.marketing.api.offers import router as offers_router
from accord.marketing.api.segments import router as segments_router

router = Router(tags=["marketing"])
router.add_router("", consent_router)
router.add_router("", segments_router)
router.add_router("", greetings_router)
router.add_router("", campaigns_router)
router.add_router("", offers_router)
router.add_router("", journeys_router)
router.add_router("", nps_router)
