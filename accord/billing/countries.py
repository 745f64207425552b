"""Invoicing rules per country: the VAT rates an invoice may use and how its numbers look.

Poland is the default (``ACCORD_BILLING_COUNTRY``). A rate is a code: a number of percent ("23",
"8"), or one of the rates that are not a percentage: "zw" (exempt, zwolnione) and "np" (not subject
to VAT in the country, nie podlega). Both carry no VAT but are summed apart from "0" on the invoice,
as the law asks. Another installation registers its own country with ``register``.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

EXEMPT = "zw"
NOT_SUBJECT = "np"
NON_NUMERIC_RATES = {
    EXEMPT: pgettext_lazy("VAT rate", "exempt"),
    NOT_SUBJECT: pgettext_lazy("VAT rate", "not subject"),
}


@dataclass(frozen=True)
class Country:
    """What an invoice issued in ``code`` may say: its VAT rates (codes, highest first) and the
    number pattern of a new series (``{code}``, ``{year}``, ``{month}``, ``{number}``)."""

    code: str
    vat_rates: tuple[str, ...]
    number_pattern: str = "{code}/{year}/{number:04d}"
    # The gross total from which split payment is due for Annex 15 goods (in the base currency).
    split_payment_threshold: decimal.Decimal | None = None


_countries: dict[str, Country] = {}


def register(country: Country) -> Country:
    _countries[country.code] = country
    return country


register(
    Country(
        code="PL",
        vat_rates=("23", "8", "5", "0", EXEMPT, NOT_SUBJECT),
        split_payment_threshold=decimal.Decimal("15000"),
    )
)
register(
    Country(
        code="LT", vat_rates=("21", "9", "5", "0", EXEMPT, NOT_SUBJECT), number_pattern="{code}-{year}-{number:05d}"
    )
)
register(
    Country(code="RO", vat_rates=("21", "11", "0", EXEMPT, NOT_SUBJECT), number_pattern="{code}{year}{number:05d}")
)


def current() -> Country:
    """The country whose rules invoices follow (``ACCORD_BILLING_COUNTRY``, Poland by default)."""
    code = str(getattr(settings, "ACCORD_BILLING_COUNTRY", "PL") or "PL").upper()
    return _countries.get(code) or _countries["PL"]


def rate_percent(code: str) -> decimal.Decimal:
    """The percentage a rate code charges: 0 for exempt and not subject."""
    if code in NON_NUMERIC_RATES:
        return decimal.Decimal(0)
    return decimal.Decimal(code)


def rate_label(code: str) -> str:
    """A rate as an invoice prints it: "23%", "zw", "np"."""
    if code in NON_NUMERIC_RATES:
        return code
    return f"{code}%"


def rate_code(value: object) -> str:
    """A rate given as a number ("23.00", 8) or a code ("zw") as its code; "" when it is neither."""
    text = str(value if value is not None else "").strip().lower().rstrip("%").replace(",", ".")
    if text in NON_NUMERIC_RATES:
        return text
    try:
        number = decimal.Decimal(text)
    except decimal.InvalidOperation:
        return ""
    if not number.is_finite():
        return ""
    normal = number.normalize()
    return f"{normal:f}"


def rate_order(code: str) -> tuple[int, decimal.Decimal]:
    """Sorts rates as invoices list them: the highest percentage first, exempt and not subject last."""
    if code in NON_NUMERIC_RATES:
        return (1, decimal.Decimal(list(NON_NUMERIC_RATES).index(code)))
    return (0, -decimal.Decimal(code))


def rate_help() -> str:
    return str(_("One of: %(rates)s.") % {"rates": ", ".join(current().vat_rates)})
