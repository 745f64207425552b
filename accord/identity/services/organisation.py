"""State changes of teams, territories and roles: how an administrator shapes who sees what."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accord.core import changes
from accord.core.errors import check_version
from accord.identity.models import Reach, Role, Team, Territory, User, Visibility
from accord.identity.services.common import Errors, active_admins, last_admin_message, require_admin


def _names(users: Iterable[User]) -> list[str]:
    return sorted(u.username for u in users)


def _clean(obj: models.Model, errors: Errors) -> None:
    """The model's own checks, for the fields not already found wrong (a duplicate name is said
    once, in our words)."""
    try:
        obj.full_clean(exclude=list(errors))
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)


def _unique_name(model: type[Team] | type[Territory] | type[Role], name: str, errors: Errors, pk: Any = None) -> str:
    name = name.strip()
    if not name:
        errors["name"] = [_("This field is required.")]
    elif model.objects.filter(name__iexact=name).exclude(pk=pk).exists():
        errors["name"] = [_("This name is already taken.")]
    return name


def records_using(obj: models.Model) -> int:
    """How many rows of other tables point at ``obj`` through a foreign key: owned records
    (contacts, deals...) name their team and territory in columns the ORM hides from reverse
    lookups, so they are found from the model metadata."""
    total = 0
    relation: Any
    for relation in obj._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and relation.is_relation and relation.one_to_many):
            continue
        related_model: Any = relation.related_model
        if related_model._meta.auto_created:  # the table behind a many-to-many field
            continue
        total += related_model._default_manager.filter(**{relation.field.name: obj}).count()
    return total


# --- teams ------------------------------------------------------------------------------------------


def _team_extra(team: Team) -> dict[str, Any]:
    return {"managers": _names(team.managers.all()), "members": _names(team.members.all())}


@transaction.atomic
def create_team(*, actor: User | None, name: str, managers: Iterable[User] = (), members: Iterable[User] = ()) -> Team:
    require_admin(actor)
    errors: Errors = {}
    team = Team(name=_unique_name(Team, name, errors))
    _clean(team, errors)
    if errors:
        raise ValidationError(errors)
    team.save()
    team.managers.set(list(managers))
    team.members.set(list(members))
    changes.record_create(actor=actor, obj=team, extra=_team_extra(team))
    return team


@transaction.atomic
def update_team(
    *,
    actor: User | None,
    team: Team,
    name: str,
    managers: Iterable[User],
    members: Iterable[User],
    expected_version: int | None = None,
) -> Team:
    """Rename a team and set who manages it and who belongs to it. Managers see the team's
    records; members share them."""
    require_admin(actor)
    locked = Team.objects.select_for_update().get(pk=team.pk)
    check_version(locked, expected_version)
    before = changes.snapshot(locked, extra=_team_extra(locked))
    errors: Errors = {}
    locked.name = _unique_name(Team, name, errors, pk=locked.pk)
    _clean(locked, errors)
    if errors:
        raise ValidationError(errors)
    locked.managers.set(list(managers))
    locked.members.set(list(members))
    after = _team_extra(locked)
    if changes.snapshot(locked, extra=after) == before:
        return locked  # nothing changed: no new version, no audit entry, no event
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before, extra=after)
    return locked


@transaction.atomic
def delete_team(*, actor: User | None, team: Team) -> None:
    """Only a team nobody belongs to and no record names can go: deleting one that records name
    would silently change who sees them."""
    require_admin(actor)
    locked = Team.objects.select_for_update().get(pk=team.pk)
    if locked.members.exists() or locked.managers.exists():
        raise ValidationError({"__all__": [_("Remove the team's members and managers first.")]})
    used = records_using(locked)
    if used:
        raise ValidationError(
            {"__all__": [_("%(count)s records belong to this team; it cannot be deleted.") % {"count": used}]}
        )
    before = changes.snapshot(locked, extra=_team_extra(locked))
    changes.record_delete(actor=actor, obj=locked, before=before)
    locked.delete()


# --- territories ------------------------------------------------------------------------------------


def _territory_extra(territory: Territory) -> dict[str, Any]:
    return {"reps": _names(territory.reps.all())}


@transaction.atomic
def create_territory(*, actor: User | None, name: str, description: str = "", reps: Iterable[User] = ()) -> Territory:
    require_admin(actor)
    errors: Errors = {}
    territory = Territory(name=_unique_name(Territory, name, errors), description=description.strip())
    _clean(territory, errors)
    if errors:
        raise ValidationError(errors)
    territory.save()
    territory.reps.set(list(reps))
    changes.record_create(actor=actor, obj=territory, extra=_territory_extra(territory))
    return territory


@transaction.atomic
def update_territory(
    *,
    actor: User | None,
    territory: Territory,
    name: str,
    description: str,
    reps: Iterable[User],
    expected_version: int | None = None,
) -> Territory:
    require_admin(actor)
    locked = Territory.objects.select_for_update().get(pk=territory.pk)
    check_version(locked, expected_version)
    before = changes.snapshot(locked, extra=_territory_extra(locked))
    errors: Errors = {}
    locked.name = _unique_name(Territory, name, errors, pk=locked.pk)
    locked.description = description.strip()
    _clean(locked, errors)
    if errors:
        raise ValidationError(errors)
    locked.reps.set(list(reps))
    after = _territory_extra(locked)
    if changes.snapshot(locked, extra=after) == before:
        return locked  # nothing changed: no new version, no audit entry, no event
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before, extra=after)
    return locked


@transaction.atomic
def delete_territory(*, actor: User | None, territory: Territory) -> None:
    require_admin(actor)
    locked = Territory.objects.select_for_update().get(pk=territory.pk)
    if locked.reps.exists():
        raise ValidationError({"__all__": [_("Remove the territory's reps first.")]})
    used = records_using(locked)
    if used:
        raise ValidationError(
            {"__all__": [_("%(count)s records lie in this territory; it cannot be deleted.") % {"count": used}]}
        )
    before = changes.snapshot(locked, extra=_territory_extra(locked))
    changes.record_delete(actor=actor, obj=locked, before=before)
    locked.delete()


# --- roles ------------------------------------------------------------------------------------------

ROLE_FIELDS = (
    "name",
    "visibility",
    "can_create",
    "edit_reach",
    "delete_reach",
    "can_export",
    "can_reassign",
    "sees_amounts",
    "is_admin",
    "requires_two_factor",
)


def _check_role(role: Role, errors: Errors) -> None:
    if role.visibility not in Visibility.values:
        errors["visibility"] = [_("Choose one of the offered values.")]
    for field in ("edit_reach", "delete_reach"):
        if getattr(role, field) not in Reach.values:
            errors[field] = [_("Choose one of the offered values.")]
    _clean(role, errors)


@transaction.atomic
def create_role(*, actor: User | None, code: str, **rules: Any) -> Role:
    """A new role; ``rules`` are the Role row's fields (``ROLE_FIELDS``), unset ones take the
    model's defaults (sees own records, edits own, deletes nothing)."""
    require_admin(actor)
    unknown = set(rules) - set(ROLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown role fields: {sorted(unknown)}")
    errors: Errors = {}
    code = code.strip().lower()
    if Role.objects.filter(code=code).exists():
        errors["code"] = [_("A role with this code already exists.")]
    role = Role(code=code, **rules)
    role.name = _unique_name(Role, role.name, errors)
    _check_role(role, errors)
    if errors:
        raise ValidationError(errors)
    role.save()
    changes.record_create(actor=actor, obj=role)
    return role


@transaction.atomic
def update_role(*, actor: User | None, role: Role, **rules: Any) -> Role:
    """Change a role's rules. One row: every user in the role sees the difference at their next
    request. The last role that administers Accord keeps doing so while nobody else does."""
    require_admin(actor)
    unknown = set(rules) - set(ROLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown role fields: {sorted(unknown)}")
    locked = Role.objects.select_for_update().get(pk=role.pk)
    before = changes.snapshot(locked)
    errors: Errors = {}
    for field, value in rules.items():
        setattr(locked, field, value)
    if "name" in rules:
        locked.name = _unique_name(Role, locked.name, errors, pk=locked.pk)
    _check_role(locked, errors)
    if before["is_admin"] and not locked.is_admin:
        still = active_admins().exclude(role=locked, is_superuser=False).select_for_update(of=("self",))
        if not list(still.values_list("pk", flat=True)[:1]):
            errors["is_admin"] = [last_admin_message()]
    if errors:
        raise ValidationError(errors)
    locked.save()
    if before["is_admin"] != locked.is_admin:
        # Access to Django's admin follows the role, as create_user sets it.
        User.objects.filter(role=locked, is_superuser=False).update(is_staff=locked.is_admin)
    changes.record_update(actor=actor, obj=locked, before=before)
    for field in ROLE_FIELDS:
        setattr(role, field, getattr(locked, field))
    return locked


@transaction.atomic
def delete_role(*, actor: User | None, role: Role) -> None:
    require_admin(actor)
    locked = Role.objects.select_for_update().get(pk=role.pk)
    count = locked.users.count()
    if count:
        raise ValidationError(
            {"__all__": [_("%(count)s users have this role: give them another role first.") % {"count": count}]}
        )
    before = changes.snapshot(locked)
    changes.record_delete(actor=actor, obj=locked, before=before)
    locked.delete()


@transaction.atomic
def set_role_visibility(*, actor: User | None, role: Role, visibility: str) -> Role:
    """Change what a role sees. One row: every record's visibility follows at the next query."""
    return update_role(actor=actor, role=role, visibility=visibility)
