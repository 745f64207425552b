"""The Django admin behind Accord's own login.

The admin's login form would take the password alone and skip the code of two-factor sign-in, so
it has none: its login page sends to Accord's (and the code step), then back. A session that gave
the password but not yet the code reaches no admin page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache


def passed_two_factor(user: Any) -> bool:
    """Whether this session of ``user`` passed two-factor sign-in, or needs none: no authenticator
    set up and a role that does not require one."""
    if user.is_verified():
        return True
    from accord.identity.services.twofactor import has_two_factor

    return not user.role.requires_two_factor and not has_two_factor(user)


class AccordAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and passed_two_factor(request.user)

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        index = reverse("admin:index", current_app=self.name)
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME) or index
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = index
        user: Any = request.user
        if not user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login  # models are not loaded at import

            return redirect_to_login(next_url, reverse("identity:login"))
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        if user.is_active and user.is_staff:
            # The password was given, the code not yet.
            return HttpResponseRedirect(f"{reverse('identity:login-code')}?{urlencode({'next': next_url})}")
        # Logged in as someone who does not administer: sending them to a login would loop.
        raise PermissionDenied


class AccordAdminConfig(AdminConfig):
    default_site = "accord.identity.admin_site.AccordAdminSite"
