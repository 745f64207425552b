"""HTMX in one place: is this a partial request, and which template answers it."""

from django.http import HttpRequest


def is_htmx(request: HttpRequest) -> bool:
    """A request from HTMX that wants a fragment (not a boosted full-page navigation)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def target(request: HttpRequest) -> str:
    return request.headers.get("HX-Target", "") if is_htmx(request) else ""
