"""API tokens: made and revoked by their owner (an administrator may revoke anyone's), audited.

A bearer token is a credential of its own: two-factor sign-in guards the browser's login, not the
API, so a token is created from a session that already passed it and is shown once.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import AccessDenied
from accord.identity.models import ApiToken, User, hash_token

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
