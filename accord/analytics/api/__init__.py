"""The analytics app's REST endpoints; each part keeps its own module and router."""

from __future__ import annotations

from ninja import Router

from accord.analytics.api.classification import router as classification_router
from accord.analytics.api.cohorts import router as cohorts_router
from accord.analytics.api.dashboards import router as dashboards_router
from accord.analytics.api.insights import router as insights_router
from accord.analytics.api.reports import router as reports_router

router = Router(tags=["analytics"])
router.add_router("/", classification_router)
router.add_router("/", reports_router)
router.add_router("/", insights_router)
router.add_router("/", cohorts_router)
router.add_router("/", dashboards_router)
