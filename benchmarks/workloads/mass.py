"""B7 mass changes: hand 300,000 contacts (at scale 1) to another rep; change a role's visibility."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accord.core.models import AuditEntry, Event
from accord.identity import services as identity
from accord.identity.models import Role, User
from accord.people import mass
from accord.people.models import Contact
from benchmarks.dataset import Dataset

FULL_REASSIGN = 300_000


def b7_mass_change(data: Dataset) -> dict[str, Any]:
    admin = User.objects.select_related("role").get(username="bench-admin")
    target_rep = data.reps[-1]
    count = max(1, round(FULL_REASSIGN * data.scale))
    # A range of keys stands for a filtered list (as the reassign screen sends a filter, not ids).
    boundary = Contact.objects.exclude(owner=target_rep).order_by("pk").values_list("pk", flat=True)[count - 1]
    selection = Contact.objects.filter(pk__lte=boundary)
    saved = list(selection.exclude(owner=target_rep).values_list("pk", "owner_id", "team_id", "version"))
    audit_before = AuditEntry.objects.count()
    since = timezone.now()
    started = time.perf_counter()
    changed = mass.reassign(actor=admin, queryset=selection, owner=target_rep)
    reassign_seconds = time.perf_counter() - started
    audited = AuditEntry.objects.count() - audit_before
    _restore(saved, since)

    role = Role.objects.get(code=Role.SALES_REP)
    original = role.visibility
    started = time.perf_counter()
    identity.set_role_visibility(actor=admin, role=role, visibility="own")
    role_change_ms = (time.perf_counter() - started) * 1000
    identity.set_role_visibility(actor=admin, role=role, visibility=original)
    return {
        "reassigned": changed,
        "audit_entries": audited,
        "reassign_seconds": round(reassign_seconds, 2),
        "role_change_ms": round(role_change_ms, 2),
    }


def _restore(saved: list[tuple[Any, Any, Any, int]], since: Any) -> None:
    """Put the dataset back as it was (owners, teams, versions) and drop this run's audit rows."""
    sqlite = connection.vendor == "sqlite"

    def key(value: Any) -> Any:
        return value.hex if sqlite and value is not None else value

    rows = [(key(owner), key(team), version, key(pk)) for pk, owner, team, version in saved]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany("UPDATE people_contact SET owner_id = %s, team_id = %s, version = %s WHERE id = %s", rows)
        AuditEntry.objects.filter(at__gte=since, action="update", entity="people.contact").delete()
        Event.objects.filter(name="people.contact.reassigned", created_at__gte=since).delete()
