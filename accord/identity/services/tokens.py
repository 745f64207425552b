"""API tokens: made and revoked by their owner (an administrator may revoke anyone's), audited.

A bearer token is a credential of its own: two-factor sign-in guards the browser's login, not the
API, so a token is created from a session that already passed it and is shown once.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import AccessDenied
from accord.core.jsonrows import precompiled
from accord.core.prepared import PreparedQuery
from accord.identity.models import ApiToken, Role, Team, User, hash_token

TOKEN_PREFIX = "acc_"  # noqa: S105 - a prefix that marks Accord tokens, not a secret


@transaction.atomic
def create_token(
    *,
    user: User,
    name: str = "API",
    expires_in: datetime.timedelta | None = None,
    expires_at: datetime.datetime | None = None,
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token; returns the record and the token, which is never stored or shown again.

    Only the owner creates their tokens; ``actor=None`` is the command line run by an operator.
    """
    if actor is not None and actor.pk != user.pk:
        raise AccessDenied(_("Only the user themselves can create their API tokens."))
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Give the token a name, e.g. the program that will use it.")]
    elif len(name) > 80:
        errors["name"] = [_("At most 80 characters.")]
    if expires_in is not None:
        expires_at = timezone.now() + expires_in
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = [_("The expiry must be in the future.")]
    if not user.is_active:
        errors["__all__"] = [_("The user is deactivated.")]
    if errors:
        raise ValidationError(errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:12], key_hash=hash_token(raw), expires_at=expires_at
    )
    changes.record_create(actor=actor, obj=token)
    return token, raw


@transaction.atomic
def revoke_token(*, token: ApiToken, actor: User | None = None) -> ApiToken:
    """Revoke a token at once. Its owner or an administrator may; revoking twice changes nothing."""
    if actor is not None and actor.pk != token.user_id and not access.is_admin(actor):
        raise AccessDenied()
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return locked
    before = changes.snapshot(locked)
    locked.revoked_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["revoked_at", "version", "updated_at"])
    changes.record_update(actor=actor, obj=locked, before=before)
    token.revoked_at = locked.revoked_at
    return locked


def _ids_of(through: Any, column: str) -> Subquery:
    """The ``column`` ids of the token's user in a many-to-many table, as one comma-separated text."""
    return Subquery(
        through.objects.filter(user_id=OuterRef("user_id"))
        .values("user_id")
        .annotate(ids=StringAgg(Cast(column, CharField()), Value(",")))
        .values("ids")
    )


def _access_columns() -> dict[str, Any]:
    return {
        "member_of": _ids_of(User.teams.through, "team_id"),
        "manager_of": _ids_of(Team.managers.through, "team_id"),
        "territory_list": _ids_of(User.territories.through, "territory_id"),
    }


def _id_set(text: str | None) -> frozenset:
    return frozenset(uuid.UUID(part) for part in text.split(",")) if text else frozenset()


def _fields(model: Any) -> list[Any]:
    return list(model._meta.concrete_fields)


def _token_query(key_hash: str) -> Any:
    """The token, its user and role (every column) and the user's teams and territories."""
    return (
        ApiToken.objects.annotate(**precompiled("token:access", ApiToken, _access_columns))
        .filter(key_hash=key_hash)
        .values_list(
            *_TOKEN_FIELDS,
            *[f"user__{f.name}" for f in _fields(User)],
            *[f"user__role__{f.name}" for f in _fields(Role)],
            "member_of",
            "manager_of",
            "territory_list",
        )[:1]
    )


_TOKEN_FIELDS = ("id", "user_id", "last_used_at", "expires_at", "revoked_at")
_TOKEN_QUERY = PreparedQuery("token", _token_query, "key_hash")


def _load_token(key_hash: str) -> Any:
    row = _TOKEN_QUERY.fetchone(key_hash=key_hash)
    if row is None:
        return None
    users, roles = _fields(User), _fields(Role)
    at = len(_TOKEN_FIELDS)
    token = ApiToken.from_db("default", list(_TOKEN_FIELDS), row[:at])
    user = User.from_db("default", [f.attname for f in users], row[at : at + len(users)])
    at += len(users)
    role = Role.from_db("default", [f.attname for f in roles], row[at : at + len(roles)])
    user.role = role
    user.prime_access(_id_set(row[-3]), _id_set(row[-2]), _id_set(row[-1]))
    token.user = user
    return token


def authenticate_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None. Marks the token used (at most once a minute).

    Every request reads the token afresh, so a revoked or expired token, a deactivated user and a
    changed role or team take effect on the next request; the user, their role, teams and
    territories (what the access policy asks) come in that same query, whose SQL is built once."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = _load_token(hash_token(raw))
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
