"""Money: Decimal amounts with a currency, converted through the exchange-rates table.

Amounts are never floats. Conversions use the latest rate on or before the day asked for; a missing
rate is an error the caller shows ("no EUR rate"), never a silent 1:1.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

CENT = decimal.Decimal("0.01")
# Amounts are stored as DECIMAL(14, 2): below one trillion. Every path that takes an amount (API,
# forms, import, conversion, totals of lines) checks it against the column before anything is
# written, so no stored row can fail to be read back.
MONEY_LIMIT = decimal.Decimal(10) ** 12


def column_limit(field: Any) -> decimal.Decimal:
    """The first value a DecimalField cannot hold (10 ** (max_digits - decimal_places))."""
    return decimal.Decimal(10) ** (field.max_digits - field.decimal_places)


def fits(value: decimal.Decimal | None, limit: decimal.Decimal = MONEY_LIMIT) -> bool:
    """Whether ``value`` is a finite number the column holds."""
    return value is None or (value.is_finite() and abs(value) < limit)


def too_large_message(limit: decimal.Decimal = MONEY_LIMIT) -> str:
    return _("Too large: enter less than %(limit)s.") % {"limit": number_format(limit, force_grouping=True)}


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
