"""State changes of users: created, edited, deactivated; their passwords and preferences."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _

from accord.core import changes, languages
from accord.core.events import emit
from accord.identity.events import PasswordResetSent
from accord.identity.models import Role, Team, Territory, User
from accord.identity.services.common import (
    Errors,
    active_admins,
    check_preferences,
    last_admin_message,
    require_admin,
    user_extra,
)

log = logging.getLogger(__name__)


def _clean_user(user: User, errors: Errors) -> None:
    """The model's own checks (e-mail format, lengths, username characters), keyed by field."""
    try:
        user.full_clean(exclude=["password", "role", "username"] if "username" in errors else ["password", "role"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)


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
    timezone: str = "",
    phone: str = "",
    is_superuser: bool = False,
    check_password: bool = True,
) -> User:
    """Create a user; ``check_password`` applies the password rules (off only for demo data).

    Without a password the user cannot log in until an administrator sets one or they follow a
    password-reset link.
    """
    require_admin(actor)
    teams, territories = list(teams), list(territories)
    errors: Errors = {}
    username = username.strip()
    if not username:
        errors["username"] = [_("This field is required.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("A user with this username already exists.")]
    role = Role.objects.filter(code=role_code).first()
    if role is None:
        errors["role"] = [_("Unknown role %(code)s.") % {"code": role_code}]
    check_preferences(errors, language=language, timezone=timezone)
    user = User(
        username=username,
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=phone.strip(),
        role=role,
        language=language,
        timezone=timezone,
        is_superuser=is_superuser,
        is_staff=is_superuser or (role is not None and role.is_admin),
    )
    if password and check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
    _clean_user(user, errors)
    if errors:
        raise ValidationError(errors)
    if password:
        user.set_password(password)
        user.password_changed_at = dj_timezone.now()
    else:
        user.set_unusable_password()
    user.save()
    user.teams.set(teams)
    user.territories.set(territories)
    changes.record_create(actor=actor, obj=user, extra=user_extra(user))
    return user


def _lock(user: User) -> User:
    return User.objects.select_for_update(of=("self",)).select_related("role").get(pk=user.pk)


def _still_an_admin_without(user: User) -> bool:
    """Whether some other active user administers Accord. Their rows are locked, so two admins
    demoting each other at once cannot both succeed."""
    others = active_admins().exclude(pk=user.pk).select_for_update(of=("self",))
    return bool(list(others.values_list("pk", flat=True)[:1]))


@transaction.atomic
def update_user(
    *,
    actor: User | None,
    user: User,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    role_code: str | None = None,
    teams: Iterable[Team] | None = None,
    territories: Iterable[Territory] | None = None,
    language: str | None = None,
    timezone: str | None = None,
) -> User:
    """An administrator's change to a user; arguments left ``None`` stay as they are."""
    require_admin(actor)
    locked = _lock(user)
    before = changes.snapshot(locked, extra=user_extra(locked))
    errors: Errors = {}
    was_admin = locked.is_active and (locked.is_superuser or locked.role.is_admin)
    if role_code is not None and role_code != locked.role.code:
        role = Role.objects.filter(code=role_code).first()
        if role is None:
            errors["role"] = [_("Unknown role %(code)s.") % {"code": role_code}]
        else:
            if was_admin and not locked.is_superuser and not role.is_admin and not _still_an_admin_without(locked):
                errors["role"] = [last_admin_message()]
            locked.role = role
            locked.is_staff = locked.is_superuser or role.is_admin
    for name, value in (("first_name", first_name), ("last_name", last_name), ("email", email), ("phone", phone)):
        if value is not None:
            setattr(locked, name, value.strip())
    if language is not None:
        locked.language = language
    current_timezone = locked.timezone
    if timezone is not None:
        locked.timezone = timezone
    check_preferences(errors, language=locked.language, timezone=locked.timezone, current_timezone=current_timezone)
    _clean_user(locked, errors)
    if errors:
        raise ValidationError(errors)
    locked.save()
    if teams is not None:
        locked.teams.set(list(teams))
    if territories is not None:
        locked.territories.set(list(territories))
    changes.record_update(actor=actor, obj=locked, before=before, extra=user_extra(locked))
    _refresh(user, locked)
    return locked


def _refresh(stale: User, fresh: User) -> None:
    """Let the caller's instance show what was saved (its cached teams are dropped)."""
    for field in fresh._meta.concrete_fields:
        setattr(stale, field.attname, getattr(fresh, field.attname))
    stale.role = fresh.role
    for cached in ("_teams", "territory_ids"):
        stale.__dict__.pop(cached, None)


@transaction.atomic
def set_active(*, actor: User | None, user: User, active: bool) -> User:
    """Deactivate or reactivate a user. Users are never deleted: the records they own, their
    interactions and the audit trail keep pointing at them. A deactivated user cannot log in,
    their sessions end at their next request and their API tokens stop working."""
    require_admin(actor)
    locked = _lock(user)
    if locked.is_active == active:
        return locked
    if not active:
        if actor is not None and actor.pk == locked.pk:
            raise ValidationError({"is_active": [_("You cannot deactivate yourself.")]})
        if (locked.is_superuser or locked.role.is_admin) and not _still_an_admin_without(locked):
            raise ValidationError({"is_active": [last_admin_message()]})
    before = changes.snapshot(locked, extra=user_extra(locked))
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    changes.record_update(actor=actor, obj=locked, before=before, extra=user_extra(locked))
    _refresh(user, locked)
    return locked


def _new_password(user: User, password: str, *, field: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    user.set_password(password)
    user.password_changed_at = dj_timezone.now()


@transaction.atomic
def set_password(*, actor: User | None, user: User, password: str) -> User:
    """An administrator sets a user's password (or the user does, from a reset link: then the
    actor is the user). Every session of the user ends: they log in with the new password."""
    if actor is None or actor.pk != user.pk:
        require_admin(actor)
    locked = _lock(user)
    before = changes.snapshot(locked, extra=user_extra(locked))
    _new_password(locked, password, field="password")
    locked.save(update_fields=["password", "password_changed_at"])
    changes.record_update(actor=actor, obj=locked, before=before, extra=user_extra(locked))
    _refresh(user, locked)
    return locked


@transaction.atomic
def change_password(*, user: User, current_password: str, new_password: str) -> User:
    """The user changes their own password, proving they know the current one. The view keeps
    the session it came from; the user's other sessions end."""
    locked = _lock(user)
    if not locked.check_password(current_password):
        raise ValidationError({"current_password": [_("This is not your current password.")]})
    if current_password == new_password:
        raise ValidationError({"new_password": [_("Choose a password different from the current one.")]})
    before = changes.snapshot(locked, extra=user_extra(locked))
    _new_password(locked, new_password, field="new_password")
    locked.save(update_fields=["password", "password_changed_at"])
    changes.record_update(actor=locked, obj=locked, before=before, extra=user_extra(locked))
    _refresh(user, locked)
    return locked


@transaction.atomic
def update_profile(
    *, user: User, first_name: str, last_name: str, email: str, phone: str, language: str, timezone: str
) -> User:
    """The user's own details and preferences (their role, teams and territories are an
    administrator's to change)."""
    locked = _lock(user)
    before = changes.snapshot(locked, extra=user_extra(locked))
    locked.first_name, locked.last_name = first_name.strip(), last_name.strip()
    locked.email, locked.phone = email.strip(), phone.strip()
    current_timezone = locked.timezone
    locked.language, locked.timezone = language, timezone
    errors: Errors = {}
    check_preferences(errors, language=language, timezone=timezone, current_timezone=current_timezone)
    _clean_user(locked, errors)
    if errors:
        raise ValidationError(errors)
    locked.save(update_fields=["first_name", "last_name", "email", "phone", "language", "timezone"])
    changes.record_update(actor=locked, obj=locked, before=before, extra=user_extra(locked))
    _refresh(user, locked)
    return locked


@transaction.atomic
def set_language(*, user: User, language: str) -> None:
    """The language the user picked from the menu, remembered for their next visit."""
    if language == user.language:
        return
    errors: Errors = {}
    check_preferences(errors, language=language, timezone="")
    if errors:
        raise ValidationError(errors)
    before = changes.snapshot(user, extra=user_extra(user))
    user.language = language
    user.save(update_fields=["language"])
    changes.record_update(actor=user, obj=user, before=before, extra=user_extra(user))


def mail_configured() -> bool:
    """Whether mail leaves the machine: the console and dummy backends (development's default)
    deliver nothing, so no reset link is offered."""
    return not type(mailers.default).__module__.endswith((".console", ".dummy"))


def send_password_reset(*, actor: User | None, user: User, link: str) -> None:
    """E-mail ``user`` a link (made by the caller, which knows the site's address) to choose a
    new password. Nothing is sent when mail is not configured or the user has no address."""
    require_admin(actor)
    if not mail_configured():
        raise ValidationError({"__all__": [_("Mail is not configured: set a new password for the user instead.")]})
    if not user.is_active:
        raise ValidationError({"__all__": [_("Reactivate the user first.")]})
    if not user.email:
        raise ValidationError({"email": [_("The user has no e-mail address.")]})
    # In the user's language, not the administrator's who asked for it.
    with languages.writing_to_user(user) as language:
        subject = _("Choose a new password for %(name)s") % {"name": user.username}
        body = _(
            "Hello %(name)s,\n\nan administrator asked Accord to let you choose a new password. "
            "Open this link within three days to do it:\n\n%(link)s\n\n"
            "If you did not expect this, tell your administrator."
        ) % {"name": user.display_name, "link": link}
    message = EmailMessage(subject=subject, body=body, to=[user.email], headers={"Content-Language": language})
    mailers.default.send_messages([message])
    with transaction.atomic():
        emit(PasswordResetSent(), obj=user, actor=actor)
