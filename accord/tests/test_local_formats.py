"""Dates, times, numbers and money as each language of the interface writes them (accord/formats and
accord.core.money): the money function, the template filters, date inputs and amounts in words."""

import datetime
import decimal
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from accord.activities.forms import TaskForm
from accord.core.forms import DateInput
from accord.core.money import amount_in_words, currency_sign, format_money
from accord.sales.forms.deals import DealForm

D = decimal.Decimal
NBSP = "\xa0"
LANGUAGES = ["en", "pl", "lt", "ro", "ru"]


def spaced(text: str) -> str:
    """``text`` with its "_" read as non-breaking spaces, to keep the expectations readable."""
    return text.replace("_", NBSP)


# The amount 1234.56 in each currency, as each language writes it ("_" is a non-breaking space).
MONEY = {
    "en": {"PLN": "1,234.56 PLN", "EUR": "1,234.56 EUR", "RON": "1,234.56 RON", "RUB": "1,234.56 RUB"},
    "pl": {"PLN": "1_234,56_zł", "EUR": "1_234,56_€", "RON": "1_234,56_lei", "RUB": "1_234,56_₽"},
    "lt": {"PLN": "1_234,56_zł", "EUR": "1_234,56_€", "RON": "1_234,56_lei", "RUB": "1_234,56_₽"},
    "ro": {"PLN": "1.234,56_zł", "EUR": "1.234,56_€", "RON": "1.234,56_lei", "RUB": "1.234,56_₽"},
    "ru": {"PLN": "1_234,56_zł", "EUR": "1_234,56_€", "RON": "1_234,56_lei", "RUB": "1_234,56_₽"},
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("currency", ["PLN", "EUR", "RON", "RUB"])
def test_an_amount_is_written_the_languages_way_with_the_local_currency_sign(language, currency):
    with translation.override(language):
        shown = format_money(D("1234.56"), currency)

    assert shown == spaced(MONEY[language][currency])
    assert format_money(D("1234.56"), currency, language=language) == shown


@pytest.mark.parametrize(
    ("language", "usd", "negative", "zero", "large", "whole"),
    [
        ("en", "1,234.56 USD", "-1,234.56 PLN", "0.00 PLN", "1,234,567.80 EUR", "1,235 PLN"),
        ("pl", "1_234,56_USD", "-1_234,56_zł", "0,00_zł", "1_234_567,80_€", "1_235_zł"),
        ("lt", "1_234,56_USD", "-1_234,56_zł", "0,00_zł", "1_234_567,80_€", "1_235_zł"),
        ("ro", "1.234,56_USD", "-1.234,56_zł", "0,00_zł", "1.234.567,80_€", "1.235_zł"),
        ("ru", "1_234,56_USD", "-1_234,56_zł", "0,00_zł", "1_234_567,80_€", "1_235_zł"),
    ],
)
def test_other_currencies_go_by_code_and_signs_zeros_large_and_whole_amounts(
    language, usd, negative, zero, large, whole
):
    with translation.override(language):
        assert format_money(D("1234.56"), "USD") == spaced(usd)
        assert format_money(D("-1234.56"), "PLN") == spaced(negative)
        assert format_money(D("0"), "PLN") == spaced(zero)
        assert format_money(D("-0.001"), "PLN") == spaced(zero)  # never "-0,00"
        assert format_money(D("1234567.8"), "EUR") == spaced(large)
        assert format_money(D("1234.5"), "PLN", decimals=0) == spaced(whole)  # rounded half up, not cut


def test_money_without_a_currency_or_an_amount():
    with translation.override("pl"):
        assert format_money(D("1234.5")) == spaced("1_234,50")
        assert format_money(None, "PLN") == ""
        assert format_money("2.005", "pln") == spaced("2,01_zł")
    assert currency_sign("pln", "pl") == "zł"
    assert currency_sign("PLN", "en") == "PLN"
    assert currency_sign("chf", "ro") == "CHF"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "1,234.56 PLN · 1,235 PLN · lei"),
        ("pl", "1_234,56_zł · 1_235_zł · lei"),
        ("ro", "1.234,56_zł · 1.235_zł · lei"),
    ],
)
def test_the_money_filters_speak_the_active_language(language, expected):
    template = Template(
        "{% load accord %}{{ amount|money:currency }} · {{ amount|money_whole:currency }} · {{ 'RON'|currency_sign }}"
    )

    with translation.override(language):
        shown = template.render(Context({"amount": D("1234.56"), "currency": "PLN"}))

    expected = expected.replace("lei", "RON") if language == "en" else expected
    assert shown == spaced(expected)


