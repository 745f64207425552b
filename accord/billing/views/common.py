"""What the billing screens share: reporting a service's refusal, the version posted back, lines."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accord.billing import countries
from accord.core import selectors as core_selectors
from accord.core.errors import Conflict, message_dict
from accord.people.models import Company
from accord.sales.pdf import number


def report(request: HttpRequest, exc: ValidationError | Conflict) -> None:
    if isinstance(exc, Conflict):
        messages.error(request, exc.message)
        return
    for problems in message_dict(exc).values():
        for problem in problems:
            messages.error(request, problem)


def version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def company_for(request: HttpRequest, raw: Any) -> Company | None:
    if not raw:
        return None
    company = core_selectors.find_visible(request.user, Company, raw)
    if company is None:
        raise ValidationError({"company": [_("No such company.")]})
    return company


def line_errors(exc: ValidationError) -> list[str]:
    """The errors of line rows as a person reads them: "Line 2: Enter a number."."""
    found: list[str] = []
    for key, problems in message_dict(exc).items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit():
            found.extend(_("Line %(n)s: %(message)s") % {"n": int(parts[1]) + 1, "message": p} for p in problems)
        elif key == "lines":
            found.extend(problems)
    return found


def decorate(lines: list[Any]) -> list[Any]:
    """Quantities and rates as the reader writes them (2,5 h; 23%; zw)."""
    for line in lines:
        line.quantity_text = number(line.quantity)
        line.discount_text = number(line.discount_percent)
        line.rate_text = countries.rate_label(line.vat_rate)
        if getattr(line, "before_quantity", None) is not None:
            line.before_quantity_text = number(line.before_quantity)
            line.before_rate_text = countries.rate_label(line.before_vat_rate)
    return lines


def vat_rows(summary: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**row, "label": countries.rate_label(row["rate"])} for row in summary]
