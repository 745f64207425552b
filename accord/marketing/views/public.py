"""Pages a recipient reaches from an e-mail, without signing in: confirming a consent (double
opt-in) and unsubscribing (RFC 8058 one-click, or the button on the page).

A link that is forged, damaged or expired answers 400 with a page saying so, never an error 500.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from accord.core.errors import Conflict
from accord.marketing.models import ConsentChannel, ConsentPurpose
from accord.marketing.services.confirmation import confirm, read_confirmation
from accord.marketing.services.consent import BadLink
from accord.marketing.services.unsubscribe import UnsubscribeLink, read_unsubscribe, unsubscribe
from accord.people.models import Contact
from accord.people.selectors import customer_language


def _client_address(request: HttpRequest) -> str | None:
    proxies = int(getattr(settings, "ACCORD_PROXY_COUNT", 0) or 0)
    forwarded = request.headers.get("X-Forwarded-For", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def _page(
    request: HttpRequest, context: dict[str, Any], status: int = 200, contact: Contact | None = None
) -> HttpResponse:
    """The page in the recipient's language (the one their e-mails are written in) when the link
    names them, else in the browser's."""
    language = customer_language(contact=contact) if contact is not None else translation.get_language()
    with translation.override(language):
        response = render(request, "marketing/public.html", context, status=status)
    response["Cache-Control"] = "no-store"
    # The token must not leak to other sites; "no-referrer" would make the browser send the
    # confirmation's POST with "Origin: null", which the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    return response


# Mail clients POST here by themselves (RFC 8058) from no page of ours: no CSRF token can come.
@csrf_exempt
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the link does, and a button. POST: unsubscribe (the mail client's one-click POST
    carries ``List-Unsubscribe=One-Click``; the button sends the same)."""
    try:
        link = read_unsubscribe(token)
    except BadLink as exc:
        return _page(request, {"kind": "bad", "message": exc.message}, status=400)
    if request.method == "POST":
        try:
            unsubscribe(token=token, ip_address=_client_address(request))
        except BadLink as exc:
            return _page(request, {"kind": "bad", "message": exc.message}, status=400)
        return _page(request, {"kind": "unsubscribed", **_labels(link)}, contact=link.contact)
    return _page(request, {"kind": "unsubscribe", **_labels(link)}, contact=link.contact)


def _labels(link: UnsubscribeLink) -> dict[str, Any]:
    # Lazy: translated when the page is rendered, in the recipient's language.
    return {"purpose": ConsentPurpose(link.purpose).label, "channel": ConsentChannel(link.channel).label}


def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the consent awaiting confirmation and a button (a link scanner opening the link must
    not confirm for the person). POST: confirmed."""
    try:
        consent = read_confirmation(token)
    except BadLink as exc:
        return _page(request, {"kind": "bad", "message": exc.message}, status=400)
    if request.method == "POST":
        try:
            consent = confirm(token=token, ip_address=_client_address(request))
        except Conflict:
            consent = read_confirmation(token)  # confirmed by a second click at the same moment
        except BadLink as exc:
            return _page(request, {"kind": "bad", "message": exc.message}, status=400)
        return _page(request, {"kind": "confirmed", "consent": consent}, contact=consent.contact)
    return _page(request, {"kind": "confirm", "consent": consent, "token": token}, contact=consent.contact)
