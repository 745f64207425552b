"""The access policy: the one place that decides what a user may see and do.

Two questions, asked by every list, detail, search, count, export, API call and background job that
acts for a user:

* ``scope(user, queryset)`` — the rows this user may see. Out of scope means absent: lists, search,
  counts and exports never show it; a detail page answers 404.
* ``can(user, action, obj)`` — may this user do this to this record.

A record's visibility follows from three columns (owner, team, territory) and the user's role, so
it is computed inside the query: no permission rows, nothing to recompute when a role changes.

Models that do not carry those columns but hang off records that do (an interaction logged on a
contact) declare ``access_via = ("contact", "company")`` and ``access_owner_field = "author"``: they
are visible when any of those parents is, or to the user who wrote them.
"""

from __future__ import annotations

import enum
import functools
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from accord.identity.models import Role

M = TypeVar("M", bound=models.Model)


class Action(enum.StrEnum):
    VIEW = "view"
    CHANGE = "change"
    DELETE = "delete"


class Actor(Protocol):
    """What the policy needs to know of a user (``identity.User`` provides it)."""

    id: Any
    is_authenticated: bool
    is_active: bool
    is_superuser: bool
    role: Role
    visible_team_ids: frozenset
    territory_ids: frozenset


class AccessDenied(PermissionDenied):
    """The user may see the record but not do this to it (HTTP 403)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or _("You are not allowed to do this."))
        self.message = str(self.args[0])


def _role(user: Any) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def _sees_all(user: Any, role: Role) -> bool:
    return bool(user.is_superuser or role.is_admin or role.visibility == "all")


def sees_all(user: Any) -> bool:
    """Does ``user`` see every record (an admin, or a role with "all" visibility)?"""
    role = _role(user)
    return role is not None and _sees_all(user, role)


def _owned_q(user: Any, role: Role, prefix: str = "") -> Q:
    """Rows of an owned model (owner/team/territory columns) visible to ``user``."""
    q = Q(**{f"{prefix}owner_id": user.id})
    if role.visibility == "team" and user.visible_team_ids:
        q |= Q(**{f"{prefix}team_id__in": list(user.visible_team_ids)})
    elif role.visibility == "territory" and user.territory_ids:
        q |= Q(**{f"{prefix}territory_id__in": list(user.territory_ids)})
    return q


@functools.cache
def is_owned_model(model: type[models.Model]) -> bool:
    names = {f.name for f in model._meta.get_fields()}
    return {"owner", "team", "territory"} <= names


def _visibility_q(user: Any, role: Role, model: type[models.Model]) -> Q | None:
    """The filter for ``model``, or None when the model is not subject to record visibility."""
    if is_owned_model(model):
        return _owned_q(user, role)
    via: tuple[str, ...] = getattr(model, "access_via", ())
    if not via:
        return None
    q = Q()
    owner_field = getattr(model, "access_owner_field", None)
    if owner_field:
        q |= Q(**{f"{owner_field}_id": user.id})
    for parent in via:
        q |= _owned_q(user, role, prefix=f"{parent}__")
    return q


def scope(user: Any, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """The part of ``queryset`` that ``user`` may see."""
    role = _role(user)
    if role is None:
        return queryset.none()
    if _sees_all(user, role):
        return queryset
    q = _visibility_q(user, role, queryset.model)
    if q is None:
        return queryset
    # An OR across joins can repeat a row (an interaction linked to both a visible contact and a
    # visible company); distinct keeps counts and pages exact.
    filtered = queryset.filter(q)
    if getattr(queryset.model, "access_via", ()):
        filtered = filtered.distinct()
    return filtered


def _owns_in_python(user: Any, role: Role, obj: Any) -> bool:
    if obj.owner_id == user.id:
        return True
    if role.visibility == "team" and obj.team_id is not None:
        return obj.team_id in user.visible_team_ids
    if role.visibility == "territory" and obj.territory_id is not None:
        return obj.territory_id in user.territory_ids
    return False


def can_view(user: Any, obj: models.Model) -> bool:
    role = _role(user)
    if role is None:
        return False
    if _sees_all(user, role):
        return True
    model = type(obj)
    if is_owned_model(model):
        return _owns_in_python(user, role, obj)
    via: tuple[str, ...] = getattr(model, "access_via", ())
    if not via:
        return True
    owner_field = getattr(model, "access_owner_field", None)
    if owner_field and getattr(obj, f"{owner_field}_id") == user.id:
        return True
    for parent_name in via:
        parent: Any = obj
        for step in parent_name.split("__"):  # "ticket__contact": the ticket's contact
            parent = getattr(parent, step) if parent is not None else None
        if parent is not None and _owns_in_python(user, role, parent):
            return True
    return False


def record_owner_id(obj: models.Model) -> Any:
    """Whose record this is, for "may edit own records" rules."""
    owner_field = "owner" if is_owned_model(type(obj)) else getattr(obj, "access_owner_field", None)
    return getattr(obj, f"{owner_field}_id") if owner_field else None


def can(user: Any, action: Action, obj: models.Model) -> bool:
    """May ``user`` do ``action`` to ``obj``? Records they cannot see are never changeable."""
    if not can_view(user, obj):
        return False
    if action is Action.VIEW:
        return True
    role = _role(user)
    assert role is not None  # can_view answered for an active user
    if user.is_superuser or role.is_admin:
        return True
    reach = role.edit_reach if action is Action.CHANGE else role.delete_reach
    if reach == "visible":
        return True
    if reach == "own":
        return record_owner_id(obj) == user.id
    return False


def changeable(user: Any, action: Action, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """The part of ``queryset`` that ``user`` may change (or delete): ``can`` for a whole set at once,
    in the query, for mass changes."""
    visible = scope(user, queryset)
    role = _role(user)
    if role is None:
        return visible.none()
    if user.is_superuser or role.is_admin or action is Action.VIEW:
        return visible
    reach = role.edit_reach if action is Action.CHANGE else role.delete_reach
    if reach == "visible":
        return visible
    if reach == "own":
        owner_field = "owner" if is_owned_model(queryset.model) else getattr(queryset.model, "access_owner_field", None)
        return visible.filter(**{f"{owner_field}_id": user.id}) if owner_field else visible.none()
    return visible.none()


def can_edit_any(user: Any) -> bool:
    """Whether the user's role lets them change records at all (read-only users: no)."""
    role = _role(user)
    return role is not None and (user.is_superuser or role.is_admin or role.edit_reach != "none")


