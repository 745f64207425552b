import zoneinfo
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _


class UserPreferencesMiddleware:
    """Speak the user's language and show times in their time zone, once they are logged in.

    Before login (and for users who chose nothing) the browser's language and the server's time
    zone apply.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language and not request.COOKIES.get("django_language"):
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
            if user.timezone:
                try:
                    timezone.activate(zoneinfo.ZoneInfo(user.timezone))
                except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                    timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class TwoFactorMiddleware:
    """Holds back a logged-in user whose role requires two-factor sign-in until this session has
    passed it: without an authenticator they may only set one up, with one they type its code.
    Logging out, the language switch and static files stay open.

    The API's bearer tokens are a credential of their own: a request carrying a valid one passes
    (the API then ignores the session). A request whose bearer token is not valid is held back
    like any other, and the API answers it 401 whatever the session. Costs no query for everyone
    else: the role comes with the user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or not user.role.requires_two_factor
            or user.is_verified()
            or self._open(request)
        ):
            return self.get_response(request)
        from accord.identity.services.twofactor import has_two_factor

        enrolled = has_two_factor(user)
        setup = reverse("identity:two-factor-setup")
        if not enrolled and request.path == setup:
            # The first enrolment; replacing an authenticator needs the code of the one set up.
            return self.get_response(request)
        target = reverse("identity:login-code") if enrolled else setup
        if request.path.startswith("/api/"):
            if self._valid_bearer(request):
                return self.get_response(request)
            return JsonResponse(
                {
                    "message": _("Your role requires two-factor sign-in: set it up in the browser first."),
                    "errors": {},
                },
                status=403,
            )
        if request.headers.get("HX-Request") == "true":
            # An empty answer: htmx swaps nothing. Sent from the page the user is being sent to (the
            # notification badge polls there too), a redirect would only reload that page forever.
            response = HttpResponse(status=204)
            if urlsplit(request.headers.get("HX-Current-URL", "")).path != target:
                response["HX-Redirect"] = target
            return response
        return redirect(target)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        path = request.path
        if path.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/healthz")):
            return True
        return path in {
            reverse("identity:login"),
            reverse("identity:login-code"),
            reverse("identity:logout"),
            reverse("identity:set-language"),
        }

    @staticmethod
    def _valid_bearer(request: HttpRequest) -> bool:
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        from accord.identity.services import authenticate_token

        return authenticate_token(token.strip()) is not None


PORTAL_PREFIX = "/portal/"
PORTAL_API_PREFIX = "/api/v1/portal/"


class PortalBoundaryMiddleware:
    """Keeps a portal user (a customer or a partner: a user whose role is a portal role) inside the
    portal. Whatever else they ask for, a staff screen or a staff API endpoint, answers 404 as if it
    did not exist; the site's root and the staff login send them to the portal. Static files,
    logging out and the language switch stay open.

    This is the boundary; the portal's own pages read only through the portal's selectors, which
    filter by the user's portal access. Costs no query: the role comes with the user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        portal_user = user is not None and user.is_authenticated and is_portal_user(user)
        if portal_user or request.path.startswith(PORTAL_PREFIX):
            # The error pages (403, 404) take the portal's layout: no staff navigation there.
            request.portal_layout = "portal/base.html"  # type: ignore[attr-defined]
        if not portal_user:
            return self.get_response(request)
        path = request.path
        if path.startswith((PORTAL_PREFIX, PORTAL_API_PREFIX, "/" + settings.STATIC_URL.lstrip("/"), "/healthz")):
            return self.get_response(request)
        if path in {reverse("identity:logout"), reverse("identity:set-language")}:
            return self.get_response(request)
        if path in {"/", reverse("identity:login")}:
            return redirect(PORTAL_PREFIX)
        if path.startswith("/api/"):
            return JsonResponse({"message": _("Not found."), "errors": {}}, status=404)
        raise Http404


def is_portal_user(user: Any) -> bool:
    """Whether ``user`` has a portal role (and so belongs to the portal, whatever else they try)."""
    from accord.identity.roles import is_portal_role

    role = getattr(user, "role", None)
    return role is not None and is_portal_role(role.code)
