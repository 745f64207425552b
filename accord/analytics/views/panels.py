"""The classification panel on a contact's and a company's 360° page: RFM, ABC and the lifetime
value and churn risk."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accord.analytics.selectors import classification as selectors
from accord.analytics.selectors import lifetime
from accord.core import money


def contact_class_context(request: HttpRequest, contact: Any) -> dict[str, Any]:
    return {
        "found": selectors.of_contact(request.user, contact),
        "lifetime": lifetime.of_contact(request.user, contact),
        "currency": money.base_currency(),
    }


def company_class_context(request: HttpRequest, company: Any) -> dict[str, Any]:
    return {
        "found": selectors.of_company(request.user, company),
        "lifetime": lifetime.of_company(request.user, company),
        "currency": money.base_currency(),
    }
