"""Bank account numbers and bank codes: IBAN and BIC checked and written one way (schwifty).

An IBAN is kept compact and upper-case (``PL61109010140000071219812874``) and shown in groups of
four. Polish statements and invoices often give the domestic number (NRB: the IBAN's 26 digits
without ``PL``); it is accepted wherever an IBAN is, and turned into the PL IBAN, so an account
typed either way is the same account.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors

# Spaces, dashes and dots people and banks put inside account numbers.
_SEPARATORS = re.compile(r"[\s\-.\u00a0]+")
_NRB_DIGITS = 26


class BankingError(ValueError):
    """An account number or bank code that is not valid; the message says why, for the user."""

    def __init__(self, message: str, *, value: str) -> None:
        self.message = message
        self.value = value
        super().__init__(message)


def compact(value: str) -> str:
    """``value`` without separators, upper-case (nothing is checked)."""
    return _SEPARATORS.sub("", value or "").upper()


def is_nrb(value: str) -> bool:
    """Whether ``value`` is written as a Polish domestic account number (26 digits)."""
    text = compact(value)
    return len(text) == _NRB_DIGITS and text.isdigit()


def normalize_iban(value: str) -> str:
    """The compact IBAN of ``value`` (an IBAN in any spacing, or a Polish NRB), or BankingError.

    >>> normalize_iban("61 1090 1014 0000 0712 1981 2874")
    'PL61109010140000071219812874'
    """
    text = compact(value)
    if not text:
        raise BankingError(_("Enter an account number (IBAN)."), value=value)
    if text.startswith("IBAN"):
        text = text[4:]
    if len(text) == _NRB_DIGITS and text.isdigit():
        text = "PL" + text
    try:
        return str(IBAN(text).compact)
    except schwifty_errors.InvalidChecksumDigits as exc:
        raise BankingError(
            _("%(value)s is not a valid account number: its check digits do not match (a typo?).") % {"value": value},
            value=value,
        ) from exc
    except schwifty_errors.InvalidLength as exc:
        raise BankingError(
            _("%(value)s is not a valid account number: it has the wrong number of characters for %(country)s.")
            % {"value": value, "country": text[:2]},
            value=value,
        ) from exc
    except schwifty_errors.InvalidCountryCode as exc:
        raise BankingError(
            _("%(value)s is not a valid account number: %(country)s is not a country that uses IBAN.")
            % {"value": value, "country": text[:2]},
            value=value,
        ) from exc
    except schwifty_errors.SchwiftyException as exc:
        raise BankingError(
            _("%(value)s is not a valid account number (IBAN or Polish NRB).") % {"value": value}, value=value
        ) from exc


def try_normalize_iban(value: str | None) -> str | None:
    """The compact IBAN of ``value``, or None when it is empty or not a valid one (a foreign
    domestic number on a statement, say): for reading data, where a bad number is no error."""
    if not value:
        return None
    try:
        return normalize_iban(value)
    except BankingError:
        return None


def format_iban(value: str) -> str:
    """``value`` as people write it: groups of four (``PL61 1090 1014 0000 0712 1981 2874``)."""
    return str(IBAN(normalize_iban(value)).formatted)


def nrb(value: str) -> str:
    """The Polish domestic number (26 digits) of a PL IBAN or NRB; BankingError for another country."""
    iban = normalize_iban(value)
    if not iban.startswith("PL"):
        raise BankingError(_("%(value)s is not a Polish account number.") % {"value": value}, value=value)
    return iban[2:]


def normalize_bic(value: str) -> str:
    """The BIC of ``value`` in 11 characters (``BPKOPLPWXXX`` for ``bpkoplpw``), or BankingError."""
    text = compact(value)
    if not text:
        raise BankingError(_("Enter a bank code (BIC/SWIFT)."), value=value)
    try:
        bic = BIC(text)
    except schwifty_errors.InvalidLength as exc:
        raise BankingError(
            _("%(value)s is not a valid BIC: a BIC has 8 or 11 characters.") % {"value": value}, value=value
        ) from exc
    except schwifty_errors.InvalidCountryCode as exc:
        raise BankingError(
            _("%(value)s is not a valid BIC: %(country)s is not a country code.")
            % {"value": value, "country": text[4:6]},
            value=value,
        ) from exc
    except schwifty_errors.SchwiftyException as exc:
        raise BankingError(_("%(value)s is not a valid BIC.") % {"value": value}, value=value) from exc
    text = str(bic.compact)
    return text if len(text) == 11 else text + "XXX"  # 8 characters: the primary office, "XXX"


def bic_of(iban: str) -> str | None:
    """The BIC of the bank holding ``iban`` when schwifty's bank registry knows it."""
    try:
        bic = IBAN(normalize_iban(iban)).bic
    except (BankingError, schwifty_errors.SchwiftyException):
        return None
    return str(bic.compact) if bic is not None else None
