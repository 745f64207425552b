"""Tax identifiers: Polish NIP and REGON checksums, EU VAT ids, and phone numbers."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip as stdnum_nip
from stdnum.pl import regon as stdnum_regon

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
    if not stdnum_nip.is_valid(number):
        raise ValidationError(_("This NIP's check digit is wrong; please check the number."))
    return number


def normalize_regon(value: str) -> str:
    """A REGON (9 or 14 digits) with a valid check digit; raises otherwise."""
    number = digits(value)
    if len(number) not in (9, 14):
        raise ValidationError(_("A REGON has 9 or 14 digits."))
    if not stdnum_regon.is_valid(number):
        raise ValidationError(_("This REGON's check digit is wrong; please check the number."))
    return number


# VAT prefixes of the EU's VAT Information Exchange System (Greece is EL, Northern Ireland XI).
_EU_VAT_PREFIXES = frozenset({"EL" if c == "gr" else c.upper() for c in eu_vat.MEMBER_STATES})


def normalize_vat_id(value: str) -> str:
    """A VAT id as country prefix + number, upper case, no spaces. Ids of EU member states are
    checked against their country's format and check digits (python-stdnum), Polish ones as NIPs;
    others (GB, CH, NO...) are taken as written once they look like a VAT id."""
    vat = re.sub(r"[\s\-.]", "", (value or "").upper())
    if not _VAT.match(vat):
        raise ValidationError(_("A VAT id starts with a two-letter country code, e.g. PL1234563218."))
    if vat.startswith("PL"):
        return "PL" + normalize_nip(vat[2:])
    if vat[:2] not in _EU_VAT_PREFIXES:
        return vat
    try:
        return str(eu_vat.validate(vat))
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not a valid VAT id of %(country)s; please check the number.")
            % {"value": value, "country": vat[:2]}
        ) from exc


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


# --- phone numbers in bulk ---------------------------------------------------------------------------

# Characters people put between digits; removing them never changes which number is meant.
_PHONE_PUNCTUATION = re.compile(r"[\s\-./()\u00a0]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_regions_cache: dict[str, list[Any] | None] = {}


def _metadata_for_code(code: str) -> list[Any] | None:
    """Metadata of the regions sharing a calling code (None: not a geographic code)."""
    if code not in _regions_cache:
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(code))
        found = [phonenumbers.PhoneMetadata.metadata_for_region(r, None) for r in regions or ()]
        _regions_cache[code] = [m for m in found if m is not None] or None
        if regions and phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY in regions:
            _regions_cache[code] = None
    return _regions_cache[code]


def _valid_e164(number: str) -> bool | None:
    """Whether an E.164 string is a valid number, from the metadata patterns alone: what
    ``phonenumbers.parse`` + ``is_valid_number`` decide, a few times faster. None when this
    shortcut cannot tell for sure (non-geographic codes, digits that look like a national prefix)."""
    digits = number[1:]
    for length in (1, 2, 3):
        metadata = _metadata_for_code(digits[:length])
        if metadata is not None:
            break
        if int(digits[:length]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return None  # a non-geographic code: let phonenumbers decide
    else:
        return None
    national = digits[length:]
    region = None
    for candidate in metadata:
        prefix = candidate.national_prefix_for_parsing
        if prefix and _compiled(prefix).match(national):
            return None  # parse() might strip it as a trunk prefix
        if candidate.leading_digits is not None:
            if _compiled(candidate.leading_digits).match(national):
                region = candidate
                break
        elif _matches_plan(national, candidate):
            region = candidate
            break
    if region is None:
        return False
    return _matches_plan(national, region)


def _compiled(pattern: str) -> re.Pattern[str]:
    return _pattern_cache.get(pattern) or _pattern_cache.setdefault(pattern, re.compile(pattern))


_pattern_cache: dict[str, re.Pattern[str]] = {}


Desc = tuple[frozenset[int], re.Pattern[str]]
_plans: dict[str, tuple[Desc | None, list[Desc]]] = {}
_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail")


def _desc(desc: Any) -> Desc | None:
    if desc is None or not desc.national_number_pattern:
        return None
    return frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern)


def _matches_plan(national: str, metadata: Any) -> bool:
    """``_number_type_helper(...) != UNKNOWN`` of phonenumbers, with the patterns compiled once:
    the number fits the region's general pattern and the pattern of at least one number type."""
    plan = _plans.get(metadata.id)
    if plan is None:
        # Any type matching makes the number valid, so the common ones are tried first.
        names = ["fixed_line", *_TYPES]
        if not metadata.same_mobile_and_fixed_line_pattern:
            names.insert(0, "mobile")
        types = [d for d in (_desc(getattr(metadata, name)) for name in names) if d is not None]
        plan = _plans[metadata.id] = (_desc(metadata.general_desc), types)
    general, types = plan
    if general is None or not _fits(national, general):
        return False
    return any(_fits(national, desc) for desc in types)


def _fits(national: str, desc: Desc) -> bool:
    lengths, pattern = desc
    if lengths and len(national) not in lengths:
        return False
    return pattern.fullmatch(national) is not None


class PhoneNormalizer:
    """``normalize_phone`` for many numbers: remembers every raw string it has seen, and checks
    numbers already written in E.164 (give or take spaces and dashes) against the numbering plan's
    patterns directly instead of parsing them. Gives exactly ``normalize_phone``'s answers."""

    def __init__(self, region: str | None = None, *, size: int = 100_000) -> None:
        self.region = region
        self.size = size
        self._seen: dict[str, str | ValidationError] = {}

    def __call__(self, value: str) -> str:
        found = self._seen.get(value)
        if found is None:
            found = self._normalize(value)
            if len(self._seen) >= self.size:
                self._seen.clear()
            self._seen[value] = found
        if isinstance(found, ValidationError):
            raise found
        return found

    def _normalize(self, value: str) -> str | ValidationError:
        compact = _PHONE_PUNCTUATION.sub("", (value or "").strip())
        if compact.startswith("00"):
            compact = "+" + compact[2:]
        if _E164.match(compact) and _valid_e164(compact):
            return compact
        try:
            return normalize_phone(value, self.region)
        except ValidationError as exc:
            return exc
