"""Validation, parsing and display of admin-defined custom fields.

Values are stored in the entity's ``custom`` JSON column in a form that sorts and compares the same
way on both databases: text and choices as strings, numbers as JSON numbers, dates as ISO strings,
multi-choice as a list of strings, booleans as JSON booleans, money as
``{"amount": "12.50", "currency": "PLN"}``.
"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accord.core.models import CustomFieldDefinition, CustomFieldType

TEXT_MAX = 1000
TRUE_WORDS = {"1", "true", "yes", "y", "t", "on", "tak", "taip", "da", "да"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "off", "nie", "ne", "nu", "нет"}


def definitions(entity: str, *, include_inactive: bool = False) -> list[CustomFieldDefinition]:
    qs = CustomFieldDefinition.objects.filter(entity=entity)
    if not include_inactive:
        qs = qs.filter(active=True)
    return list(qs.order_by("position", "label"))


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


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
        if isinstance(value, bool):
            raise ValidationError(_("Enter a number."))
        try:
            number = decimal.Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
        except (decimal.InvalidOperation, ValueError) as exc:
            raise ValidationError(_("Enter a number.")) from exc
        if not number.is_finite():
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
            parts = str(value).strip().split()
            amount = parts[0] if parts else ""
            currency = parts[1] if len(parts) > 1 else settings.DEFAULT_CURRENCY
        try:
            money = decimal.Decimal(str(amount).replace(",", "."))
        except (decimal.InvalidOperation, ValueError) as exc:
            raise ValidationError(_("Enter an amount, optionally followed by a currency code.")) from exc
        if not money.is_finite():
            raise ValidationError(_("Enter an amount, optionally followed by a currency code."))
        currency = str(currency).upper()
        if len(currency) != 3 or not currency.isalpha():
            raise ValidationError(_("Currency must be a three-letter code such as PLN or EUR."))
        return {"amount": str(money.quantize(decimal.Decimal("0.01"))), "currency": currency}
    raise ValidationError(_("Unknown field type."))


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
            result[key] = coerce(definition, value)
        except ValidationError as exc:
            errors[f"{error_prefix}{key}"] = exc.messages
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


def display(definition: CustomFieldDefinition, value: Any) -> str:
    """A value as a person reads it (also its cell in an export)."""
    if _is_blank(value):
        return ""
    if definition.field_type == CustomFieldType.BOOLEAN:
        return _("Yes") if value else _("No")
    if definition.field_type == CustomFieldType.MULTI_CHOICE:
        return "; ".join(value)
    if definition.field_type == CustomFieldType.MONEY and isinstance(value, Mapping):
        return f"{value.get('amount')} {value.get('currency')}"
    return str(value)


def filter_lookups(definition: CustomFieldDefinition, raw: str) -> dict[str, Any]:
    """ORM lookups for a list filter ``cf.<key>=<raw>`` on this field."""
    path = f"custom__{definition.key}"
    if definition.field_type == CustomFieldType.MULTI_CHOICE:
        value = coerce(definition, [raw])
        return {f"{path}__icontains": f'"{value[0]}"'}
    if definition.field_type == CustomFieldType.MONEY:
        value = coerce(definition, raw)
        return {f"{path}__amount": value["amount"], f"{path}__currency": value["currency"]}
    return {path: coerce(definition, raw)}


def export_columns(entity: str) -> Iterable[tuple[str, CustomFieldDefinition]]:
    for definition in definitions(entity):
        yield f"cf.{definition.key}", definition
