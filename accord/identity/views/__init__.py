"""Logging in and out: the password, then (for users with two-factor sign-in) a code; the
language switch; choosing a new password from an e-mailed link."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import check_for_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accord.core.forms import apply_errors
from accord.identity import selectors, services
from accord.identity.forms import CodeForm, LoginForm, NewPasswordForm
from accord.identity.models import RecoveryCodeDevice
from accord.identity.services import twofactor

# Between the password and the code: whose password was right, and until when it counts.
PENDING_KEY = "identity_pending_login"
PENDING_SECONDS = 300
# Wrong codes after one password: beyond this the password must be typed again, on top of
# django-otp's growing wait between tries (kept on the device, so it holds across sessions).
MAX_CODE_FAILURES = 5


class LoginView(auth_views.LoginView):
    """The password step. A user with two-factor sign-in is not logged in yet: the session only
    remembers, for a few minutes, that their password was right, and the code step finishes."""

    template_name = "identity/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if twofactor.has_two_factor(user):
            self.request.session[PENDING_KEY] = {
                "user": str(user.pk),
                "backend": user.backend,
                "next": self.get_redirect_url(),
                "until": time.time() + PENDING_SECONDS,
                "failures": 0,
            }
            return redirect("identity:login-code")
        return _speak_their_language(super().form_valid(form), user)


def _speak_their_language(response: HttpResponse, user: Any) -> HttpResponse:
    """Logged in: the language saved on the profile applies from the first page on, whatever this
    browser remembered (another user's choice, or one made before logging in)."""
    if user.language:
        set_language_cookie(response, user.language)
    return response


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        request.session.pop(PENDING_KEY, None)
        return super().post(request, *args, **kwargs)


def _pending(request: HttpRequest) -> dict[str, Any] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        request.session.pop(PENDING_KEY, None)
        return None
    return pending


def _next_url(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@sensitive_post_parameters("code")
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the authenticator app or a recovery code. Also where a
    logged-in session that has not passed two-factor sign-in yet is sent when the role requires
    it."""
    pending = None
    user: Any = request.user
    if user.is_authenticated:
        next_url = request.GET.get("next", "")
        if user.is_verified():
            return HttpResponseRedirect(_next_url(request, next_url))
    else:
        pending = _pending(request)
        found = selectors.find_user(pending["user"], active=True) if pending else None
        if pending is None or found is None:
            messages.error(request, _("Your sign-in took too long: log in again."))
            return redirect("identity:login")
        user, next_url = found, pending["next"]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = twofactor.verify(user=user, code=form.cleaned_data["code"])
        except ValidationError as exc:
            apply_errors(form, exc)
            if pending is not None:
                pending["failures"] += 1
                request.session[PENDING_KEY] = pending
                if pending["failures"] >= MAX_CODE_FAILURES:
                    request.session.pop(PENDING_KEY, None)
                    messages.error(request, _("Too many wrong codes: log in again."))
                    return redirect("identity:login")
        else:
            logging_in = pending is not None
            if pending is not None:
                request.session.pop(PENDING_KEY, None)
                auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            if isinstance(device, RecoveryCodeDevice):
                left = twofactor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You signed in with a recovery code; %(count)s is left. Make new ones on your profile.",
                        "You signed in with a recovery code; %(count)s are left. Make new ones on your profile.",
                        left,
                    )
                    % {"count": left},
                )
            response = HttpResponseRedirect(_next_url(request, next_url))
            return _speak_their_language(response, user) if logging_in else response
    return render(request, "identity/login_code.html", {"form": form, "pending_user": user})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: for this browser, and saved on the user for next time."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or request.headers.get("referer") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language and check_for_language(language) and language in dict(settings.LANGUAGES):
        set_language_cookie(response, language)
        if request.user.is_authenticated:
            services.set_language(user=request.user, language=language)
    return response


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """Remember the language in the browser; an empty one forgets it (the browser's own applies)."""
    if not language:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, samesite="Lax")
        return
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


@never_cache
@sensitive_post_parameters("new_password", "new_password_again")
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Choose a new password from the link an administrator had e-mailed. The link works once:
    the token is derived from the password it replaces."""
    try:
        user: Any = selectors.find_user(force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError):
        user = None
    valid = user is not None and user.is_active and default_token_generator.check_token(user, token)
    form = NewPasswordForm(request.POST or None)
    if valid and request.method == "POST" and form.is_valid():
        try:
            services.set_password(actor=user, user=user, password=form.cleaned_data["new_password"])
        except ValidationError as exc:
            apply_errors(form, ValidationError({"new_password": exc.message_dict.get("password", exc.messages)}))
        else:
            messages.success(request, _("Your new password is set: log in with it."))
            return redirect("identity:login")
    return render(request, "identity/password_reset.html", {"form": form, "valid": valid})
