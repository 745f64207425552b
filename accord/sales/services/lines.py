"""Product lines of deals and quotes: validation, prices from the catalogue, and totals with VAT
per rate, computed in Decimal with each line rounded to the cent as an invoice would be."""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from accord.core import money
from accord.core.money import quantize
from accord.sales.models import Product
from accord.sales.models.deals import DealLine, LineAmounts
from accord.sales.services.pricing import price_for

ZERO = decimal.Decimal(0)


@dataclass
class LineIn(LineAmounts):
    description: str
    quantity: decimal.Decimal
    unit_price: decimal.Decimal
    discount_percent: decimal.Decimal = ZERO
    vat_rate: decimal.Decimal = ZERO
    unit: str = ""
    product: Product | None = None
    sku: str = ""


@dataclass
class Totals:
    net: decimal.Decimal = ZERO
    vat: decimal.Decimal = ZERO
    gross: decimal.Decimal = ZERO
    by_rate: dict[decimal.Decimal, dict[str, decimal.Decimal]] = field(default_factory=dict)


def totals(lines: Sequence[Any]) -> Totals:
    """Net, VAT and gross, and the same per VAT rate (the summary a Polish invoice shows)."""
    result = Totals()
    for line in lines:
        net, vat = line.net, line.vat
        result.net += net
        result.vat += vat
        bucket = result.by_rate.setdefault(line.vat_rate, {"net": ZERO, "vat": ZERO, "gross": ZERO})
        bucket["net"] += net
        bucket["vat"] += vat
        bucket["gross"] += net + vat
    result.gross = result.net + result.vat
    result.by_rate = dict(sorted(result.by_rate.items(), reverse=True))
    return result


def _decimal(
    value: Any, field_name: str, errors: dict[str, list[str]], *, minimum: Any = None, maximum: Any = None
) -> decimal.Decimal | None:
    try:
        number = decimal.Decimal(str(value).strip().replace(",", "."))
    except (decimal.InvalidOperation, ValueError):
        errors[field_name] = [_("Enter a number.")]
        return None
    if not number.is_finite():
        errors[field_name] = [_("Enter a number.")]
        return None
    limit = money.column_limit(DealLine._meta.get_field(field_name))
    if not money.fits(number, limit):
        errors[field_name] = [money.too_large_message(limit)]
        return None
    if minimum is not None and number < minimum:
        errors[field_name] = [_("Must be at least %(min)s.") % {"min": minimum}]
        return None
    if maximum is not None and number > maximum:
        errors[field_name] = [_("Must be at most %(max)s.") % {"max": maximum}]
        return None
    return number


def clean_lines(
    items: Sequence[Mapping[str, Any]], *, currency: str, company: Any = None, prefix: str = "lines"
) -> tuple[list[LineIn], dict[str, list[str]]]:
    """Validate line input; a line naming a product takes its name, unit, VAT rate and price (from
    the customer's price list, else the catalogue in the deal's currency) unless given."""
    lines: list[LineIn] = []
    errors: dict[str, list[str]] = {}
    for i, item in enumerate(items):
        here: dict[str, list[str]] = {}
        product = item.get("product")
        if isinstance(product, Product) and not product.active:
            here["product"] = [_("This product is no longer sold.")]
        quantity = _decimal(item.get("quantity", 1), "quantity", here, minimum=decimal.Decimal("0.001"))
        discount = _decimal(item.get("discount_percent") or 0, "discount_percent", here, minimum=0, maximum=100)
        description = str(item.get("description") or (product.name if product else "")).strip()
        if not description:
            here["description"] = [_("Describe the line or choose a product.")]
        vat_raw = item.get("vat_rate")
        vat = _decimal(
            vat_raw if vat_raw not in (None, "") else (product.vat_rate if product else 0),
            "vat_rate",
            here,
            minimum=0,
            maximum=100,
        )
        price_raw = item.get("unit_price")
        price: decimal.Decimal | None
        if price_raw in (None, ""):
            price = price_for(product, currency, company) if product else None
            if price is None and "product" not in here:
                here["unit_price"] = [
                    _("No price for this product in %(currency)s: enter one.") % {"currency": currency}
                    if product
                    else _("This field is required.")
                ]
        else:
            price = _decimal(price_raw, "unit_price", here, minimum=0)
        for name, messages in here.items():
            errors[f"{prefix}.{i}.{name}"] = messages
        if here:
            continue
        assert quantity is not None
        assert price is not None
        assert discount is not None
        assert vat is not None
        lines.append(
            LineIn(
                description=description[:200],
                quantity=quantity,
                unit_price=quantize(price),
                discount_percent=discount,
                vat_rate=vat,
                unit=str(item.get("unit") or (product.unit if product else ""))[:20],
                product=product,
                sku=product.sku if product else "",
            )
        )
    if lines and not errors and not money.fits(totals(lines).gross):
        # Each line fits its columns, but the deal's amount or a quote's total would not.
        errors[prefix] = [money.too_large_message()]
    return lines, errors


def line_snapshot(line: Any) -> dict[str, str]:
    """A deal or quote line as the audit trail keeps it: its numbers as decimal strings, which the
    History card formats in the reader's notation (as the lines table shows them)."""
    product = getattr(line, "product", None)
    return {
        "description": line.description,
        # Which catalogue product the line is (swapping it is a change even under the same text).
        "sku": (product.sku if product is not None else getattr(line, "sku", "")) or "",
        "quantity": str(line.quantity),
        "unit": line.unit or "",
        "unit_price": str(line.unit_price),
        "discount_percent": str(line.discount_percent),
        "vat_rate": str(line.vat_rate),
    }
