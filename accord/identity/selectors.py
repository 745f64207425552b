"""Reads of users, teams, roles, territories and API tokens for the screens.

The user administration screens are an administrator's: their reads refuse anyone else, as the
services do for writes.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.core import access
from accord.identity.models import ApiToken, Role, Team, Territory, User
from accord.identity.services.common import require_admin

M = TypeVar("M", bound=models.Model)


def assignable_users(user: Any) -> QuerySet[User] | None:
    """Users ``user`` may give a record to, for an owner select; None when only themselves.

    Mirrors ``access.can_assign_to``, which the services check again on save.
    """
    role = user.role
    if not (user.is_superuser or role.is_admin or role.can_reassign):
        return None
    users = User.objects.filter(is_active=True)
    if not (user.is_superuser or role.is_admin or role.visibility == "all"):
        users = User.objects.filter(is_active=True, teams__in=list(user.visible_team_ids)) | User.objects.filter(
            pk=user.pk
        )
    return users.distinct().order_by("first_name", "last_name", "username")


def _two_factor() -> Exists:
    return Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))


ACTIVE_FILTERS = ("active", "inactive", "all")


def users(viewer: Any, *, search: str = "", role: str = "", team: Any = None, active: str = "active") -> QuerySet[User]:
    """Users for the administration list, each with ``two_factor`` (an authenticator is set up),
    their role and teams loaded in a fixed number of queries."""
    require_admin(viewer)
    rows = (
        User.objects.select_related("role")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .annotate(two_factor=_two_factor())
    )
    search = search.strip()
    if search:
        for word in search.split()[:5]:
            rows = rows.filter(
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            )
    if role:
        rows = rows.filter(role__code=role)
    if team:
        rows = rows.filter(teams=team)
    if active == "active":
        rows = rows.filter(is_active=True)
    elif active == "inactive":
        rows = rows.filter(is_active=False)
    return rows.order_by("first_name", "last_name", "username")


def user_detail(viewer: Any, pk: Any) -> User:
    require_admin(viewer)
    return User.objects.select_related("role").annotate(two_factor=_two_factor()).get(pk=pk)


def teams(viewer: Any) -> QuerySet[Team]:
    require_admin(viewer)
    active_users = User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    return Team.objects.annotate(
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True)
    ).prefetch_related(Prefetch("managers", queryset=active_users))


def territories(viewer: Any) -> QuerySet[Territory]:
    require_admin(viewer)
    return Territory.objects.annotate(rep_count=Count("reps", filter=Q(reps__is_active=True), distinct=True))


def roles(viewer: Any) -> QuerySet[Role]:
    require_admin(viewer)
    return Role.objects.annotate(user_count=Count("users", filter=Q(users__is_active=True))).order_by(
        "-is_admin", "name"
    )


def active_users() -> QuerySet[User]:
    """Choices for members, managers and reps."""
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    """A user's API tokens, newest first: the owner's own list, or an administrator's view of it."""
    return ApiToken.objects.filter(user=user).order_by("-created_at")


# --- choices and references: the same for every user --------------------------------------------------


def team_choices() -> QuerySet[Team]:
    """Every team by name, for filters and pickers."""
    return Team.objects.order_by("name")


def territory_choices() -> QuerySet[Territory]:
    """Every territory by name, for filters and pickers."""
    return Territory.objects.order_by("name")


def role_choices() -> QuerySet[Role]:
    """Every role by name, for filters and pickers."""
    return Role.objects.order_by("name")


def _one(qs: QuerySet[M], pk: Any) -> M | None:
    if pk in (None, ""):
        return None
    try:
        return qs.filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        return None


def find_user(pk: Any, *, active: bool = False) -> User | None:
    """The user ``pk`` names (only an active one with ``active``), with their role; None when there
    is none or ``pk`` is malformed. Whether the caller may give them records is ``access``'s."""
    qs = User.objects.select_related("role")
    return _one(qs.filter(is_active=True) if active else qs, pk)


def find_team(pk: Any) -> Team | None:
    return _one(Team.objects.all(), pk)


def find_territory(pk: Any) -> Territory | None:
    return _one(Territory.objects.all(), pk)


def user_or_404(viewer: Any, pk: Any) -> User:
    """One user for the administration screens, with their role (administrators only)."""
    require_admin(viewer)
    return _or_404(User.objects.select_related("role"), pk)


def _or_404(qs: QuerySet[M], pk: Any) -> M:
    found = _one(qs, pk)
    if found is None:
        raise Http404
    return found


def team_or_404(viewer: Any, pk: Any) -> Team:
    require_admin(viewer)
    return _or_404(Team.objects.all(), pk)


def territory_or_404(viewer: Any, pk: Any) -> Territory:
    require_admin(viewer)
    return _or_404(Territory.objects.all(), pk)


def role_or_404(viewer: Any, pk: Any) -> Role:
    require_admin(viewer)
    return _or_404(Role.objects.all(), pk)


def token_or_404(viewer: Any, pk: Any) -> ApiToken:
    """An API token ``viewer`` may revoke: their own, anyone's for an administrator. Someone else's
    token is as absent as a missing one."""
    qs = ApiToken.objects.all()
    if not access.is_admin(viewer):
        qs = qs.filter(user_id=viewer.pk)
    return _or_404(qs, pk)
