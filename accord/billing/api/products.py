"""REST endpoints for billing's settings of catalogue products (Annex 15 goods)."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from accord.billing.services import products as services
from accord.core.api import ERRORS, StrictSchema
from accord.core.requests import AuthedRequest
from accord.sales.selectors import products as product_selectors

router = Router(tags=["products"])


class ProductBillingOut(Schema):
    product_id: uuid.UUID
    split_payment_goods: bool


class ProductBillingIn(StrictSchema):
    split_payment_goods: bool


@router.get("/products/{uuid:product_id}/billing", response={200: ProductBillingOut, **ERRORS})
def get_product_billing(request: HttpRequest, product_id: uuid.UUID) -> Any:
    product = product_selectors.product_detail(request.user, product_id)
    return {"product_id": product.pk, "split_payment_goods": product.pk in services.split_payment_products([product])}


@router.put("/products/{uuid:product_id}/billing", response={200: ProductBillingOut, **ERRORS})
def set_product_billing(request: AuthedRequest, product_id: uuid.UUID, payload: ProductBillingIn) -> Any:
    """Mark the product as an Annex 15 good (its lines are flagged for split payment) or not."""
    product = product_selectors.product_detail(request.user, product_id)
    settings = services.set_split_payment(actor=request.user, product=product, value=payload.split_payment_goods)
    return {"product_id": product.pk, "split_payment_goods": settings.split_payment_goods}
