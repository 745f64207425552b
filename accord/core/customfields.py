"""Validation, parsing and display of admin-defined custom fields.

Values are stored in the entity's ``custom`` JSON column in a form that sorts and compares the same
way on both databases: text and choices as strings, numbers as JSON numbers, dates as ISO strings,
multi-choice as a list of strings, booleans as JSON booleans, money as
``{"amount": "12.50", "currency": "PLN"}``.
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accord.core.models import CustomFieldDefinition, CustomFieldType
from accord.core.money import format_money

TEXT_MAX = 1000
TRUE_WORDS = {"1", "true", "yes", "y", "t", "on", "tak", "taip", "da", "да"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "off", "nie", "ne", "nu", "нет"}
# Beyond this a number loses digits in JSON readers (2**53 ~ 9e15) and float() overflows sooner.
NUMBER_LIMIT = decimal.Decimal(10) ** 15
_WHITESPACE = re.compile(r"\s+")
_CURRENCY_FIRST = re.compile(r"^([^\W\d_]+|[€£])\s*(.*)$")
_CURRENCY_LAST = re.compile(r"^(.*?)\s*([^\W\d_]+|[€£])$")
_CURRENCY_SIGNS = {"zł": "PLN", "zl": "PLN", "€": "EUR", "£": "GBP"}


def definitions(entity: str, *, include_inactive: bool = False) -> list[CustomFieldDefinition]:
    qs = CustomFieldDefinition.objects.filter(entity=entity)
    if not include_inactive:
        qs = qs.filter(active=True)
    return list(qs.order_by("position", "label"))


def _is_blank(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or value == [] or value == {}


def _decimal(text: str) -> decimal.Decimal:
    """A number as people type it: "1 234,50", "1\u00a0234,50", "1,234.50", "1.234,50", "-12.5".

    Whitespace (also the no-break spaces spreadsheets group thousands with) is dropped; when both
    a comma and a point appear, the later one is the decimal mark; a lone comma is one.
    """
    text = _WHITESPACE.sub("", text)
    if "," in text and "." in text:
        grouping = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(grouping, "")
    number = decimal.Decimal(text.replace(",", "."))  # InvalidOperation when it is not a number
    if not number.is_finite():
        raise decimal.InvalidOperation(text)
    return number


def coerce(definition: CustomFieldDefinition, value: Any) -> Any:
    """One value in its stored form, or ValidationError with a message for a person."""
    kind = definition.field_type
    if kind == CustomFieldType.TEXT:
        if not isinstance(value, str | int | float | decimal.Decimal):
            raise ValidationError(_("Enter text."))
        text = str(value).strip()
        if len(text) > TEXT_MAX:
            raise ValidationError(_("At most %(max)d characters.") % {"max": TEXT_MAX})
        return text
    if kind == CustomFieldType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, str | int | float | decimal.Decimal):
            raise ValidationError(_("Enter a number."))
        try:
            number = _decimal(str(value))
        except (decimal.InvalidOperation, ValueError) as exc:
            raise ValidationError(_("Enter a number.")) from exc
        if abs(number) >= NUMBER_LIMIT:
            raise ValidationError(_("Enter a number."))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CustomFieldType.DATE:
        if isinstance(value, datetime.datetime):
            return value.date().isoformat()
        if isinstance(value, datetime.date):
            return value.isoformat()
        try:
            return datetime.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError as exc:
            raise ValidationError(_("Enter a date as YYYY-MM-DD.")) from exc
    if kind == CustomFieldType.BOOLEAN:
        if isinstance(value, bool):
            return value
        word = str(value).strip().casefold()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValidationError(_("Enter yes or no."))
    if kind == CustomFieldType.CHOICE:
        choice = str(value).strip()
        if choice not in definition.choices:
            raise ValidationError(
                _("%(value)s is not one of: %(choices)s.") % {"value": choice, "choices": ", ".join(definition.choices)}
            )
        return choice
    if kind == CustomFieldType.MULTI_CHOICE:
        items = [v.strip() for v in value.split(";")] if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            raise ValidationError(_("Enter a list of choices."))
        chosen = [str(v).strip() for v in items if str(v).strip()]
        unknown = [v for v in chosen if v not in definition.choices]
        if unknown:
            raise ValidationError(
                _("%(value)s is not one of: %(choices)s.")
                % {"value": ", ".join(unknown), "choices": ", ".join(definition.choices)}
            )
        return [c for c in definition.choices if c in chosen]  # the admin's order, no repeats
    if kind == CustomFieldType.MONEY:
        if isinstance(value, Mapping):
            amount, currency = value.get("amount"), value.get("currency") or settings.DEFAULT_CURRENCY
        else:
            amount, currency = _split_money(str(value))
        try:
            if isinstance(amount, bool) or not isinstance(amount, str | int | float | decimal.Decimal):
                raise ValueError(amount)
            money = _decimal(str(amount))
            if abs(money) >= NUMBER_LIMIT:
                raise ValueError(amount)
            cents = money.quantize(decimal.Decimal("0.01"))
        except (decimal.InvalidOperation, ValueError) as exc:
            raise ValidationError(_("Enter an amount, optionally followed by a currency code.")) from exc
        currency = _CURRENCY_SIGNS.get(str(currency).strip().casefold(), str(currency).strip().upper())
        if len(currency) != 3 or not (currency.isascii() and currency.isalpha()):
            raise ValidationError(_("Currency must be a three-letter code such as PLN or EUR."))
        return {"amount": str(cents), "currency": currency}
    raise ValidationError(_("Unknown field type."))


def _split_money(text: str) -> tuple[str, str]:
    """ "1 200,50 EUR", "EUR 99.99", "1200 zł", "1200" -> (amount, currency)."""
    text = text.strip()
    for pattern, amount_group, currency_group in ((_CURRENCY_LAST, 1, 2), (_CURRENCY_FIRST, 2, 1)):
        match = pattern.match(text)
        if match and match.group(amount_group):
            return match.group(amount_group), match.group(currency_group)
    return text, settings.DEFAULT_CURRENCY


def clean(
    entity: str,
    values: Mapping[str, Any],
    *,
    existing: Mapping[str, Any] | None = None,
    partial: bool = False,
    error_prefix: str = "custom.",
) -> dict[str, Any]:
    """Merge ``values`` into ``existing`` custom values, validated against the definitions.

    Blank values remove a key. ``partial`` (an update) checks required fields only among the keys
    given, so a PATCH of one field does not fail on another that was never filled.
    Errors are keyed ``custom.<key>``.
    """
    defs = {d.key: d for d in definitions(entity)}
    result = dict(existing or {})
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        definition = defs.get(key)
        if definition is None:
            errors[f"{error_prefix}{key}"] = [_("Unknown custom field.")]
            continue
        if _is_blank(value):
            result.pop(key, None)
            continue
        try:
            coerced = coerce(definition, value)
        except ValidationError as exc:
            errors[f"{error_prefix}{key}"] = exc.messages
            continue
        if _is_blank(coerced):
            result.pop(key, None)  # "; " chooses nothing of a multiple choice
        else:
            result[key] = coerced
    for key, definition in defs.items():
        if not definition.required or f"{error_prefix}{key}" in errors:
            continue
        if partial and key not in values:
            continue
        if _is_blank(result.get(key)):
            errors[f"{error_prefix}{key}"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    return result


def display(definition: CustomFieldDefinition, value: Any, *, localized: bool = False) -> str:
    """A value as a person reads it (also its cell in an export). ``localized``: dates and money as
    the active language writes them (31.12.2026, 1 200,50 zł) for a screen; an export keeps ISO dates
    and "1200.50 PLN", which its import reads back."""
    if _is_blank(value):
        return ""
    if localized and definition.field_type == CustomFieldType.DATE:
        day = parse_date(str(value))
        return formats.date_format(day, "SHORT_DATE_FORMAT") if day else str(value)
    if localized and definition.field_type == CustomFieldType.MONEY and isinstance(value, Mapping):
        return format_money(value.get("amount"), str(value.get("currency") or ""))
    if definition.field_type == CustomFieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if definition.field_type == CustomFieldType.MULTI_CHOICE and isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if definition.field_type == CustomFieldType.MONEY and isinstance(value, Mapping):
        return f"{value.get('amount')} {value.get('currency')}"
    return str(value)


def filter_lookups(definition: CustomFieldDefinition, raw: str) -> dict[str, Any]:
    """ORM lookups for a list filter ``cf.<key>=<raw>`` on this field."""
    path = f"custom__{definition.key}"
    if definition.field_type == CustomFieldType.MULTI_CHOICE:
        value = coerce(definition, [raw])
        if not value:
            raise ValidationError(_("Enter a list of choices."))
        if connection.vendor == "postgresql":
            return {f"{path}__contains": value[:1]}  # jsonb @> '["wine"]': exactly that element
        # SQLite has no JSON containment: match the element, quotes included (so "wine" is not
        # found in "wine tours"), in the list's JSON text, where non-ASCII may be \u-escaped.
        forms = {json.dumps(value[0]), json.dumps(value[0], ensure_ascii=False)}
        return {f"{path}__regex": "|".join(re.escape(form) for form in sorted(forms))}
    if definition.field_type == CustomFieldType.MONEY:
        value = coerce(definition, raw)
        return {f"{path}__amount": value["amount"], f"{path}__currency": value["currency"]}
    return {path: coerce(definition, raw)}


def filter_q(definition: CustomFieldDefinition, raw_values: Sequence[str]) -> Q:
    """The condition of a list filter ``cf.<key>``: any of the values (repeated parameters).

    Choices, dates and yes/no may also be given comma-separated; numbers, money and text may not,
    since "12,5" and "Kowalski, Jan" are single values.
    """
    values: list[str] = []
    for raw in raw_values:
        splits = definition.field_type in (CustomFieldType.DATE, CustomFieldType.BOOLEAN) or (
            definition.field_type in (CustomFieldType.CHOICE, CustomFieldType.MULTI_CHOICE)
            and raw.strip() not in definition.choices
        )
        values.extend(part for part in (raw.split(",") if splits else [raw]) if part.strip())
    if not values:
        raise ValidationError(_("Enter a value."))
    condition = Q()
    for value in values:
        condition |= Q(**filter_lookups(definition, value))
    return condition


def export_columns(entity: str) -> Iterable[tuple[str, CustomFieldDefinition]]:
    for definition in definitions(entity):
        yield f"cf.{definition.key}", definition
