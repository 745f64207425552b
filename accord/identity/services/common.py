"""What the identity services share: who may administer, the audited picture of a user, and the
checks that keep at least one administrator."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from accord.core import access
from accord.core.access import AccessDenied
from accord.identity.models import User

Errors = dict[str, list[str]]


def require_admin(actor: User | None) -> None:
    """Only administrators change users, teams, roles and territories; ``None`` is the system
    (the command line, demo data, migrations)."""
    if actor is not None and not access.is_admin(actor):
        raise AccessDenied()


def user_extra(user: User) -> dict[str, Any]:
    """What a user's audit entry records beside their columns: the role by name, teams and
    territories by name (ids mean nothing to the reader of a history)."""
    return {
        "role": user.role.name if user.role_id else None,
        "teams": sorted(t.name for t in user.teams.all()),
        "territories": sorted(t.name for t in user.territories.all()),
    }


def active_admins() -> Any:
    """Users who administer Accord today: active, and superusers or in a role that administers."""
    return User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(role__is_admin=True))


def last_admin_message() -> str:
    return _("Accord needs at least one active administrator: make someone else an administrator first.")


# The areas of the tz database's canonical "Area/City" zones; the rest are aliases kept for old
# systems (US/Eastern, Poland), fixed offsets (Etc/GMT+2) and odd entries (Factory, localtime).
_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
)


@cache
def time_zones() -> list[str]:
    """The time zones a user chooses from: the canonical Area/City ones, sorted."""
    return sorted(z for z in zoneinfo.available_timezones() if z.partition("/")[0] in _AREAS and "/" in z)


def check_preferences(errors: Errors, *, language: str, timezone: str, current_timezone: str = "") -> None:
    """A zone outside the list is refused unless it is the one the user already has (set before the
    list was narrowed, or by the command line): saving other details keeps it."""
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose one of the offered languages.")]
    if timezone and timezone != current_timezone and timezone not in time_zones():
        errors["timezone"] = [_("Choose a time zone from the list.")]
