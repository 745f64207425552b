"""Form helpers shared by the apps' screens: custom-field inputs, repeatable rows, and turning a
service's ValidationError into errors on the right inputs.

Forms here only parse what the browser sent; the rules live in the services, which validate again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accord.core import customfields
from accord.core.errors import message_dict
from accord.core.models import CustomFieldDefinition, CustomFieldType

CUSTOM_PREFIX = "cf_"


class DateInput(forms.DateInput):
    """``<input type="date">``, its value always written as ISO (2026-12-31).

    The browser shows and takes the date the user's way and sends ISO. Django's DateInput would
    write the value in the language's first input format (31.12.2026 in Polish), which the browser
    rejects, showing the field empty. The field itself still accepts the language's way of typing
    a date (DATE_INPUT_FORMATS in accord/formats), from the API or a browser without date inputs."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format or "%Y-%m-%d")


YES_NO = [("", "—"), ("true", _("Yes")), ("false", _("No"))]


def custom_form_field(definition: CustomFieldDefinition) -> forms.Field:
    common: dict[str, Any] = {"label": definition.label, "required": False, "help_text": definition.help_text}
    kind = definition.field_type
    if kind == CustomFieldType.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if kind == CustomFieldType.DATE:
        return forms.CharField(widget=DateInput(), **common)
    if kind == CustomFieldType.BOOLEAN:
        return forms.ChoiceField(choices=YES_NO, **common)
    if kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *[(c, c) for c in definition.choices]], **common)
    if kind == CustomFieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in definition.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == CustomFieldType.MONEY:
        return forms.CharField(
            widget=forms.TextInput(attrs={"placeholder": "1200.00 PLN", "inputmode": "decimal"}), **common
        )
    return forms.CharField(widget=forms.TextInput(), max_length=customfields.TEXT_MAX, **common)


def add_custom_fields(form: forms.Form, entity: str, values: Mapping[str, Any] | None = None) -> list[str]:
    """Add an input per active custom field of ``entity``; returns their names, in order."""
    names = []
    for definition in customfields.definitions(entity):
        name = f"{CUSTOM_PREFIX}{definition.key}"
        form.fields[name] = custom_form_field(definition)
        if values is not None and definition.key in values and not form.is_bound:
            form.initial[name] = initial_value(definition, values[definition.key])
        if definition.required:
            form.fields[name].widget.attrs["aria-required"] = "true"
            form.fields[name].label_suffix = " *"
        names.append(name)
    return names


def initial_value(definition: CustomFieldDefinition, value: Any) -> Any:
    if definition.field_type == CustomFieldType.BOOLEAN:
        return "true" if value else "false"
    if definition.field_type == CustomFieldType.MONEY and isinstance(value, Mapping):
        return f"{value.get('amount')} {value.get('currency')}"
    return value


def custom_values(form: forms.Form, names: Iterable[str]) -> dict[str, Any]:
    """The custom inputs as the service takes them (blank clears a value)."""
    return {name[len(CUSTOM_PREFIX) :]: form.cleaned_data.get(name) for name in names}


def collect_rows(data: Mapping[str, Any], prefix: str, fields: Sequence[str]) -> list[dict[str, str]]:
    """Repeatable rows posted as ``<prefix>-<n>-<field>``, in order, blank rows dropped."""
    indexes = set()
    for key in data:
        if key.startswith(f"{prefix}-"):
            parts = key.split("-")
            if len(parts) == 3 and parts[1].isdigit():
                indexes.add(int(parts[1]))
    rows = []
    for index in sorted(indexes):
        row = {f: str(data.get(f"{prefix}-{index}-{f}", "")).strip() for f in fields}
        if any(row.values()):
            rows.append(row)
    return rows


def apply_errors(form: forms.Form, exc: ValidationError, *, rows: Iterable[str] = ()) -> dict[str, list[str]]:
    """Put a service's errors on the form's fields; returns the ones for repeatable rows
    (``emails.1.email``) and anything the form has no input for, to show beside the rows."""
    leftover: dict[str, list[str]] = {}
    row_prefixes = tuple(f"{r}." for r in rows)
    for field, messages in message_dict(exc).items():
        name = field
        if field.startswith("custom."):
            name = CUSTOM_PREFIX + field[len("custom.") :]
        if field.startswith(row_prefixes):
            leftover[field] = messages
            continue
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
        elif field == "__all__":
            for message in messages:
                form.add_error(None, message)
        else:
            leftover[field] = messages
            for message in messages:
                form.add_error(None, f"{field}: {message}")
    return leftover
