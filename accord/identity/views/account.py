"""Every user's own profile: details and preferences, password, API tokens, two-factor sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accord.core.forms import apply_errors
from accord.core.redirects import safe_next
from accord.identity import selectors, services
from accord.identity.forms.account import AuthenticatorForm, PasswordChangeForm, ProfileForm, ProofForm, TokenForm
from accord.identity.services import twofactor
from accord.identity.views import set_language_cookie

# Between creating a token and the page that shows it once.
NEW_TOKEN_KEY = "identity_new_token"  # noqa: S105 - a session key, not a secret


def _profile(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    """The profile page; a form that failed is passed in, the rest are fresh."""
    user: Any = request.user
    context = {
        "profile_form": forms.get("profile_form") or ProfileForm(initial=ProfileForm.initial_for(user)),
        "password_form": forms.get("password_form") or PasswordChangeForm(),
        "token_form": forms.get("token_form") or TokenForm(),
        "change_form": forms.get("change_form") or ProofForm(),
        # A token just made (``token_create``): shown on this page only.
        "new_token": request.session.pop(NEW_TOKEN_KEY, None),
        "tokens": selectors.tokens_of(user),
        "two_factor": twofactor.authenticator(user),
        "recovery_codes_left": twofactor.recovery_codes_left(user),
    }
    return render(request, "identity/profile.html", context, status=status)


@never_cache
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if request.method != "POST":
        return _profile(request)
    form = ProfileForm(request.POST, initial=ProfileForm.initial_for(user))
    if form.is_valid():
        try:
            services.update_profile(user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            response = redirect("identity:profile")
            # The language applies from the next page on, whatever this browser remembered before.
            set_language_cookie(response, user.language)
            return response
    return _profile(request, status=422, profile_form=form)


@never_cache
@login_required
@require_POST
@sensitive_post_parameters("current_password", "new_password", "new_password_again")
def change_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST)
    if form.is_valid():
        try:
            user = services.change_password(
                user=request.user,  # type: ignore[arg-type]
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # This session stays logged in; the others held the old password's hash and end.
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed. You were logged out everywhere else."))
            return redirect("identity:profile")
    return _profile(request, status=422, password_form=form)


# --- API tokens -------------------------------------------------------------------------------------


@never_cache
@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            _token, raw = services.create_token(
                actor=request.user,  # type: ignore[arg-type]
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # Stored as a hash, so it cannot be shown again: the next page shows it once, and a reload
            # of that page makes no second token.
            request.session[NEW_TOKEN_KEY] = raw
            return redirect(reverse("identity:profile") + "#tokens")
    return _profile(request, status=422, token_form=form)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: Any) -> HttpResponse:
    """The owner revokes their token; an administrator may revoke anyone's (from the user's page)."""
    token = selectors.token_or_404(request.user, pk)
    services.revoke_token(actor=request.user, token=token)  # type: ignore[arg-type]
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect(safe_next(request, "/account/#tokens"))


# --- two-factor sign-in -----------------------------------------------------------------------------


@never_cache
@login_required
@sensitive_post_parameters("proof")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the secret), then prove it with a code. Until then nothing
    changes; afterwards this session counts as signed in with two factors. Replacing an
    authenticator takes a session that passed two-factor sign-in, and the password or the current
    app's code."""
    user: Any = request.user
    replacing = twofactor.has_two_factor(user)
    if replacing and not user.is_verified():
        return redirect(f"{reverse('identity:login-code')}?{urlencode({'next': request.path})}")
    device = twofactor.pending_authenticator(user=user)
    form = AuthenticatorForm(request.POST or None, replacing=replacing)
    if request.method == "POST" and form.is_valid():
        try:
            codes = twofactor.confirm_authenticator(
                user=user,
                code=form.cleaned_data["code"],
                session_verified=user.is_verified(),
                proof=form.cleaned_data.get("proof", ""),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            otp_login(request, twofactor.authenticator(user))
            if codes is None:
                messages.success(request, _("Two-factor sign-in now uses your new authenticator app."))
                return redirect("identity:profile")
            return _show_codes_once(request, codes, first_time=True)
    form.fields["code"].help_text = _("The 6-digit code the app shows for Accord.")
    return render(
        request,
        "identity/two_factor_setup.html",
        {
            "form": form,
            "replacing": replacing,
            "qr": mark_safe(twofactor.qr_svg(device)),  # noqa: S308 - SVG drawn by segno from our own data
            "secret": twofactor.secret_of(device),
            "required": user.role.requires_two_factor,
        },
        status=422 if form.errors else 200,
    )


# Between making recovery codes and the page that shows them once.
NEW_CODES_KEY = "identity_new_recovery_codes"


def _show_codes_once(request: HttpRequest, codes: list[str], *, first_time: bool) -> HttpResponse:
    """Redirect to the page that shows ``codes``: reloading it must not make new codes (the ones
    just written down would stop working), nor show them again."""
    request.session[NEW_CODES_KEY] = {"codes": codes, "first_time": first_time}
    return redirect("identity:recovery-codes")


@never_cache
@login_required
@sensitive_post_parameters("proof")
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """GET: the codes just made, once. POST: new codes for the old ones."""
    user: Any = request.user
    if request.method != "POST":
        shown = request.session.pop(NEW_CODES_KEY, None)
        if not isinstance(shown, dict):
            return redirect(reverse("identity:profile") + "#two-factor")
        context = {"codes": shown.get("codes", []), "first_time": bool(shown.get("first_time"))}
        return render(request, "identity/recovery_codes.html", context)
    form = ProofForm(request.POST)
    if form.is_valid():
        try:
            codes = twofactor.regenerate_recovery_codes(
                user=user, session_verified=user.is_verified(), proof=form.cleaned_data["proof"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _show_codes_once(request, codes, first_time=False)
    return _profile(request, status=422, change_form=form)


@never_cache
@login_required
@require_POST
@sensitive_post_parameters("proof")
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ProofForm(request.POST)
    if form.is_valid():
        try:
            twofactor.disable(user=user, proof=form.cleaned_data["proof"], session_verified=user.is_verified())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("identity:profile")
    return _profile(request, status=422, change_form=form)
