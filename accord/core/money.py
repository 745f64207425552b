"""Money: Decimal amounts with a currency, converted through the exchange-rates table.

Amounts are never floats. Conversions use the latest rate on or before the day asked for; a missing
rate is an error the caller shows ("no EUR rate"), never a silent 1:1.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

CENT = decimal.Decimal("0.01")


class MissingRate(Exception):
    def __init__(self, currency: str) -> None:
        self.currency = currency
        super().__init__(f"No exchange rate for {currency}.")


def quantize(amount: decimal.Decimal) -> decimal.Decimal:
    return amount.quantize(CENT, rounding=decimal.ROUND_HALF_UP)


def base_currency() -> str:
    return str(settings.DEFAULT_CURRENCY)


def rates(currencies: Iterable[str], on: datetime.date | None = None) -> dict[str, decimal.Decimal]:
    """Units of the base currency per one unit of each currency (the base itself is 1)."""
    from accord.core.models import ExchangeRate

    on = on or timezone.localdate()
    base = base_currency()
    wanted = {c for c in currencies if c and c != base}
    found: dict[str, decimal.Decimal] = {base: decimal.Decimal(1)}
    for rate in ExchangeRate.objects.filter(currency__in=wanted, day__lte=on).order_by("currency", "-day"):
        found.setdefault(rate.currency, rate.rate)
    return found


def to_base(amount: decimal.Decimal, currency: str, table: dict[str, decimal.Decimal]) -> decimal.Decimal:
    if currency not in table:
        raise MissingRate(currency)
    return quantize(amount * table[currency])
