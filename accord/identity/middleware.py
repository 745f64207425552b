import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
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

    The API's bearer tokens are a credential of their own and pass; the API through the browser's
    session is held back like any page. Costs no query for everyone else: the role comes with the
    user.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.role.requires_two_factor
            and not user.is_verified()
            and not self._open(request)
        ):
            from accord.identity.services.twofactor import has_two_factor

            target = reverse("identity:login-code" if has_two_factor(user) else "identity:two-factor-setup")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "message": _("Your role requires two-factor sign-in: set it up in the browser first."),
                        "errors": {},
                    },
                    status=403,
                )
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        path = request.path
        if path.startswith(("/" + settings.STATIC_URL.lstrip("/"), "/healthz")):
            return True
        if path.startswith("/api/") and request.headers.get("Authorization", "").startswith("Bearer "):
            return True
        return path in {
            reverse("identity:login"),
            reverse("identity:login-code"),
            reverse("identity:logout"),
            reverse("identity:set-language"),
            reverse("identity:two-factor-setup"),
        }
