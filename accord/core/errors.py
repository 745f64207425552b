"""Errors a service raises that every face (web, API, CLI) turns into a clear answer.

Validation problems are Django's ``ValidationError`` with a dict of field -> messages; these are
the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop


class Conflict(Exception):
    """The record changed since the caller read it (HTTP 409); nothing was written."""

    def __init__(self, *, current_version: int, message: str = "") -> None:
        self.current_version = current_version
        self.message = message or _(
            "This record was changed by someone else since you opened it. Reload it and apply your change again."
        )
        super().__init__(self.message)


class BadRequest(Exception):
    """The request itself is malformed (HTTP 400)."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        self.message = message
        self.errors = errors or {}
        super().__init__(message)


def check_version(obj: Any, expected: int | None) -> None:
    """Raise Conflict when the caller's version of ``obj`` is not the stored one."""
    if expected is not None and obj.version != expected:
        raise Conflict(current_version=obj.version)


def message_dict(exc: Any) -> dict[str, list[str]]:
    """A ValidationError's messages keyed by field ("__all__" for the record as a whole)."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


# What the input checks of the API (pydantic) report, by error type, in the reader's language: its
# own texts are English only ("Input should be a valid string").
_INPUT_MESSAGES: dict[str, str] = {
    "missing": gettext_noop("This field is required."),
    "extra_forbidden": gettext_noop("Unknown field."),
    "string_type": gettext_noop("Enter a text."),
    "string_unicode": gettext_noop("Enter a text."),
    "int_type": gettext_noop("Enter a whole number."),
    "int_parsing": gettext_noop("Enter a whole number."),
    "int_from_float": gettext_noop("Enter a whole number."),
    "float_type": gettext_noop("Enter a number."),
    "float_parsing": gettext_noop("Enter a number."),
    "decimal_type": gettext_noop("Enter a number."),
    "decimal_parsing": gettext_noop("Enter a number."),
    "finite_number": gettext_noop("Enter a number."),
    "bool_type": gettext_noop("Enter true or false."),
    "bool_parsing": gettext_noop("Enter true or false."),
    "date_type": gettext_noop("Enter a valid date."),
    "date_parsing": gettext_noop("Enter a valid date."),
    "date_from_datetime_parsing": gettext_noop("Enter a valid date."),
    "date_from_datetime_inexact": gettext_noop("Enter a valid date."),
    "datetime_type": gettext_noop("Enter a valid date/time."),
    "datetime_parsing": gettext_noop("Enter a valid date/time."),
    "datetime_from_date_parsing": gettext_noop("Enter a valid date/time."),
    "time_type": gettext_noop("Enter a valid time."),
    "time_parsing": gettext_noop("Enter a valid time."),
    "uuid_type": gettext_noop("Enter a valid UUID."),
    "uuid_parsing": gettext_noop("Enter a valid UUID."),
    "list_type": gettext_noop("Enter a list."),
    "dict_type": gettext_noop("Enter an object."),
    "model_type": gettext_noop("Enter an object."),
    "model_attributes_type": gettext_noop("Enter an object."),
    "literal_error": gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    "enum": gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    "json_invalid": gettext_noop("The request body is not valid JSON."),
}
# Limits: the message and the name of the limit in the error's context.
_LIMIT_MESSAGES: dict[str, tuple[str, str]] = {
    "string_too_long": (gettext_noop("The text is too long (at most %(limit)s characters)."), "max_length"),
    "string_too_short": (gettext_noop("The text is too short (at least %(limit)s characters)."), "min_length"),
    "too_long": (gettext_noop("Too many items (at most %(limit)s)."), "max_length"),
    "too_short": (gettext_noop("Too few items (at least %(limit)s)."), "min_length"),
    "greater_than": (gettext_noop("Enter a number greater than %(limit)s."), "gt"),
    "greater_than_equal": (gettext_noop("Enter a number greater than or equal to %(limit)s."), "ge"),
    "less_than": (gettext_noop("Enter a number less than %(limit)s."), "lt"),
    "less_than_equal": (gettext_noop("Enter a number less than or equal to %(limit)s."), "le"),
}


def input_error_message(error: Mapping[str, Any]) -> str:
    """One input error of the API's checks as the reader reads it; an Accord validator's own message
    (already translated) as it was raised."""
    kind = str(error.get("type", ""))
    if kind in ("value_error", "assertion_error"):
        return str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in _INPUT_MESSAGES:
        return _(_INPUT_MESSAGES[kind])
    if kind in _LIMIT_MESSAGES:
        message, name = _LIMIT_MESSAGES[kind]
        context = error.get("ctx") or {}
        if name in context:
            return _(message) % {"limit": context[name]}
    return _("Invalid value.")
