"""IBAN, NRB and BIC checks: one compact form, clear refusals."""

from __future__ import annotations

import pytest

from accord.core import banking
from accord.core.banking import BankingError


@pytest.mark.parametrize(
    "typed",
    [
        "PL61109010140000071219812874",
        "PL61 1090 1014 0000 0712 1981 2874",
        "pl61-1090-1014-0000-0712-1981-2874",
        "61 1090 1014 0000 0712 1981 2874",
        "61109010140000071219812874",
        "IBAN PL61 1090 1014 0000 0712 1981 2874",
    ],
)
def test_an_iban_or_nrb_in_any_spelling_is_one_compact_iban(typed: str) -> None:
    assert banking.normalize_iban(typed) == "PL61109010140000071219812874"


def test_foreign_iban_is_kept_as_is() -> None:
    assert banking.normalize_iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"


def test_wrong_check_digits_say_so() -> None:
    with pytest.raises(BankingError, match="check digits"):
        banking.normalize_iban("PL61 1090 1014 0000 0712 1981 2875")


def test_nrb_with_a_typo_is_refused() -> None:
    with pytest.raises(BankingError, match="check digits"):
        banking.normalize_iban("62109010140000071219812874")


def test_wrong_length_names_the_country() -> None:
    with pytest.raises(BankingError, match="wrong number of characters for PL"):
        banking.normalize_iban("PL6110901014")


def test_empty_account_asks_for_one() -> None:
    with pytest.raises(BankingError, match="Enter an account number"):
        banking.normalize_iban("  ")


def test_garbage_is_not_an_account_number() -> None:
    with pytest.raises(BankingError, match="not a valid account number"):
        banking.normalize_iban("hello world")


def test_try_normalize_gives_none_for_bad_numbers() -> None:
    assert banking.try_normalize_iban("12345") is None
    assert banking.try_normalize_iban(None) is None
    assert banking.try_normalize_iban("61109010140000071219812874") == "PL61109010140000071219812874"


def test_format_and_nrb() -> None:
    assert banking.format_iban("61109010140000071219812874") == "PL61 1090 1014 0000 0712 1981 2874"
    assert banking.nrb("PL61 1090 1014 0000 0712 1981 2874") == "61109010140000071219812874"
    assert banking.is_nrb("61 1090 1014 0000 0712 1981 2874")
    assert not banking.is_nrb("PL61109010140000071219812874")


def test_nrb_of_a_foreign_iban_is_refused() -> None:
    with pytest.raises(BankingError, match="not a Polish account number"):
        banking.nrb("DE89370400440532013000")


@pytest.mark.parametrize(("typed", "expected"), [("bpkoplpw", "BPKOPLPWXXX"), ("BPKO PL PW XXX", "BPKOPLPWXXX")])
def test_bic_is_eleven_characters(typed: str, expected: str) -> None:
    assert banking.normalize_bic(typed) == expected


def test_bic_of_wrong_length_is_refused() -> None:
    with pytest.raises(BankingError, match="8 or 11 characters"):
        banking.normalize_bic("BPKOPL")


def test_bic_of_a_known_bank() -> None:
    assert banking.bic_of("PL61109010140000071219812874") == "WBKPPLPPXXX"
    assert banking.bic_of("nonsense") is None
