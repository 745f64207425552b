"""The cost-to-serve rates page (administrators): parse the form, call the service, show it again
with each wrong field named."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accord.analytics.models import CostRates
from accord.analytics.services import cost_to_serve
from accord.core import access, money
from accord.core.access import AccessDenied
from accord.core.errors import Conflict, message_dict
from accord.core.requests import AuthedRequest

# The form's sections: a heading and the rates under it.
SECTIONS: list[tuple[Any, tuple[str, ...]]] = [
    (gettext_lazy("Each interaction logged with the customer"), CostRates.CHANNELS),
    (gettext_lazy("Service"), ("ticket",)),
    (gettext_lazy("Each collection step taken"), tuple(f"collection_{a}" for a in CostRates.COLLECTION_ACTIONS)),
    (gettext_lazy("Late payment and key customers"), ("financing_percent", "key_share_percent")),
]


def _field(name: str) -> Any:
    return CostRates._meta.get_field(name)


def _page(
    request: AuthedRequest, values: dict[str, Any], errors: dict[str, list[str]], status: int = 200
) -> HttpResponse:
    sections = [
        (
            title,
            [
                {
                    "name": name,
                    "label": _field(name).verbose_name,
                    "help": _field(name).help_text,
                    "value": values.get(name, ""),
                    "errors": errors.get(name, []),
                    "percent": name.endswith("_percent"),
                }
                for name in names
            ],
        )
        for title, names in SECTIONS
    ]
    known = {name for _title, names in SECTIONS for name in names}
    general = [m for key, found in errors.items() if key not in known for m in found]
    return render(
        request,
        "analytics/cost_rates.html",
        {
            "sections": sections,
            "values": values,
            "general_errors": general,
            "currency": money.base_currency(),
        },
        status=status,
    )


@login_required
def cost_rates(request: AuthedRequest) -> HttpResponse:
    if not access.is_admin(request.user):
        raise AccessDenied()
    rates = cost_to_serve.current_rates()
    if request.method == "POST":
        values: dict[str, Any] = {name: request.POST.get(name, "") for name in cost_to_serve.RATE_FIELDS}
        raw_version = request.POST.get("version", "")
        values["version"] = raw_version
        try:
            cost_to_serve.update_rates(
                actor=request.user,
                data={k: v for k, v in values.items() if k != "version"},
                expected_version=int(raw_version) if raw_version.isdigit() else None,
            )
        except ValidationError as exc:
            return _page(request, values, message_dict(exc), 422)
        except Conflict as exc:
            values["version"] = exc.current_version
            return _page(request, values, {"__all__": [exc.message]}, 409)
        messages.success(request, _("The cost-to-serve rates were saved. The next classification uses them."))
        return redirect("analytics:cost-rates")
    current = {name: getattr(rates, name) for name in cost_to_serve.RATE_FIELDS}
    current["version"] = cost_to_serve.saved_version(rates) or ""
    return _page(request, current, {})
