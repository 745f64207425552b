"""Order and invoice lines: validation of what is typed or sent, and the VAT summary by rate.

Amounts are Decimal; each line's net is rounded half up to the grosz, and the VAT of an invoice is
computed per rate from the sum of the nets of that rate (the summary-by-rate method: one rounding
per rate, not one per line), as Polish invoices show it."""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from accord.billing import countries
from accord.billing.models import OrderLine
from accord.billing.models.lines import HUNDRED, line_net, line_vat
from accord.billing.services.products import split_payment_products
from accord.core import money
from accord.core.money import quantize
from accord.sales.models import Product
from accord.sales.services.pricing import price_for

ZERO = decimal.Decimal(0)


@dataclass
class LineIn:
    description: str
    quantity: decimal.Decimal
    unit_price: decimal.Decimal
    vat_rate: str
    discount_percent: decimal.Decimal = ZERO
    unit: str = ""
    product: Product | None = None
    sku: str = ""
    split_payment_goods: bool = False
    order_line: Any = None
    corrects_line: Any = None

    @property
    def net(self) -> decimal.Decimal:
        return line_net(self.quantity, self.unit_price, self.discount_percent)

    @property
    def vat(self) -> decimal.Decimal:
        return line_vat(self.net, self.vat_rate)

    @property
    def gross(self) -> decimal.Decimal:
        return self.net + self.vat


@dataclass
class RateTotal:
    rate: str
    net: decimal.Decimal = ZERO
    vat: decimal.Decimal = ZERO

    @property
    def gross(self) -> decimal.Decimal:
        return self.net + self.vat


@dataclass
class Summary:
    by_rate: list[RateTotal] = field(default_factory=list)

    @property
    def net(self) -> decimal.Decimal:
        return sum((r.net for r in self.by_rate), ZERO)

    @property
    def vat(self) -> decimal.Decimal:
        return sum((r.vat for r in self.by_rate), ZERO)

    @property
    def gross(self) -> decimal.Decimal:
        return self.net + self.vat


def summarize(nets: Sequence[tuple[str, decimal.Decimal]]) -> Summary:
    """VAT per rate from (rate, net) pairs: the nets of a rate are summed, then its VAT rounded
    once (half up to the grosz)."""
    buckets: dict[str, decimal.Decimal] = {}
    for rate, net in nets:
        buckets[rate] = buckets.get(rate, ZERO) + net
    return Summary(
        by_rate=[
            RateTotal(rate=rate, net=net, vat=quantize(net * countries.rate_percent(rate) / HUNDRED))
            for rate, net in sorted(buckets.items(), key=lambda item: countries.rate_order(item[0]))
        ]
    )


def _decimal(
    value: Any, name: str, errors: dict[str, list[str]], *, minimum: Any = None, maximum: Any = None
) -> decimal.Decimal | None:
    try:
        number = decimal.Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
    except (decimal.InvalidOperation, ValueError):
        errors[name] = [_("Enter a number.")]
        return None
    if not number.is_finite():
        errors[name] = [_("Enter a number.")]
        return None
    column = OrderLine._meta.get_field(name)
    assert isinstance(column, models.DecimalField)
    limit = money.column_limit(column)
    if not money.fits(number, limit):
        errors[name] = [money.too_large_message(limit)]
        return None
    if number != number.quantize(decimal.Decimal(1).scaleb(-column.decimal_places), rounding=decimal.ROUND_HALF_UP):
        errors[name] = [_("Enter at most %(places)s decimal places.") % {"places": column.decimal_places}]
        return None
    if minimum is not None and number < minimum:
        errors[name] = [_("Must be at least %(min)s.") % {"min": minimum}]
        return None
    if maximum is not None and number > maximum:
        errors[name] = [_("Must be at most %(max)s.") % {"max": maximum}]
        return None
    return number


def clean_rate(value: Any, errors: dict[str, list[str]], name: str = "vat_rate") -> str:
    code = countries.rate_code(value)
    allowed = countries.current().vat_rates
    if code not in allowed:
        errors[name] = [_("Choose a VAT rate: %(rates)s.") % {"rates": ", ".join(allowed)}]
        return ""
    return code