MOMENT = datetime.datetime(2026, 12, 31, 14, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Warsaw"))


@pytest.mark.parametrize(
    ("language", "long_date", "short_date", "short_datetime", "time"),
    [
        ("en", "Dec. 31, 2026", "12/31/2026", "12/31/2026 2:30 p.m.", "2:30 p.m."),
        ("pl", "31 grudnia 2026", "31.12.2026", "31.12.2026 14:30", "14:30"),
        ("lt", "2026 m. gruodžio 31 d.", "2026-12-31", "2026-12-31 14:30", "14:30"),
        ("ro", "31 decembrie 2026", "31.12.2026", "31.12.2026, 14:30", "14:30"),
        ("ru", "31 декабря 2026 г.", "31.12.2026", "31.12.2026 14:30", "14:30"),
    ],
)
def test_dates_and_times_through_the_template_filters(language, long_date, short_date, short_datetime, time):
    template = Template(
        '{{ when|date }}|{{ when|date:"SHORT_DATE_FORMAT" }}|{{ when|date:"SHORT_DATETIME_FORMAT" }}|{{ when|time }}'
    )

    with translation.override(language):
        shown = template.render(Context({"when": MOMENT}))

    assert shown.split("|") == [long_date, short_date, short_datetime, time]


@pytest.mark.parametrize(("language", "first_day"), [("en", 0), ("pl", 1), ("lt", 1), ("ro", 1), ("ru", 1)])
def test_weeks_start_on_monday_outside_english(language, first_day):
    with translation.override(language):
        assert formats.get_format("FIRST_DAY_OF_WEEK") == first_day


@pytest.mark.parametrize(
    ("language", "grouped"),
    [
        ("en", "1,234,567.89"),
        ("pl", "1_234_567,89"),
        ("lt", "1_234_567,89"),
        ("ro", "1.234.567,89"),
        ("ru", "1_234_567,89"),
    ],
)
def test_numbers_group_thousands_the_languages_way(language, grouped):
    with translation.override(language):
        shown = Template('{{ n|floatformat:"2g" }}').render(Context({"n": D("1234567.891")}))

    assert shown == spaced(grouped)


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("pl", "31.12.2026"),
        ("lt", "2026-12-31"),
        ("lt", "31.12.2026"),
        ("ro", "31.12.2026"),
        ("ru", "31.12.2026"),
        ("en", "12/31/2026"),
        ("pl", "2026-12-31"),  # what <input type="date"> sends, in every language
    ],
)
def test_the_deal_form_takes_a_date_typed_the_languages_way(db, language, typed):
    with translation.override(language):
        form = DealForm(data={"name": "Roll-out", "currency": "PLN", "expected_close": typed})
        valid = form.is_valid()

    assert valid, form.errors
    assert form.cleaned_data["expected_close"] == datetime.date(2026, 12, 31)


def test_a_date_typed_the_polish_way_is_no_date_in_english(db):
    with translation.override("en"):
        form = DealForm(data={"name": "Roll-out", "currency": "PLN", "expected_close": "31.12.2026"})

        assert not form.is_valid()
    assert "expected_close" in form.errors


