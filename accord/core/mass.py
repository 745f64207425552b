"""Changes to many owned records at once (contacts, companies, leads, deals, tasks): giving a
filtered set to another owner.

The set is changed by SQL statements over the whole selection, not record by record, so handing
300,000 contacts to a new rep takes seconds; every record still gets its audit entry (owner and
team, before and after) and its version bump, and one event announces the change. The event names
the audit batch the entries were written in rather than listing the records (there may be 300,000):
``core.changes.batch_entries(event.audit_batch)`` gives one entry per record changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import Action
from accord.core.event_types import RecordsReassigned
from accord.core.events import emit
from accord.core.models import entity_label

if TYPE_CHECKING:
    from accord.identity.models import User

UNSET: Any = object()


def may_own(user: User) -> bool:
    """Whether ``user`` may be given records: active, and in a role that changes records (a
    read-only user could not work on what they were given)."""
    role = getattr(user, "role", None)
    if not user.is_active:
        return False
    return bool(user.is_superuser or (role is not None and (role.is_admin or role.edit_reach != "none")))


def owners(users: QuerySet[Any]) -> QuerySet[Any]:
    """Those of ``users`` who may be given records (``may_own``), for an owner choice."""
    return users.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(role__is_admin=True) | (Q(role__isnull=False) & ~Q(role__edit_reach="none"))
    )


@transaction.atomic
def reassign(*, actor: User | None, queryset: QuerySet[Any], owner: User, team: Any = UNSET) -> int:
    """Give every record of ``queryset`` that ``actor`` may change to ``owner`` (and to ``team``,
    by default the owner's own team). Records already theirs are left alone. Returns how many
    records changed.

    Only a role that may give records to others may do this, whoever the owner is: handing a set
    to oneself is taking records from their owners."""
    if actor is not None and not access.can_reassign(actor):
        raise access.AccessDenied(_("Your role may not give records to other users."))
    if actor is not None and not access.can_assign_to(actor, owner):
        raise ValidationError({"owner": [access.owner_refused()]})
    if not owner.is_active:
        raise ValidationError({"owner": [_("%(user)s is deactivated.") % {"user": owner}]})
    if not may_own(owner):
        raise ValidationError(
            {"owner": [_("%(user)s has read-only access and cannot be given records.") % {"user": owner}]}
        )
    team_id = owner.primary_team_id if team is UNSET else (team.pk if team is not None else None)
    target = queryset if actor is None else access.changeable(actor, Action.CHANGE, queryset)
    target = target.exclude(Q(owner=owner) & (Q(team_id=team_id) if team_id else Q(team__isnull=True)))
    # The UPDATE must not depend on the columns it changes: pin the selection to its keys first.
    keys = queryset.model.objects.filter(pk__in=target.values("pk"))
    with changes.audit_batch() as batch:
        changes.record_bulk_update(actor=actor, queryset=keys, values={"owner": owner.pk, "team": team_id})
    count = keys.update(owner=owner, team_id=team_id, version=F("version") + 1, updated_at=timezone.now())
    if count:
        event = RecordsReassigned(count=count, owner_id=owner.pk, team_id=team_id, audit_batch=batch.key)
        emit(event, entity=entity_label(queryset.model), actor=actor)
    return count
