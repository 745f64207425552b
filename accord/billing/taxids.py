"""Tax ids and bank accounts as invoices need them: a Polish NIP, an EU VAT id, an IBAN."""

from __future__ import annotations

from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.pl import nip

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "XI",
    ]
)


def clean_tax_id(value: str, country: str) -> str:
    """The buyer's tax id in its standard form, or ValueError with the reason. A Polish buyer's is a
    NIP (with or without dashes or "PL"); another EU buyer's an EU VAT id (its country prefix is
    added when missing); elsewhere the text is kept as given."""
    text = (value or "").strip()
    if not text:
        return ""
    country = (country or "PL").upper()
    if country == "PL":
        compact = nip.compact(text.upper().removeprefix("PL"))
        try:
            return nip.validate(compact)
        except stdnum_errors.ValidationError:
            raise ValueError(_("This is not a valid NIP (10 digits with a correct check digit).")) from None
    if country in EU_COUNTRIES:
        prefix = "EL" if country == "GR" else country
        compact = "".join(c for c in text.upper() if c.isalnum())
        if not compact[:2].isalpha():
            compact = prefix + compact
        try:
            return eu_vat.validate(compact)
        except stdnum_errors.ValidationError:
            raise ValueError(_("This is not a valid EU VAT number for %(country)s.") % {"country": country}) from None
    return text[:30]


def clean_bank_account(value: str) -> str:
    """An IBAN in its printed form (groups of four), or ValueError. A Polish account written as
    26 digits is taken as a Polish IBAN."""
    text = "".join((value or "").split())
    if not text:
        return ""
    if text.isdigit() and len(text) == 26:
        text = "PL" + text
    try:
        return IBAN(text).formatted
    except SchwiftyException:
        raise ValueError(_("This is not a valid IBAN bank account number.")) from None
