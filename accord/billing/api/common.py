"""Schemas and look-ups the billing endpoints share."""

from __future__ import annotations

import decimal
import uuid
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema

from accord.core import selectors as core_selectors
from accord.core.api import StrictSchema
from accord.people.models import Company, Contact
from accord.sales.selectors import products as product_selectors


class LineIn(StrictSchema):
    product_id: uuid.UUID | None = None
    description: str = ""
    sku: str = ""
    quantity: decimal.Decimal = decimal.Decimal(1)
    unit: str = ""
    unit_price: decimal.Decimal | None = None
    discount_percent: decimal.Decimal = decimal.Decimal(0)
    vat_rate: str = ""
    # Left out: as the product's billing settings say (Annex 15 goods).
    split_payment_goods: bool | None = None


class BillingLineOut(Schema):
    id: uuid.UUID
    product_id: uuid.UUID | None
    description: str
    sku: str
    quantity: decimal.Decimal
    unit: str
    unit_price: decimal.Decimal
    discount_percent: decimal.Decimal
    vat_rate: str
    split_payment_goods: bool
    net: decimal.Decimal
    vat: decimal.Decimal
    gross: decimal.Decimal


def visible(request: HttpRequest, model: type[Any], pk: Any, field: str, errors: dict[str, list[str]]) -> Any:
    """The record a request field names, if the caller may see it; else an error on that field."""
    if pk is None:
        return None
    obj = core_selectors.find_visible(request.user, model, pk)
    if obj is None:
        errors[field] = [_("No such record.")]
    return obj


def parties(request: HttpRequest, given: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """``company_id`` and ``contact_id`` of a request as the records a service takes."""
    data: dict[str, Any] = {}
    if "company_id" in given:
        data["company"] = visible(request, Company, given["company_id"], "company_id", errors)
    if "contact_id" in given:
        data["contact"] = visible(request, Contact, given["contact_id"], "contact_id", errors)
    return data


def lines(items: list[dict[str, Any]], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Request lines as the services take them: ``product_id`` becomes the product."""
    result = []
    for i, item in enumerate(items):
        product = None
        if item.get("product_id"):
            product = product_selectors.find_product(item["product_id"])
            if product is None:
                errors[f"lines.{i}.product_id"] = [_("No such product.")]
        line = {k: v for k, v in item.items() if k != "product_id" and v is not None}
        result.append({**line, "product": product})
    return result
