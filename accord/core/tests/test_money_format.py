"""``money_formatter`` writes every amount exactly as ``format_money`` does, in every language."""

from __future__ import annotations

import decimal

from django.conf import settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accord.core import languages
from accord.core.money import format_money, money_formatter

CURRENCIES = ["PLN", "EUR", "USD", "RON", "RUB", "", "gbp"]
AMOUNTS = st.one_of(
    st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-1000, max_value=1000, places=5, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from(["12.345", "0.005", "-0.004", "abc", "", None, decimal.Decimal("-0.00"), decimal.Decimal("1E+3")]),
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(amount=AMOUNTS, currency=st.sampled_from(CURRENCIES), language=st.sampled_from(settings.LANGUAGES))
def test_the_formatter_writes_what_format_money_writes(amount: object, currency: str, language: tuple) -> None:
    with languages.writing_in(language[0]):
        assert money_formatter(currency)(amount) == format_money(amount, currency)


def test_a_formatter_keeps_the_language_it_was_made_in() -> None:
    with languages.writing_in("pl"):
        polish = money_formatter("PLN")
    with languages.writing_in("en"):
        assert polish(decimal.Decimal("1234.5")) == "1\xa0234,50\xa0zł"
        assert money_formatter("PLN")(decimal.Decimal("1234.5")) == "1,234.50 PLN"
