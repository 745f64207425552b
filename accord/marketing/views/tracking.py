"""Open and click tracking, reached from campaign e-mails without signing in.

``/marketing/t/o/<token>.gif`` answers a transparent pixel and counts an open; ``/t/c/<token>/``
counts a click and redirects to the campaign's own link the token names. A token is signed for
one recipient and one link: a forged one, or one naming a link the campaign does not hold, is a
404, so the redirect can never be turned into an open redirect.
"""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accord.marketing.services import campaigns, journeys

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _pixel(counted: bool) -> HttpResponse:
    if not counted:
        raise Http404
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Referrer-Policy"] = "no-referrer"
    return response


def _redirect(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_GET
def track_open(request: HttpRequest, token: str) -> HttpResponse:
    return _pixel(campaigns.record_open(token))


@never_cache
@require_GET
def track_click(request: HttpRequest, token: str) -> HttpResponse:
    return _redirect(campaigns.record_click(token))


@never_cache
@require_GET
def journey_open(request: HttpRequest, token: str) -> HttpResponse:
    return _pixel(journeys.record_open(token))


@never_cache
@require_GET
def journey_click(request: HttpRequest, token: str) -> HttpResponse:
    return _redirect(journeys.record_click(token))