def can_create(user: Any) -> bool:
    role = _role(user)
    return role is not None and (user.is_superuser or role.is_admin or role.can_create)


def can_export(user: Any) -> bool:
    role = _role(user)
    return role is not None and (user.is_superuser or role.is_admin or role.can_export)


def sees_amounts(user: Any) -> bool:
    """May ``user`` see money: deals' and quotes' amounts, prices and totals, the board's and the
    forecast's sums, invoices', orders' and payments' amounts? A role without it still sees the
    records, with every amount left out (screens, exports, the API's ``null``), may neither set an
    amount nor sort or filter by one, so that no order or range gives an amount away."""
    role = _role(user)
    return role is not None and bool(user.is_superuser or role.is_admin or role.sees_amounts)


def amounts_refused(fields: Any) -> dict[str, list[str]]:
    """The error for amount ``fields`` given by a user who may not see amounts: it names each."""
    return {str(name): [_("Your role may not see or set amounts.")] for name in fields}


def is_admin(user: Any) -> bool:
    role = _role(user)
    return role is not None and (user.is_superuser or role.is_admin)


def can_assign_to(user: Any, owner: Any) -> bool:
    """May ``user`` make ``owner`` the owner of a record? Everyone may take a record themselves;
    giving it to someone else needs the reassign permission and, below "all" visibility, that the
    new owner shares one of the user's teams."""
    role = _role(user)
    if role is None:
        return False
    if owner.id == user.id or user.is_superuser or role.is_admin:
        return True
    if not role.can_reassign:
        return False
    if role.visibility == "all":
        return True
    return bool(set(owner.team_ids) & set(user.visible_team_ids))


def can_place_in_team(user: Any, team: Any) -> bool:
    """May ``user`` put a record in ``team`` (None: in no team)? Only in a team whose records they
    may change: a record placed elsewhere would leave their sight with the change saved. Admins and
    roles that see every team may use any team, and no team."""
    role = _role(user)
    if role is None:
        return False
    if user.is_superuser or role.is_admin:
        return True
    if role.visibility == "all":
        return True
    return team is not None and team.pk in user.visible_team_ids


def can_place_in_territory(user: Any, territory: Any) -> bool:
    """May ``user`` put a record in ``territory`` (None: in none)? A role that sees records by
    territory only in one of its own territories: a record placed elsewhere would leave their sight
    with the change saved. For every other role a territory does not decide what they see, so any."""
    role = _role(user)
    if role is None:
        return False
    if user.is_superuser or role.is_admin or role.visibility != "territory":
        return True
    return territory is not None and territory.pk in user.territory_ids


def placement_refused(user: Any, obj: Any, field: str, value: Any, *, creating: bool = False) -> list[str] | None:
    """Why ``user`` may not put ``obj`` in team or territory ``value`` (``field``: "team" or
    "territory"), or None when they may. The one check every service makes before placing a record:
    a value sent back as it was read is no move; ``user`` None (the system) may place anywhere. A
    new record is always placed in a team (it must land in one the creator may use), but only in a
    territory when it names one."""
    if user is None:
        return None
    moved = (value.pk if value is not None else None) != getattr(obj, f"{field}_id")
    if field == "team":
        if (creating or moved) and not can_place_in_team(user, value):
            return [_("You may only place records in your own teams.")]
        return None
    if moved and not can_place_in_territory(user, value):
        return [_("You may only place records in your own territories.")]
    return None


def can_reassign(user: Any) -> bool:
    """May ``user`` give records to other users at all (the lists' "Change owner", the API's
    reassign)? Taking a record oneself needs no permission; handing a set over does."""
    role = _role(user)
    return role is not None and bool(user.is_superuser or role.is_admin or role.can_reassign)


def owner_refused() -> str:
    """The one answer for an owner ``user`` may not give records to and for one that does not exist,
    so that it tells nobody which users exist beyond their reach."""
    return _("No such user, or you may not give records to them.")


def require(user: Any, action: Action, obj: models.Model) -> None:
    """Raise Http404 when the record is out of sight, AccessDenied when only the action is denied."""
    if not can_view(user, obj):
        raise Http404
    if not can(user, action, obj):
        raise AccessDenied()


def require_create(user: Any) -> None:
    if not can_create(user):
        raise AccessDenied()


def require_export(user: Any) -> None:
    if not can_export(user):
        raise AccessDenied()


def get_visible(user: Any, queryset: models.QuerySet[M], **lookup: Any) -> M:
    """One record the user may see, or Http404, which is also the answer for one that exists
    but is out of their sight."""
    try:
        return scope(user, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError) as exc:
        # A malformed key is as absent as a missing one.
        raise Http404 from exc
