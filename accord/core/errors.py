"""Errors a service raises that every face (web, API, CLI) turns into a clear answer.

Validation problems are Django's ``ValidationError`` with a dict of field -> messages; these are
the others.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


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
