"""REST endpoints of billing: orders, invoices (with issue, corrections, payments, PDF) and payments.

Every record is seen with its customer: one out of sight is a 404 everywhere."""

from __future__ import annotations

from ninja import Router

from accord.billing.api.collections import router as collections_router
from accord.billing.api.invoices import router as invoices_router
from accord.billing.api.orders import router as orders_router
from accord.billing.api.payments import router as payments_router
from accord.billing.api.products import router as products_router
from accord.billing.api.statements import router as statements_router

router = Router(tags=["billing"])
router.add_router("", orders_router)
router.add_router("", invoices_router)
router.add_router("", payments_router)
router.add_router("", products_router)
router.add_router("", collections_router)
router.add_router("", statements_router)
