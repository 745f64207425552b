"""State changes of users, teams, territories and API tokens."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import changes
from accord.identity.models import ApiToken, Role, Team, Territory, User, hash_token

TOKEN_PREFIX = "acc_"  # noqa: S105 - a prefix that marks Accord tokens, not a secret


@transaction.atomic
def create_user(
    *,
    actor: User | None,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    role_code: str = Role.SALES_REP,
    teams: Iterable[Team] = (),
    territories: Iterable[Territory] = (),
    language: str = "",
    is_superuser: bool = False,
    check_password: bool = True,
) -> User:
    """Create a user; ``check_password`` applies the password rules (off only for demo data)."""
    errors: dict[str, list[str]] = {}
    username = username.strip()
    if not username:
        errors["username"] = [_("This field is required.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("A user with this username already exists.")]
    role = Role.objects.filter(code=role_code).first()
    if role is None:
        errors["role"] = [_("Unknown role %(code)s.") % {"code": role_code}]
    user = User(
        username=username,
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        language=language,
        is_superuser=is_superuser,
        is_staff=is_superuser or (role is not None and role.is_admin),
    )
    if password and check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password", "role"])
    user.save()
    user.teams.set(teams)
    user.territories.set(territories)
    changes.record_create(actor=actor, obj=user, extra={"teams": [t.name for t in teams]})
    return user


@transaction.atomic
def set_language(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


@transaction.atomic
def create_team(*, actor: User | None, name: str, managers: Iterable[User] = ()) -> Team:
    team = Team(name=name.strip())
    team.full_clean()
    team.save()
    team.managers.set(managers)
    changes.record_create(actor=actor, obj=team)
    return team


@transaction.atomic
def create_territory(*, actor: User | None, name: str, description: str = "", reps: Iterable[User] = ()) -> Territory:
    territory = Territory(name=name.strip(), description=description)
    territory.full_clean()
    territory.save()
    for rep in reps:
        rep.territories.add(territory)
    changes.record_create(actor=actor, obj=territory)
    return territory


@transaction.atomic
def set_role_visibility(*, actor: User | None, role: Role, visibility: str) -> Role:
    """Change what a role sees. One row: every record's visibility follows at the next query."""
    before = changes.snapshot(role)
    role.visibility = visibility
    role.full_clean()
    role.save(update_fields=["visibility"])
    changes.record_update(actor=actor, obj=role, before=before)
    return role


def create_token(
    *, user: User, name: str = "API", expires_in: datetime.timedelta | None = None
) -> tuple[ApiToken, str]:
    """Create an API token; returns the record and the token, which is never stored or shown again."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:12],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + expires_in if expires_in else None,
    )
    return token, raw


def revoke_token(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def authenticate_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None. Marks the token used (at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token: Any = ApiToken.objects.select_related("user", "user__role").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
