"""Tax ids: EU VAT ids checked per member state, NIP and REGON check digits."""

import pytest
from django.core.exceptions import ValidationError

from accord.people.validators import normalize_nip, normalize_regon, normalize_vat_id


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("de 136 695 976", "DE136695976"),
        ("FR40303265045", "FR40303265045"),
        ("ATU13585627", "ATU13585627"),
        ("LT119511515", "LT119511515"),
        ("RO18547290", "RO18547290"),
        ("EL094259216", "EL094259216"),
        ("PL 123-456-32-18", "PL1234563218"),
        ("GB980780684", "GB980780684"),  # outside the EU: taken as written
        ("CHE116281710", "CHE116281710"),
    ],
)
def test_valid_vat_ids_are_stored_compact(typed, stored):
    assert normalize_vat_id(typed) == stored


@pytest.mark.parametrize("typed", ["DE136695977", "FR40303265046", "LT119511516", "RO18547291", "PL1234563219"])
def test_an_eu_vat_id_with_wrong_check_digits_is_refused(typed):
    with pytest.raises(ValidationError):
        normalize_vat_id(typed)


def test_the_refusal_names_the_country_and_the_number():
    with pytest.raises(ValidationError) as caught:
        normalize_vat_id("DE136695977")

    assert "DE136695977" in caught.value.messages[0]
    assert "DE" in caught.value.messages[0]


def test_nip_and_regon_check_digits():
    assert normalize_nip("PL 123-456-32-18") == "1234563218"
    assert normalize_regon("123456785") == "123456785"
    assert normalize_regon("12345678512347") == "12345678512347"
    for bad_nip in ("1234563219", "123456321"):
        with pytest.raises(ValidationError):
            normalize_nip(bad_nip)
    for bad_regon in ("123456786", "12345678512348", "1234"):
        with pytest.raises(ValidationError):
            normalize_regon(bad_regon)
