"""The audit trail and the event log, written by services in the transaction of the change.

A service takes a ``snapshot`` of a record before changing it and calls ``record_update`` after; the
audit entry keeps each changed field as ``[before, after]`` and an event tells the consumers.

An operation over many records (a mass reassignment, an import) runs inside ``audit_batch()``:
every audit entry written meanwhile, by ``record_*`` or in bulk, gets a key that starts with the
batch's 24 hex digits (``new_entry_id``). The operation's one event names the batch, and
``batch_entries`` finds exactly its entries again, however many records it changed: a list of
300,000 ids would not fit an event, a range of keys on the audit table's primary key does.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connections, models
from django.utils import timezone

from accord.core import ids
from accord.core.event_types import RecordCreated, RecordDeleted, RecordsMerged, RecordUpdated
from accord.core.events import emit
from accord.core.models import AuditAction, AuditEntry, entity_label

if TYPE_CHECKING:
    from accord.identity.models import User

Snapshot = dict[str, Any]


# The types most values are, and what becomes of them (the checks below give the same).
_AS_IS = frozenset({str, int, bool, float, type(None)})
_AS_TEXT = frozenset({uuid.UUID, decimal.Decimal})
_AS_ISO = frozenset({datetime.date, datetime.datetime, datetime.time})


def jsonable(value: Any) -> Any:
    """A value as the audit trail and events store it (JSON, stable across databases)."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind in _AS_TEXT:
        return str(value)
    if kind in _AS_ISO:
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def snapshot(obj: models.Model, *, extra: Mapping[str, Any] | None = None) -> Snapshot:
    """The audited state of ``obj``: its concrete fields, custom fields flattened to
    ``custom.<key>``, plus any ``extra`` the service knows of (tags, e-mails...)."""
    exclude: frozenset[str] = getattr(obj, "audit_exclude", frozenset())
    state: Snapshot = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = getattr(obj, field.attname)
        if field.name == "custom" and isinstance(value, Mapping):
            for key, custom_value in value.items():
                state[f"custom.{key}"] = jsonable(custom_value)
            continue
        state[field.name] = jsonable(value)
    if extra:
        state.update({name: jsonable(value) for name, value in extra.items()})
    return state


def diff(before: Snapshot, after: Snapshot) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = [old, new]
    return changes


@dataclass
class AuditBatch:
    """The audit entries of one operation: keys ``key`` + an 8-hex-digit number counted up."""

    key: str  # 24 hex digits: the first 96 bits of a time-ordered key (core/ids.py)
    written: int = 0  # numbers handed out so far (entries rolled back with a savepoint included)

    def next_id(self) -> uuid.UUID:
        self.written += 1
        return uuid.UUID(f"{self.key}{self.written:08x}")


_batch: contextvars.ContextVar[AuditBatch | None] = contextvars.ContextVar("audit_batch", default=None)


@contextlib.contextmanager
def audit_batch() -> Iterator[AuditBatch]:
    """Give every audit entry written inside the block a key of one new batch."""
    batch = AuditBatch(key=ids.uuid7().hex[:24])
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)


def new_entry_id() -> uuid.UUID:
    """The key of the next audit entry: in the current batch if there is one, else a fresh one."""
    batch = _batch.get()
    return batch.next_id() if batch is not None else ids.uuid7()


def new_entry_keys(count: int) -> list[str]:
    """The keys of the next ``count`` audit entries, as 32 hex digits (which ``bulk.insert_values``
    takes for a UUID), for entries written in bulk: in the current batch if there is one."""
    batch = _batch.get()
    if batch is None:
        prefix, start = ids.uuid7().hex[:24], 0
    else:
        prefix, start = batch.key, batch.written
        batch.written += count
    return [f"{prefix}{number:08x}" for number in range(start + 1, start + count + 1)]


def batch_entries(key: str) -> models.QuerySet[AuditEntry]:
    """The audit entries of the batch ``key`` (as an event carries it): a range of primary keys."""
    if len(key) != 24 or any(c not in "0123456789abcdef" for c in key):
        raise ValueError(f"not an audit batch: {key!r}")
    return AuditEntry.objects.filter(id__gte=uuid.UUID(f"{key}00000000"), id__lte=uuid.UUID(f"{key}ffffffff"))


