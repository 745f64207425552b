"""Custom fields: coercing what people type into stored values, validation and display."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from accord.core import customfields
from accord.core.models import CustomFieldDefinition, CustomFieldType
from accord.people import services

ENTITY = "people.contact"


def define(key, field_type, *, choices=(), required=False, active=True, entity=ENTITY):
    return CustomFieldDefinition.objects.create(
        entity=entity,
        key=key,
        label=key.replace("_", " ").title(),
        field_type=field_type,
        choices=list(choices),
        required=required,
        active=active,
    )


def unsaved(field_type, choices=()):
    """A definition for coerce() and display(), which never read the database."""
    return CustomFieldDefinition(entity=ENTITY, key="f", label="F", field_type=field_type, choices=list(choices))


def error_of(definition, value):
    with pytest.raises(ValidationError) as caught:
        customfields.coerce(definition, value)
    return caught.value.messages


# --- coerce: one value per type -----------------------------------------------------------------


def test_text_is_stripped_and_numbers_become_text():
    text = unsaved(CustomFieldType.TEXT)

    assert customfields.coerce(text, "  Mazowsze  ") == "Mazowsze"
    assert customfields.coerce(text, 42) == "42"


def test_text_longer_than_the_limit_or_not_text_is_refused():
    text = unsaved(CustomFieldType.TEXT)

    assert customfields.coerce(text, "x" * 1000) == "x" * 1000
    assert error_of(text, "x" * 1001) == ["At most 1000 characters."]
    assert error_of(text, {"a": 1}) == ["Enter text."]
    assert error_of(text, ["a"]) == ["Enter text."]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("42", 42),
        (" 42 ", 42),
        ("1 234,50", 1234.5),
        ("1\u00a0234,50", 1234.5),  # a no-break space, as a Polish spreadsheet writes thousands
        ("1\u202f234,50", 1234.5),  # a narrow no-break space, as French and newer locales do
        ("1,234.50", 1234.5),
        ("1.234,50", 1234.5),
        ("-12.5", -12.5),
        ("3.0", 3),
        (7, 7),
        (2.25, 2.25),
        ("0", 0),
    ],
)
def test_number_accepts_the_ways_people_write_numbers(typed, stored):
    value = customfields.coerce(unsaved(CustomFieldType.NUMBER), typed)

    assert value == stored
    assert type(value) is type(stored)


@pytest.mark.parametrize("typed", ["abc", "", "1,2,3.4.5", "NaN", "Infinity", "1e400", True, None, [1]])
def test_number_refuses_what_is_not_a_finite_number(typed):
    assert error_of(unsaved(CustomFieldType.NUMBER), typed) == ["Enter a number."]


def test_date_is_stored_as_an_iso_string():
    date = unsaved(CustomFieldType.DATE)

    assert customfields.coerce(date, " 2025-03-01 ") == "2025-03-01"
    assert customfields.coerce(date, datetime.date(2025, 3, 1)) == "2025-03-01"
    assert customfields.coerce(date, datetime.datetime(2025, 3, 1, 23, 59)) == "2025-03-01"


@pytest.mark.parametrize("typed", ["2025-02-30", "01.03.2025", "tomorrow", "", None])
def test_date_refuses_anything_but_a_real_iso_date(typed):
    assert error_of(unsaved(CustomFieldType.DATE), typed) == ["Enter a date as YYYY-MM-DD."]


def test_choice_must_be_one_of_the_choices():
    segment = unsaved(CustomFieldType.CHOICE, ["retail", "wholesale"])

    assert customfields.coerce(segment, " retail ") == "retail"
    assert error_of(segment, "export") == ["export is not one of: retail, wholesale."]
    assert error_of(segment, "Retail") == ["Retail is not one of: retail, wholesale."]


def test_multi_choice_accepts_a_semicolon_list_and_keeps_the_admins_order():
    interests = unsaved(CustomFieldType.MULTI_CHOICE, ["wine", "cheese", "travel"])

    assert customfields.coerce(interests, "travel; wine") == ["wine", "travel"]
    assert customfields.coerce(interests, "wine;wine; cheese;") == ["wine", "cheese"]
    assert customfields.coerce(interests, ["cheese", " travel "]) == ["cheese", "travel"]


def test_multi_choice_names_every_unknown_choice():
    interests = unsaved(CustomFieldType.MULTI_CHOICE, ["wine", "cheese"])

    assert error_of(interests, "wine; golf; yachts") == ["golf, yachts is not one of: wine, cheese."]
    assert error_of(interests, 5) == ["Enter a list of choices."]


@pytest.mark.parametrize(
    "word",
    [True, "yes", "Yes", "y", "TRUE", "1", "on", 1, "tak", "Tak", "taip", "da", "да", "Да"],
)
def test_boolean_understands_yes_in_every_interface_language(word):
    assert customfields.coerce(unsaved(CustomFieldType.BOOLEAN), word) is True


@pytest.mark.parametrize("word", [False, "no", "No", "n", "false", "0", "off", 0, "nie", "NIE", "ne", "nu", "нет"])
def test_boolean_understands_no_in_every_interface_language(word):
    assert customfields.coerce(unsaved(CustomFieldType.BOOLEAN), word) is False


@pytest.mark.parametrize("word", ["maybe", "2", "jein"])
def test_boolean_refuses_other_words(word):
    assert error_of(unsaved(CustomFieldType.BOOLEAN), word) == ["Enter yes or no."]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1200 EUR", {"amount": "1200.00", "currency": "EUR"}),
        ("1200", {"amount": "1200.00", "currency": "PLN"}),
        ("1200,5 eur", {"amount": "1200.50", "currency": "EUR"}),
        ("1 200,50 EUR", {"amount": "1200.50", "currency": "EUR"}),
        ("EUR 99.99", {"amount": "99.99", "currency": "EUR"}),
        ("-15 PLN", {"amount": "-15.00", "currency": "PLN"}),
        ({"amount": "1200", "currency": "usd"}, {"amount": "1200.00", "currency": "USD"}),
        ({"amount": 12.5}, {"amount": "12.50", "currency": "PLN"}),
        ({"amount": 7, "currency": None}, {"amount": "7.00", "currency": "PLN"}),
    ],
)
def test_money_is_an_amount_with_a_currency(typed, stored):
    assert customfields.coerce(unsaved(CustomFieldType.MONEY), typed) == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("lots", "Enter an amount, optionally followed by a currency code."),
        ({"amount": None}, "Enter an amount, optionally followed by a currency code."),
        ("NaN EUR", "Enter an amount, optionally followed by a currency code."),
        ("1e40 EUR", "Enter an amount, optionally followed by a currency code."),
        ("12 EURO", "Currency must be a three-letter code such as PLN or EUR."),
        ({"amount": "12", "currency": "E1R"}, "Currency must be a three-letter code such as PLN or EUR."),
    ],
)
def test_money_refuses_what_is_not_an_amount_and_a_currency(typed, message):
    assert error_of(unsaved(CustomFieldType.MONEY), typed) == [message]


# --- clean: a record's values together --------------------------------------------------------------


def test_clean_validates_and_stores_each_type(db):
    define("region", CustomFieldType.TEXT)
    define("employees", CustomFieldType.NUMBER)
    define("vip", CustomFieldType.BOOLEAN)
    define("budget", CustomFieldType.MONEY)

    values = customfields.clean(ENTITY, {"region": " Pomorze ", "employees": "1 250", "vip": "tak", "budget": "5 EUR"})

    assert values == {
        "region": "Pomorze",
        "employees": 1250,
        "vip": True,
        "budget": {"amount": "5.00", "currency": "EUR"},
    }


def test_unknown_and_invalid_keys_are_errors_keyed_custom_dot_key(db):
    define("employees", CustomFieldType.NUMBER)
    define("segment", CustomFieldType.CHOICE, choices=["retail"])

    with pytest.raises(ValidationError) as caught:
        customfields.clean(ENTITY, {"colour": "red", "employees": "many", "segment": "retail"})

    assert caught.value.message_dict == {
        "custom.colour": ["Unknown custom field."],
        "custom.employees": ["Enter a number."],
    }


def test_fields_of_another_entity_or_switched_off_are_unknown(db):
    define("nip_checked", CustomFieldType.BOOLEAN, entity="people.company")
    define("legacy_code", CustomFieldType.TEXT, active=False)

    with pytest.raises(ValidationError) as caught:
        customfields.clean(ENTITY, {"nip_checked": "yes", "legacy_code": "X1"})

    assert caught.value.message_dict == {
        "custom.nip_checked": ["Unknown custom field."],
        "custom.legacy_code": ["Unknown custom field."],
    }


def test_required_fields_missing_on_create_are_errors(db):
    define("segment", CustomFieldType.CHOICE, choices=["retail", "wholesale"], required=True)
    define("region", CustomFieldType.TEXT, required=True)
    define("notes_ok", CustomFieldType.BOOLEAN)

    with pytest.raises(ValidationError) as caught:
        customfields.clean(ENTITY, {"region": "   ", "notes_ok": "no"})

    assert caught.value.message_dict == {
        "custom.segment": ["This field is required."],
        "custom.region": ["This field is required."],
    }


def test_a_partial_update_does_not_demand_untouched_required_fields(db):
    define("segment", CustomFieldType.CHOICE, choices=["retail"], required=True)
    define("region", CustomFieldType.TEXT)

    values = customfields.clean(ENTITY, {"region": "Pomorze"}, existing={}, partial=True)

    assert values == {"region": "Pomorze"}


def test_a_partial_update_cannot_blank_a_required_field(db):
    define("segment", CustomFieldType.CHOICE, choices=["retail"], required=True)

    with pytest.raises(ValidationError) as caught:
        customfields.clean(ENTITY, {"segment": ""}, existing={"segment": "retail"}, partial=True)

    assert caught.value.message_dict == {"custom.segment": ["This field is required."]}


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_a_blank_value_removes_the_stored_one(db, blank):
    define("region", CustomFieldType.TEXT)
    define("employees", CustomFieldType.NUMBER)
    existing = {"region": "Pomorze", "employees": 5}

    values = customfields.clean(ENTITY, {"region": blank}, existing=existing, partial=True)

    assert values == {"employees": 5}


@pytest.mark.parametrize("blank", ["", "; ", [], [""], None])
def test_choosing_nothing_of_a_multiple_choice_removes_it(db, blank):
    define("interests", CustomFieldType.MULTI_CHOICE, choices=["wine"])

    values = customfields.clean(ENTITY, {"interests": blank}, existing={"interests": ["wine"]}, partial=True)

    assert values == {}


def test_values_not_given_are_kept(db):
    define("region", CustomFieldType.TEXT)
    define("employees", CustomFieldType.NUMBER)

    values = customfields.clean(ENTITY, {"employees": "6"}, existing={"region": "Pomorze", "employees": 5})

    assert values == {"region": "Pomorze", "employees": 6}


def test_the_error_prefix_can_be_changed_for_imports(db):
    with pytest.raises(ValidationError) as caught:
        customfields.clean(ENTITY, {"colour": "red"}, error_prefix="cf.")

    assert caught.value.message_dict == {"cf.colour": ["Unknown custom field."]}


def test_a_contact_with_a_bad_custom_value_is_not_saved(owner):
    define("employees", CustomFieldType.NUMBER)
    define("segment", CustomFieldType.CHOICE, choices=["retail"], required=True)

    with pytest.raises(ValidationError) as caught:
        services.create_contact(actor=owner, data={"last_name": "Nowak", "custom": {"employees": "many"}})

    assert caught.value.message_dict == {
        "custom.employees": ["Enter a number."],
        "custom.segment": ["This field is required."],
    }


def test_updating_one_custom_value_of_a_contact_keeps_the_others(owner, make_contact):
    define("employees", CustomFieldType.NUMBER)
    define("segment", CustomFieldType.CHOICE, choices=["retail", "wholesale"], required=True)
    contact = make_contact(owner, custom={"employees": "12", "segment": "retail"})

    services.update_contact(actor=owner, contact=contact, data={"custom": {"segment": "wholesale"}})

    contact.refresh_from_db()
    assert contact.custom == {"employees": 12, "segment": "wholesale"}


# --- display ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "value", "shown"),
    [
        (CustomFieldType.TEXT, "Pomorze", "Pomorze"),
        (CustomFieldType.NUMBER, 1234.5, "1234.5"),
        (CustomFieldType.NUMBER, 0, "0"),
        (CustomFieldType.DATE, "2025-03-01", "2025-03-01"),
        (CustomFieldType.CHOICE, "retail", "retail"),
        (CustomFieldType.MULTI_CHOICE, ["wine", "cheese"], "wine; cheese"),
        (CustomFieldType.BOOLEAN, True, "Yes"),
        (CustomFieldType.BOOLEAN, False, "No"),
        (CustomFieldType.MONEY, {"amount": "1200.00", "currency": "EUR"}, "1200.00 EUR"),
        (CustomFieldType.TEXT, None, ""),
        (CustomFieldType.MULTI_CHOICE, [], ""),
    ],
)
def test_display_shows_a_value_as_a_person_reads_it(field_type, value, shown):
    assert customfields.display(unsaved(field_type), value) == shown


def test_what_display_shows_reads_back_as_the_same_value():
    cases = [
        (unsaved(CustomFieldType.MULTI_CHOICE, ["wine", "cheese"]), ["wine", "cheese"]),
        (unsaved(CustomFieldType.MONEY), {"amount": "1200.50", "currency": "EUR"}),
        (unsaved(CustomFieldType.BOOLEAN), False),
        (unsaved(CustomFieldType.NUMBER), 1234.5),
        (unsaved(CustomFieldType.DATE), "2025-03-01"),
    ]

    for definition, value in cases:
        assert customfields.coerce(definition, customfields.display(definition, value)) == value


def test_display_of_a_value_left_from_an_earlier_type_does_not_garble_it():
    # An admin turned a text field into a multiple choice one; old values are still text.
    assert customfields.display(unsaved(CustomFieldType.MULTI_CHOICE, ["wine"]), "wine") == "wine"
    assert customfields.display(unsaved(CustomFieldType.MONEY), "12") == "12"
