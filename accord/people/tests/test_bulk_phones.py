"""The bulk path's phone normaliser gives exactly the answers of ``normalize_phone``."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError

from accord.people.validators import PhoneNormalizer, normalize_phone


def answer(normalize, raw: str) -> tuple[str, str]:
    try:
        return ("ok", normalize(raw))
    except ValidationError as exc:
        return ("error", " ".join(exc.messages))


def spellings(seed: int, count: int) -> list[str]:
    """Numbers of every calling code, valid and not, in the ways people write them."""
    rng = random.Random(seed)
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    found = []
    for _ in range(count):
        number = f"+{rng.choice(codes)}{''.join(rng.choices('0123456789', k=rng.randint(4, 12)))}"
        style = rng.random()
        if style < 0.2:
            number = f"{number[:4]} {number[4:7]}-{number[7:]}"
        elif style < 0.3:
            number = "00" + number[1:]
        found.append(number)
    for national in ("601234567", "221234567", "0601234567", "12", "+48 0 601 234 567", "(22) 123-45-67"):
        found.append(national)
    for mobile in ("+48601234567", "+447911123456", "+447700900123", "+78121234567", "+79161234567", "+8001234567"):
        found.append(mobile)
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_normaliser_agrees_with_normalize_phone(seed):
    normalizer = PhoneNormalizer("PL")
    numbers = spellings(seed, 3000)

    disagreements = [
        (raw, answer(normalize_phone, raw), answer(normalizer, raw))
        for raw in numbers
        if answer(lambda value: normalize_phone(value, "PL"), raw) != answer(normalizer, raw)
    ]

    assert disagreements == []
    assert sum(answer(normalizer, raw)[0] == "ok" for raw in numbers) > 100  # valid ones were tested too


def test_a_remembered_bad_number_is_still_an_error():
    normalizer = PhoneNormalizer("PL")

    with pytest.raises(ValidationError):
        normalizer("12")
    with pytest.raises(ValidationError, match="12 is not a valid phone number"):
        normalizer("12")
    assert normalizer("601 234 567") == normalizer("+48601234567") == "+48601234567"