@pytest.mark.parametrize("language", LANGUAGES)
def test_date_inputs_always_write_iso_for_the_browser(language):
    with translation.override(language):
        html = DateInput().render("expected_close", datetime.date(2026, 12, 31))

    assert html == '<input type="date" name="expected_close" value="2026-12-31">'


@pytest.mark.parametrize(
    ("language", "currency", "words"),
    [
        ("pl", "PLN", "tysiąc dwieście trzydzieści cztery złote 56/100"),
        ("pl", "EUR", "tysiąc dwieście trzydzieści cztery euro 56/100"),
        ("lt", "EUR", "vienas tūkstantis du šimtai trisdešimt keturi eurai 56/100"),
        ("lt", "PLN", "vienas tūkstantis du šimtai trisdešimt keturi zlotai 56/100"),
        ("ro", "RON", "una mie două sute treizeci și patru de lei 56/100"),
        ("ro", "EUR", "una mie două sute treizeci și patru de euro 56/100"),
        ("ru", "RUB", "одна тысяча двести тридцать четыре рубля 56/100"),
        ("ru", "PLN", "одна тысяча двести тридцать четыре злотых 56/100"),
        ("en", "PLN", "one thousand, two hundred and thirty-four zlotys 56/100"),
        ("en", "EUR", "one thousand, two hundred and thirty-four euro 56/100"),
    ],
)
def test_an_amount_in_words_in_each_language(language, currency, words):
    with translation.override(language):
        assert amount_in_words(D("1234.56"), currency) == words
    assert amount_in_words(D("1234.56"), currency, language=language) == words


@pytest.mark.parametrize(
    ("language", "currency", "amount", "words"),
    [
        ("pl", "PLN", "1", "jeden złoty 00/100"),
        ("pl", "PLN", "5", "pięć złotych 00/100"),
        ("pl", "PLN", "22.05", "dwadzieścia dwa złote 05/100"),
        ("pl", "RON", "5", "pięć lejów 00/100"),  # a currency num2words cannot name in Polish
        ("ro", "EUR", "1", "un euro 00/100"),
        ("ro", "RON", "21", "douăzeci și unu de lei 00/100"),
        ("ru", "RUB", "-11.10", "минус одиннадцать рублей 10/100"),
        ("lt", "RON", "2", "du RON 00/100"),  # nameless: by its code
        ("pl", "CHF", "0.99", "zero CHF 99/100"),
    ],
)
def test_words_agree_with_the_number_and_fall_back_to_the_code(language, currency, amount, words):
    assert amount_in_words(D(amount), currency, language=language) == words


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("pl", "31.12.2026 14:30"),
        ("lt", "2026-12-31 14:30"),
        ("ro", "31.12.2026, 14:30"),
        ("ro", "31.12.2026 14:30"),
        ("ru", "31.12.2026 14:30"),
        ("pl", "2026-12-31T14:30"),  # what <input type="datetime-local"> sends
    ],
)
def test_a_task_takes_a_due_time_typed_the_languages_way(db, language, typed):
    with translation.override(language):
        form = TaskForm(data={"title": "Call back", "priority": "normal", "due_at": typed})
        valid = form.is_valid()

    assert valid, form.errors
    due = form.cleaned_data["due_at"].astimezone(zoneinfo.ZoneInfo("Europe/Warsaw"))
    assert (due.date(), due.hour, due.minute) == (datetime.date(2026, 12, 31), 14, 30)


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("ro", "31 decembrie 2026"),
        ("pl", "31 grudnia 2026"),
        ("ru", "31 декабря 2026 г."),
        ("lt", "2026 m. gruodžio 31 d."),
    ],
)
def test_a_date_names_its_month_as_the_language_writes_it_inside_a_date(language, written):
    """Romanian months are lower case inside a date (Django's catalogue capitalises them); Polish,
    Russian and Lithuanian take the genitive."""
    with translation.override(language):
        assert formats.date_format(datetime.date(2026, 12, 31)) == written
