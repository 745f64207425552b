"""Reads of users, teams, roles, territories and API tokens for the screens.

The user administration screens are an administrator's: their reads refuse anyone else, as the
services do for writes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.identity.models import ApiToken, Role, Team, Territory, User
from accord.identity.services.common import require_admin


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