def clean_lines(
    items: Sequence[Mapping[str, Any]],
    *,
    currency: str,
    company: Any = None,
    prefix: str = "lines",
    zero_quantity: bool = False,
) -> tuple[list[LineIn], dict[str, list[str]]]:
    """Validate typed or sent lines. A line naming a product takes its name, SKU, unit, VAT rate
    and price (the customer's price list, else the catalogue) unless they are given. Errors are
    keyed ``lines.<i>.<field>``."""
    lines: list[LineIn] = []
    errors: dict[str, list[str]] = {}
    annex_15 = split_payment_products(item.get("product") for item in items if isinstance(item.get("product"), Product))
    for i, item in enumerate(items):
        here: dict[str, list[str]] = {}
        product = item.get("product")
        if product is not None and not isinstance(product, Product):
            here["product"] = [_("Choose a product from the catalogue.")]
            product = None
        minimum = ZERO if zero_quantity else decimal.Decimal("0.001")
        quantity = _decimal(item.get("quantity", 1), "quantity", here, minimum=minimum)
        discount = _decimal(item.get("discount_percent") or 0, "discount_percent", here, minimum=0, maximum=100)
        description = str(item.get("description") or (product.name if product else "")).strip()
        if not description:
            here["description"] = [_("Describe the line or choose a product.")]
        elif len(description) > 200:
            here["description"] = [_("The text is too long (at most %(limit)s characters).") % {"limit": 200}]
        raw_rate = item.get("vat_rate")
        rate = clean_rate(raw_rate if raw_rate not in (None, "") else (product.vat_rate if product else ""), here)
        price_raw = item.get("unit_price")
        price: decimal.Decimal | None = None
        if price_raw in (None, ""):
            price = price_for(product, currency, company) if product else None
            if price is None:
                here["unit_price"] = [
                    _("No price for this product in %(currency)s: enter one.") % {"currency": currency}
                    if product
                    else _("This field is required.")
                ]
        else:
            price = _decimal(price_raw, "unit_price", here, minimum=0)
        unit = str(item.get("unit") or (product.unit if product else "") or "")
        if len(unit) > 20:
            here["unit"] = [_("The text is too long (at most %(limit)s characters).") % {"limit": 20}]
        for name, messages in here.items():
            errors[f"{prefix}.{i}.{name}"] = messages
        if here:
            continue
        assert quantity is not None
        assert price is not None
        assert discount is not None
        line = LineIn(
            description=description,
            quantity=quantity,
            unit_price=quantize(price),
            vat_rate=rate,
            discount_percent=discount,
            unit=unit,
            product=product,
            sku=str(item.get("sku") or (product.sku if product else ""))[:60],
            # Given, or as the product's billing settings say.
            split_payment_goods=bool(item["split_payment_goods"])
            if item.get("split_payment_goods") is not None
            else (product is not None and product.pk in annex_15),
            order_line=item.get("order_line"),
            corrects_line=item.get("corrects_line"),
        )
        if not money.fits(line.gross):
            errors[f"{prefix}.{i}.unit_price"] = [money.too_large_message()]
            continue
        lines.append(line)
    if lines and not errors and not money.fits(summarize([(x.vat_rate, x.net) for x in lines]).gross):
        errors[prefix] = [money.too_large_message()]
    return lines, errors


def line_fields(line: LineIn) -> dict[str, Any]:
    """The columns of an order or invoice line made from ``line``."""
    return {
        "product": line.product,
        "description": line.description,
        "sku": line.sku,
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "discount_percent": line.discount_percent,
        "vat_rate": line.vat_rate,
        "split_payment_goods": line.split_payment_goods,
        "net": line.net,
        "vat": line.vat,
        "gross": line.gross,
    }


def line_snapshot(line: Any) -> dict[str, str]:
    """A line as the audit trail keeps it."""
    return {
        "description": line.description,
        "sku": line.sku or "",
        "quantity": str(line.quantity),
        "unit": line.unit or "",
        "unit_price": str(line.unit_price),
        "discount_percent": str(line.discount_percent),
        "vat_rate": line.vat_rate,
    }
