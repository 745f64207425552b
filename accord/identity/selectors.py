"""Reads of users for the screens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accord.identity.models import User


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
