"""Tax identifiers: Polish NIP and REGON checksums, EU VAT ids, and phone numbers."""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_DIGITS = re.compile(r"\D")
_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,13}$")


def digits(value: str) -> str:
    return _DIGITS.sub("", value or "")


def normalize_nip(value: str) -> str:
    """A NIP as its ten digits ("PL 123-456-32-18" -> "1234563218"); raises if it is not valid."""
    raw = (value or "").strip().upper()
    if raw.startswith("PL"):
        raw = raw[2:]
    number = digits(raw)
    if len(number) != 10:
        raise ValidationError(_("A NIP has 10 digits."))
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    checksum = sum(int(d) * w for d, w in zip(number, weights, strict=False)) % 11
    if checksum == 10 or checksum != int(number[9]):
        raise ValidationError(_("This NIP's check digit is wrong; please check the number."))
    return number


def normalize_regon(value: str) -> str:
    """A REGON (9 or 14 digits) with a valid check digit; raises otherwise."""
    number = digits(value)
    if len(number) == 9:
        weights: tuple[int, ...] = (8, 9, 2, 3, 4, 5, 6, 7)
    elif len(number) == 14:
        normalize_regon(number[:9])
        weights = (2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8)
    else:
        raise ValidationError(_("A REGON has 9 or 14 digits."))
    checksum = sum(int(d) * w for d, w in zip(number, weights, strict=False)) % 11 % 10
    if checksum != int(number[-1]):
        raise ValidationError(_("This REGON's check digit is wrong; please check the number."))
    return number


def normalize_vat_id(value: str) -> str:
    """An EU VAT id as country prefix + number, upper case, no spaces; Polish ones checked as NIPs."""
    vat = re.sub(r"[\s\-]", "", (value or "").upper())
    if not _VAT.match(vat):
        raise ValidationError(_("A VAT id starts with a two-letter country code, e.g. PL1234563218."))
    if vat.startswith("PL"):
        return "PL" + normalize_nip(vat[2:])
    return vat


def normalize_phone(value: str, region: str | None = None) -> str:
    """A phone number in E.164 (+48601234567). Numbers without a + are read as ``region``'s."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError(_("Enter a phone number."))
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        parsed = phonenumbers.parse(raw, None if raw.startswith("+") else (region or "PL").upper())
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("%(value)s is not a phone number.") % {"value": value}) from exc
    if not phonenumbers.is_possible_number(parsed) or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("%(value)s is not a valid phone number.") % {"value": value})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """E.164 as people read it: +48 601 234 567."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