def _entry(*, actor: User | None, action: str, obj: models.Model, changes: dict[str, Any]) -> AuditEntry:
    return AuditEntry.objects.create(
        id=new_entry_id(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        entity=entity_label(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        changes=changes,
    )


def record_create(*, actor: User | None, obj: models.Model, extra: Mapping[str, Any] | None = None) -> None:
    state = snapshot(obj, extra=extra)
    _entry(actor=actor, action=AuditAction.CREATE, obj=obj, changes={k: [None, v] for k, v in state.items()})
    emit(RecordCreated(), obj=obj, actor=actor)


AUDIT_COLUMNS = ["id", "at", "actor", "action", "entity", "object_id", "object_repr", "changes"]


def record_created_many(*, actor: User | None, objs: Sequence[models.Model]) -> list[Any]:
    """``record_create`` for many new records in one INSERT of their audit entries. It announces
    nothing: the caller emits one event naming them all (a mass event carries the ids). Returns
    the records' keys."""
    return record_created_each([(actor, obj) for obj in objs])


def record_created_each(entries: Sequence[tuple[User | None, models.Model]]) -> list[Any]:
    """``record_created_many`` for records that each have their own actor (interactions logged
    together for their several authors): one INSERT of their audit entries, announcing nothing.
    Returns the records' keys."""
    from accord.core import bulk

    now = timezone.now()
    rows = []
    for actor, obj in entries:
        state = snapshot(obj)
        changes = {k: [None, v] for k, v in state.items()}
        rows.append(
            (
                new_entry_id(),
                now,
                getattr(actor, "pk", None),
                AuditAction.CREATE,
                entity_label(obj),
                obj.pk,
                str(obj)[:200],
                changes,
            )
        )
    if rows:
        bulk.insert_values(AuditEntry, AUDIT_COLUMNS, rows)
    return [obj.pk for _actor, obj in entries]


def record_update(
    *, actor: User | None, obj: models.Model, before: Snapshot, extra: Mapping[str, Any] | None = None
) -> dict[str, list[Any]]:
    """Audit and announce an update; returns the changes (empty: nothing was recorded)."""
    changes = diff(before, snapshot(obj, extra=extra))
    if changes:
        _entry(actor=actor, action=AuditAction.UPDATE, obj=obj, changes=changes)
        emit(RecordUpdated(fields=sorted(changes)), obj=obj, actor=actor)
    return changes


def record_delete(*, actor: User | None, obj: models.Model, before: Snapshot) -> None:
    _entry(actor=actor, action=AuditAction.DELETE, obj=obj, changes={k: [v, None] for k, v in before.items()})
    emit(RecordDeleted(), obj=obj, actor=actor)


def record_merge(
    *, actor: User | None, survivor: models.Model, merged: Iterable[models.Model], moved: dict[str, int]
) -> None:
    """Audit a merge on the survivor, and one delete-by-merge entry for each record merged in."""
    merged = list(merged)
    merged_ids = [str(m.pk) for m in merged]
    _entry(
        actor=actor,
        action=AuditAction.MERGE,
        obj=survivor,
        changes={"merged": [None, [str(m) for m in merged]], "merged_ids": [None, merged_ids], "moved": [None, moved]},
    )
    for loser in merged:
        _entry(
            actor=actor,
            action=AuditAction.MERGE,
            obj=loser,
            changes={"merged_into": [None, str(survivor.pk)]},
        )
    emit(RecordsMerged(merged_ids=[m.pk for m in merged]), obj=survivor, actor=actor)


def record_bulk_update(*, actor: User | None, queryset: models.QuerySet[Any], values: Mapping[str, Any]) -> int:
    """Audit a mass change before it is made: one entry per row of ``queryset`` saying each field's
    ``[before, after]``, written by one INSERT ... SELECT, so 300,000 rows cost one statement.

    ``values`` maps field names (plain or foreign-key fields) to their new value; the caller then
    runs the UPDATE in the same transaction. Inside ``audit_batch()`` the entries take the batch's
    next keys, so ``batch_entries`` finds them.
    """
    model = queryset.model
    connection = connections[queryset.db]
    table = connection.ops.quote_name(model._meta.db_table)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    sql_ids, id_params = queryset.values_list("pk").query.sql_with_params()
    pieces: list[tuple[str, str]] = []
    params: list[Any] = []
    for name, new in values.items():
        field = model._meta.get_field(name)
        column = f"t.{connection.ops.quote_name(field.column)}"
        target = field.target_field if field.is_relation else field
        uuid_column = target.get_internal_type() == "UUIDField"
        before = _text_sql(column, uuid_column, connection.vendor)
        pieces.append((name, before))
        params.append(jsonable(new))
    # Time-ordered keys, as every other row gets (core/ids.py): one fresh key's first 96 bits
    # (the batch's, in a batch) followed by the row's number, so the entries land in key order at
    # the edge of the index instead of at random places in it.
    batch = _batch.get()
    key_prefix = batch.key if batch is not None else ids.uuid7().hex[:24]
    offset = batch.written if batch is not None else 0
    if connection.vendor == "postgresql":
        pairs = ", ".join(f"'{name}', jsonb_build_array({before}, %s::text)" for name, before in pieces)
        changes_sql = f"jsonb_build_object({pairs})"
        new_id = f"(%s || lpad(to_hex(row_number() OVER () + {offset:d}), 8, '0'))::uuid"
    else:
        pairs = ", ".join(f"'{name}', json_array({before}, %s)" for name, before in pieces)
        changes_sql, new_id = f"json_object({pairs})", f"%s || printf('%%08x', row_number() OVER () + {offset:d})"
    actor_id: Any = actor.pk if actor is not None and actor.pk else None
    if connection.vendor == "sqlite" and actor_id is not None:
        actor_id = actor_id.hex
    sql = (
        "INSERT INTO core_auditentry (id, at, actor_id, action, entity, object_id, object_repr, changes) "  # noqa: S608
        f"SELECT {new_id}, %s, %s, 'update', %s, t.{pk_column}, '', {changes_sql} FROM {table} t "
        f"WHERE t.{pk_column} IN ({sql_ids})"
    )
    now = timezone.now()
    at = now if connection.vendor == "postgresql" else now.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_prefix, at, actor_id, entity_label(model), *params, *id_params])
        if batch is not None:
            batch.written += cursor.rowcount
        return int(cursor.rowcount)


def _text_sql(column: str, uuid_column: bool, vendor: str) -> str:
    """A column as the audit trail writes it: UUIDs in their dashed form, as jsonable() does."""
    if vendor == "postgresql":
        return f"{column}::text"
    if not uuid_column:
        return column
    parts = "||'-'||".join(
        f"substr({column}, {start}, {length})" for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    )
    return f"lower({parts})"
