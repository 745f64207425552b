"""Money: Decimal amounts with a currency, converted through the exchange-rates table, and shown
as the active language writes them (``format_money``, ``amount_in_words``).

Amounts are never floats. Conversions use the latest rate on or before the day asked for; a missing
rate is an error the caller shows ("no EUR rate"), never a silent 1:1.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import get_format, number_format
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


# --- Showing amounts ------------------------------------------------------------------------------
NBSP = "\xa0"
# How the interface's languages other than English write these currencies after an amount
# (1 234,56 zł, 1 234,56 €, 1.234,56 lei, 1 234,56 ₽); any other currency goes by its ISO code.
LOCAL_SIGNS = {"PLN": "zł", "EUR": "€", "RON": "lei", "RUB": "₽"}


def _language(language: str | None = None) -> str:
    """The base code of ``language``, else of the active translation ("pl" for "pl-pl")."""
    return (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()


@contextlib.contextmanager
def _speaking(language: str | None) -> Iterator[None]:
    if language:
        with translation.override(language):
            yield
    else:
        yield


def currency_sign(currency: str, language: str | None = None) -> str:
    """The currency as the language writes it beside an amount: "zł" for PLN in Polish; English
    (and every currency without a local sign) keeps the ISO code."""
    code = (currency or "").strip().upper()
    if _language(language) == "en":
        return code
    return LOCAL_SIGNS.get(code, code)


def format_money(amount: Any, currency: str = "", *, decimals: int = 2, language: str | None = None) -> str:
    """An amount as the active language (or ``language``) writes it: the number rounded half up to
    ``decimals`` places with the language's separators, then the currency.

    Polish "1 234,56 zł", Lithuanian "1 234,56 €", Romanian "1.234,56 lei", Russian "1 234,56 ₽"
    (the currency after a non-breaking space); English "1,234.56 PLN", the ISO code after the number
    whatever the currency. Without a currency, the number alone; an empty amount is "".
    """
    if amount is None or amount == "":
        return ""
    try:
        value = decimal.Decimal(str(amount))
    except decimal.InvalidOperation:
        return f"{amount} {currency}".strip()
    if value.is_finite():
        value = value.quantize(decimal.Decimal(1).scaleb(-decimals), rounding=decimal.ROUND_HALF_UP)
        if value == 0:
            value = abs(value)  # never "-0,00"
    with _speaking(language):
        text = number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)
        sign = currency_sign(currency)
        if not sign:
            return text
        # English keeps a plain space: "1,234.56 PLN", as its pages have always shown amounts.
        return f"{text} {sign}" if _language() == "en" else f"{text}{NBSP}{sign}"


def money_formatter(currency: str, *, decimals: int = 2) -> Callable[[Any], str]:
    """``format_money(amount, currency)`` in the active language, as a function for many amounts
    (a collections run writes eight or so to each of thousands of customers): the language's
    separators and the currency's sign are looked up once, and the digits grouped by Python's own
    format, which groups by three as the languages' formats do. The text is ``format_money``'s;
    a language grouping otherwise, and a value that is not a finite number, go through it."""
    language = translation.get_language()
    decimal_sep = str(get_format("DECIMAL_SEPARATOR", language, use_l10n=True))
    thousand_sep = str(get_format("THOUSAND_SEPARATOR", language, use_l10n=True))
    grouping = get_format("NUMBER_GROUPING", language, use_l10n=True)
    sign = currency_sign(currency)
    suffix = "" if not sign else (f" {sign}" if _language() == "en" else f"{NBSP}{sign}")
    exponent = decimal.Decimal(1).scaleb(-decimals)
    spec = {3: f",.{decimals}f", 0: f".{decimals}f"}.get(grouping) if isinstance(grouping, int) else None
    separators = str.maketrans({",": thousand_sep, ".": decimal_sep})

    def formatted(amount: Any) -> str:
        if spec is None or amount is None or amount == "" or isinstance(amount, float):
            return format_money(amount, currency, decimals=decimals)
        try:
            value = decimal.Decimal(str(amount))
        except decimal.InvalidOperation:
            return format_money(amount, currency, decimals=decimals)
        if not value.is_finite() or value.adjusted() > 100:
            return format_money(amount, currency, decimals=decimals)
        value = value.quantize(exponent, rounding=decimal.ROUND_HALF_UP)
        if value == 0:
            value = abs(value)  # never "-0,00"
        return format(value, spec).translate(separators) + suffix

    return formatted


# Currency names num2words lacks in a language: the forms for 1, for 2-4 (and their like) and for
# the rest, in the order of that language's plural rule (num2words' ``pluralize``); the second
# pair names the hundredths, which the amount in words shows as digits ("56/100").
EXTRA_CURRENCY_FORMS: dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "pl": {
        "RON": (("lej", "leje", "lejów"), ("ban", "bany", "banów")),
        "RUB": (("rubel", "ruble", "rubli"), ("kopiejka", "kopiejki", "kopiejek")),
    },
    "ro": {
        "EUR": (("euro", "euro", "de euro"), ("cent", "cenți", "de cenți")),
        "PLN": (("zlot", "zloți", "de zloți"), ("grosz", "groszi", "de groszi")),
        "USD": (("dolar", "dolari", "de dolari"), ("cent", "cenți", "de cenți")),
    },
    "ru": {
        "PLN": (("злотый", "злотых", "злотых"), ("грош", "гроша", "грошей")),
        "RON": (("лей", "лея", "леев"), ("бан", "бана", "банов")),
    },
}
_CUT = "\x00"  # where num2words would go on to the hundredths in words


@functools.cache
def _speller(language: str) -> Any:
    """num2words' converter for ``language`` (English where it has none), knowing the currencies
    of EXTRA_CURRENCY_FORMS too. Outside English a currency needs three forms (one, few, many):
    num2words gives some only English's two, which the language's plural rule cannot index."""
    from num2words import CONVERTER_CLASSES

    converter = CONVERTER_CLASSES.get(language) or CONVERTER_CLASSES["en"]
    if converter is CONVERTER_CLASSES["en"]:
        return converter
    kind = type(converter)
    known = {code: forms for code, forms in kind.CURRENCY_FORMS.items() if min(map(len, forms)) >= 3}
    return type(kind.__name__, (kind,), {"CURRENCY_FORMS": known | EXTRA_CURRENCY_FORMS.get(language, {})})()


def amount_in_words(amount: Any, currency: str, *, language: str | None = None) -> str:
    """The amount as documents write it out, in the active language (or ``language``): the whole
    units in words with the currency's name, the hundredths as a fraction. Polish "tysiąc dwieście
    trzydzieści cztery złote 56/100", Lithuanian "vienas tūkstantis ... eurai 56/100". A currency
    the language cannot name is written by its ISO code after the number in words."""
    value = quantize(decimal.Decimal(str(amount)))
    whole = int(abs(value))
    hundredths = int((abs(value) - whole) * 100)
    language = _language(language)
    speller = _speller(language)
    code = (currency or "").strip().upper()
    units = decimal.Decimal(-whole if value < 0 else whole)
    try:
        words = speller.to_currency(units, currency=code, cents=True, separator=_CUT).split(_CUT)[0]
    except (NotImplementedError, KeyError, IndexError):
        # num2words has no name for this currency in this language (its own error types for it):
        # the number in words and the ISO code, as the docstring says ("du RON 00/100").
        words = f"{speller.to_cardinal(units)} {code}".strip()
    if language == "ro" and whole == 1:
        words = words.replace("unu ", "un ", 1)  # "un euro", as num2words says "un leu" itself
    return f"{words.strip()} {hundredths:02d}/100"
