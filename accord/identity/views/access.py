"""User administration, for administrators only: users, teams, roles and territories. Every change
goes through the identity services, which check again, audit it and announce it."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accord.core import access, history
from accord.core import selectors as core_selectors
from accord.core.access import AccessDenied
from accord.core.errors import Conflict
from accord.core.forms import apply_errors
from accord.core.htmx import is_htmx
from accord.identity import selectors, services
from accord.identity.forms.access import AdminPasswordForm, RoleForm, TeamForm, TerritoryForm, UserForm
from accord.identity.models import User
from accord.identity.services import twofactor

PAGE_SIZE = 50


def _require_admin(request: HttpRequest) -> None:
    if not access.is_admin(request.user):
        raise AccessDenied()


def _flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for problems in exc.message_dict.values():
        for problem in problems:
            messages.error(request, problem)


def _history(request: HttpRequest, obj: Any) -> list[history.Row]:
    return core_selectors.history(request.user, obj, limit=50) if obj is not None and obj.pk else []


# --- users ------------------------------------------------------------------------------------------


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    params = {
        "q": request.GET.get("q", "").strip()[:100],
        "role": request.GET.get("role", ""),
        "team": request.GET.get("team", ""),
        "active": request.GET.get("active", "active"),
    }
    if params["active"] not in selectors.ACTIVE_FILTERS:
        params["active"] = "active"
    team = selectors.find_team(params["team"]) if _is_uuid(params["team"]) else None
    rows = selectors.users(request.user, search=params["q"], role=params["role"], team=team, active=params["active"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in params.items() if v and not (k == "active" and v == "active")}
    context = {
        "page": page,
        "users": page.object_list,
        "params": params,
        "roles": selectors.role_choices(),
        "teams": selectors.team_choices(),
        "total": page.paginator.count,
        "prev_link": urlencode({**query, "page": page.previous_page_number()}) if page.has_previous() else "",
        "next_link": urlencode({**query, "page": page.next_page_number()}) if page.has_next() else "",
    }
    # htmx asks for the results alone: the part of the page marked "results".
    template = "identity/settings/users.html#results" if is_htmx(request) else "identity/settings/users.html"
    return render(request, template, context)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _user_or_404(request: HttpRequest, pk: Any) -> User:
    try:
        return selectors.user_detail(request.user, pk)
    except (User.DoesNotExist, ValidationError) as exc:
        raise Http404 from exc


@login_required
@sensitive_post_parameters("password")
def user_create(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(
                actor=request.user,  # type: ignore[arg-type]
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"] or None,
                **form.service_data(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(name)s can now log in.") % {"name": user})
            if not user.has_usable_password():
                messages.warning(request, _("Set a password for them, or e-mail them a link to choose one."))
            return redirect("identity:access-user", pk=user.pk)
    return render(request, "identity/settings/user_create.html", {"form": form}, status=422 if form.errors else 200)


def _user_page(request: HttpRequest, user: User, status: int = 200, **forms: Any) -> HttpResponse:
    context = {
        "subject": user,
        "form": forms.get("form") or UserForm(initial=UserForm.initial_for(user), editing=True),
        "password_form": forms.get("password_form") or AdminPasswordForm(),
        "mail_configured": services.mail_configured(),
        "tokens": selectors.tokens_of(user),
        "recovery_codes_left": twofactor.recovery_codes_left(user),
        "history_rows": _history(request, user),
        "is_self": user.pk == request.user.pk,
    }
    return render(request, "identity/settings/user_detail.html", context, status=status)


@login_required
def user_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    user = _user_or_404(request, pk)
    if request.method != "POST":
        return _user_page(request, user)
    form = UserForm(request.POST, initial=UserForm.initial_for(user), editing=True)
    if form.is_valid():
        try:
            services.update_user(actor=request.user, user=user, **form.service_data())  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The user was saved."))
            return redirect("identity:access-user", pk=user.pk)
    return _user_page(request, user, status=422, form=form)


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    user = selectors.user_or_404(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(actor=request.user, user=user, active=active)  # type: ignore[arg-type]
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        if active:
            messages.success(request, _("%(name)s can log in again.") % {"name": user})
        else:
            messages.success(
                request,
                _("The account of %(name)s is deactivated: it can no longer be used to log in; its records stay.")
                % {"name": user},
            )
    return redirect("identity:access-user", pk=user.pk)


@login_required
@require_POST
@sensitive_post_parameters("new_password", "new_password_again")
def user_set_password(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    user = _user_or_404(request, pk)
    form = AdminPasswordForm(request.POST)
    if form.is_valid():
        try:
            services.set_password(actor=request.user, user=user, password=form.cleaned_data["new_password"])  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_errors(form, ValidationError({"new_password": exc.message_dict.get("password", exc.messages)}))
        else:
            messages.success(request, _("The new password is set. Tell it to %(name)s in person.") % {"name": user})
            return redirect("identity:access-user", pk=user.pk)
    return _user_page(request, user, status=422, password_form=form)


@login_required
@require_POST
def user_send_reset(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    user = selectors.user_or_404(request.user, pk)
    path = reverse(
        "identity:password-reset",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    try:
        services.send_password_reset(actor=request.user, user=user, link=request.build_absolute_uri(path))  # type: ignore[arg-type]
    except ValidationError as exc:
        _flash_errors(request, exc)
    except OSError as exc:  # the mail server refused or could not be reached
        messages.error(request, _("The e-mail could not be sent (%(why)s).") % {"why": exc.__class__.__name__})
    else:
        messages.success(request, _("A link to choose a new password was sent to %(email)s.") % {"email": user.email})
    return redirect("identity:access-user", pk=user.pk)


@login_required
@require_POST
def user_reset_two_factor(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    user = selectors.user_or_404(request.user, pk)
    twofactor.reset(actor=request.user, user=user)  # type: ignore[arg-type]
    messages.success(
        request,
        _("%(name)s's authenticator and recovery codes were removed; they sign in with their password.")
        % {"name": user},
    )
    return redirect("identity:access-user", pk=user.pk)


# --- teams ------------------------------------------------------------------------------------------


@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.create_team(
                actor=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                managers=form.cleaned_data["managers"],
                members=form.cleaned_data["members"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The team “%(name)s” was created.") % {"name": team.name})
            return redirect("identity:access-teams")
    return render(
        request,
        "identity/settings/teams.html",
        {"teams": selectors.teams(request.user), "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def team_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    team = selectors.team_or_404(request.user, pk)
    form = TeamForm(request.POST or None, initial=TeamForm.initial_for(team))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_team(
                actor=request.user,  # type: ignore[arg-type]
                team=team,
                name=form.cleaned_data["name"],
                managers=form.cleaned_data["managers"],
                members=form.cleaned_data["members"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The team was saved."))
            return redirect("identity:access-teams")
    context = {"form": form, "obj": team, "history_rows": _history(request, team), "kind": "team"}
    return render(request, "identity/settings/group_form.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def team_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    team = selectors.team_or_404(request.user, pk)
    try:
        services.delete_team(actor=request.user, team=team)  # type: ignore[arg-type]
    except ValidationError as exc:
        _flash_errors(request, exc)
        return redirect("identity:access-team", pk=team.pk)
    messages.success(request, _("The team “%(name)s” was deleted.") % {"name": team.name})
    return redirect("identity:access-teams")


# --- territories ------------------------------------------------------------------------------------


@login_required
def territory_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    form = TerritoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            territory = services.create_territory(
                actor=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                reps=form.cleaned_data["reps"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The territory “%(name)s” was created.") % {"name": territory.name})
            return redirect("identity:access-territories")
    return render(
        request,
        "identity/settings/territories.html",
        {"territories": selectors.territories(request.user), "form": form},
        status=422 if form.errors else 200,
    )


@login_required
def territory_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    territory = selectors.territory_or_404(request.user, pk)
    form = TerritoryForm(request.POST or None, initial=TerritoryForm.initial_for(territory))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_territory(
                actor=request.user,  # type: ignore[arg-type]
                territory=territory,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                reps=form.cleaned_data["reps"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The territory was saved."))
            return redirect("identity:access-territories")
    context = {
        "form": form,
        "obj": territory,
        "history_rows": _history(request, territory),
        "kind": "territory",
    }
    return render(request, "identity/settings/group_form.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def territory_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    territory = selectors.territory_or_404(request.user, pk)
    try:
        services.delete_territory(actor=request.user, territory=territory)  # type: ignore[arg-type]
    except ValidationError as exc:
        _flash_errors(request, exc)
        return redirect("identity:access-territory", pk=territory.pk)
    messages.success(request, _("The territory “%(name)s” was deleted.") % {"name": territory.name})
    return redirect("identity:access-territories")


# --- roles ------------------------------------------------------------------------------------------


@login_required
def role_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(request, "identity/settings/roles.html", {"roles": selectors.roles(request.user)})


@login_required
def role_edit(request: HttpRequest, pk: Any = None) -> HttpResponse:
    _require_admin(request)
    role = selectors.role_or_404(request.user, pk) if pk else None
    form = RoleForm(request.POST or None, initial=RoleForm.initial_for(role), editing=role is not None)
    if request.method == "POST" and form.is_valid():
        try:
            if role is None:
                role = services.create_role(
                    actor=request.user,  # type: ignore[arg-type]
                    code=form.cleaned_data["code"],
                    **form.rules(),
                )
            else:
                services.update_role(actor=request.user, role=role, **form.rules())  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The role “%(name)s” was saved.") % {"name": role})
            return redirect("identity:access-roles")
    context = {
        "form": form,
        "role": role,
        "history_rows": _history(request, role),
        "user_count": role.users.filter(is_active=True).count() if role else 0,
    }
    return render(request, "identity/settings/role_form.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def role_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    role = selectors.role_or_404(request.user, pk)
    try:
        services.delete_role(actor=request.user, role=role)  # type: ignore[arg-type]
    except ValidationError as exc:
        _flash_errors(request, exc)
        return redirect("identity:access-role", pk=role.pk)
    messages.success(request, _("The role “%(name)s” was deleted.") % {"name": role})
    return redirect("identity:access-roles")
