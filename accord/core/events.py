"""Emitting events inside a write's transaction, and dispatching them to consumers after commit.

Every event name has one payload class (``EventPayload``), registered by name when its module is
imported (each app keeps its own in ``<app>/events.py``; the core's are in ``core/event_types.py``).
A service emits an instance: the class checks the fields when it is built (a missing, unknown or
wrongly typed field raises ``pydantic.ValidationError``), so a bad event raises before anything is
written and the service's transaction rolls back whole. The payload is stored as JSON; a consumer
reads it back typed with ``SomePayload.of(event)``. Fields added to a payload later get defaults,
so rows already in the event table still load.

A few payloads are families: ``<app>.<model>.created`` exists for every model, so its class is
registered by the name's last part (``suffix``) and stands for any installed model's label in front.

Apps register consumers with ``@on("activities.task.reminder_due")`` in a module their AppConfig
imports at start-up. A consumer must be idempotent: an event whose dispatch failed half-way is
offered again, to every consumer of its name.
"""

from __future__ import annotations

import datetime
import functools
import logging
import traceback
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self, cast

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field, Model, Q
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, TypeAdapter

from accord.core.ids import uuid7_hex_many
from accord.core.models import Event, entity_label

if TYPE_CHECKING:
    from accord.identity.models import User

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


class UnknownEvent(LookupError):
    """No payload class is registered for this event name."""


class EventPayload(BaseModel):
    """What one kind of event says. Subclasses set ``name`` (one event) or ``suffix`` (the family
    ``<app>.<model>.<suffix>``) and declare the fields; building one checks them strictly (an id
    is a ``UUID``, not a string that looks like one), reading a stored one converts the JSON back."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: ClassVar[str] = ""
    suffix: ClassVar[str] = ""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.name and cls.suffix:
            raise TypeError(f"{cls.__qualname__} sets both a name and a suffix")
        if cls.name:
            _register(_payloads, cls.name, cls)
        elif cls.suffix:
            _register(_families, cls.suffix, cls)

    @classmethod
    def of(cls, event: Event) -> Self:
        """The event's payload as this class reads it; a TypeError if the event is another kind."""
        payload = load(event)
        if not isinstance(payload, cls):
            raise TypeError(f"{event.name} carries {type(payload).__qualname__}, not {cls.__qualname__}")
        return payload


_payloads: dict[str, type[EventPayload]] = {}
_families: dict[str, type[EventPayload]] = {}


def _register(registry: dict[str, type[EventPayload]], key: str, cls: type[EventPayload]) -> None:
    known = registry.get(key)
    if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
        raise TypeError(f"event {key!r} already has the payload {known.__module__}.{known.__qualname__}")
    registry[key] = cls


def payload_type(name: str) -> type[EventPayload]:
    """The payload class of an event name; raises ``UnknownEvent`` if none is registered."""
    if name in _payloads:
        return _payloads[name]
    entity, _dot, suffix = name.rpartition(".")
    family = _families.get(suffix)
    if family is not None and _is_model(entity):
        return family
    raise UnknownEvent(f"no payload class is registered for the event {name!r}")


def _is_model(label: str) -> bool:
    """Whether ``label`` ("people.contact") names an installed model: a family's events are known
    only for a model's changes."""
    try:
        apps.get_model(label)
    except (LookupError, ValueError):
        return False
    return True


def registered() -> dict[str, type[EventPayload]]:
    """Every payload class by its name (families by ``*.<suffix>``), for checks and tests."""
    return {**_payloads, **{f"*.{suffix}": cls for suffix, cls in _families.items()}}


def load(event: Event) -> EventPayload:
    """The stored payload of ``event``, typed; old rows load as long as their fields still exist."""
    return payload_type(event.name).model_validate(event.payload or {}, strict=False)


def name_of(payload: EventPayload, *, obj: Model | None = None, entity: str | None = None) -> str:
    """The event name ``payload`` is emitted under: its class's name, or for a family the
    record's entity (``entity``, else ``obj``'s) followed by the suffix."""
    cls = type(payload)
    if cls.name:
        return cls.name
    label = entity or (entity_label(obj) if obj is not None else "")
    if not cls.suffix or not label:
        raise TypeError(f"{cls.__qualname__} needs the entity it is about (obj= or entity=)")
    name = f"{label}.{cls.suffix}"
    if payload_type(name) is not cls:
        raise UnknownEvent(f"{name!r} is not an event of {cls.__qualname__}")
    return name


def on(*names: str) -> Callable[[Handler], Handler]:
    """Register a consumer for events of these names."""

    def register(fn: Handler) -> Handler:
        for name in names:
            if fn not in _handlers[name]:
                _handlers[name].append(fn)
        return fn

    return register


def handlers_for(name: str) -> list[Handler]:
    return list(_handlers.get(name, ()))


def _enqueue_dispatch() -> None:
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from accord.core.tasks import dispatch_events

    try:
        if (
            isinstance(dispatch_events.get_backend(), DatabaseBackend)
            and DBTaskResult.objects.filter(task_path=dispatch_events.module_path, status="READY").exists()
        ):
            return  # a dispatch is already waiting and will take this event too
        dispatch_events.enqueue()
    except Exception:
        # The periodic sweep dispatches whatever this nudge would have; losing it costs a minute.
        log.exception("could not enqueue event dispatch")


def emit(
    payload: EventPayload, *, obj: Model | None = None, actor: User | None = None, entity: str | None = None
) -> Event:
    """Append ``payload``'s event in the current transaction; dispatch is nudged once the
    transaction commits. ``obj`` is the record it is about; ``entity`` names the records of a
    family event about many (``people.contact`` for ``people.contact.reassigned``)."""
    if not isinstance(payload, EventPayload):
        raise TypeError(f"emit() takes an EventPayload, not {type(payload).__qualname__}")
    name = name_of(payload, obj=obj, entity=entity)
    # Checked again as stored: an instance made with model_construct() skipped its validation.
    data = type(payload).model_validate(dict(payload), strict=True).model_dump(mode="json")
    event = Event.objects.create(
        name=name,
        entity=entity_label(obj) if obj is not None else (entity or ""),
        object_id=obj.pk if obj is not None else None,
        actor=actor if getattr(actor, "pk", None) else None,
        payload=data,
    )
    if name in _handlers:
        _nudge_after_commit()
    return event


def emit_each(payload: EventPayload, entries: Sequence[tuple[Model, User | None]]) -> list[Event]:
    """``emit(payload, obj=obj, actor=actor)`` for each ``(obj, actor)``, in one INSERT: the same
    event about each of many records a service wrote together (their ``created``), which consumers
    receive one by one as if emitted singly."""
    if not isinstance(payload, EventPayload):
        raise TypeError(f"emit_each() takes an EventPayload, not {type(payload).__qualname__}")
    data = type(payload).model_validate(dict(payload), strict=True).model_dump(mode="json")
    names: dict[str, str] = {}
    events = []
    for obj, actor in entries:
        entity = entity_label(obj)
        if entity not in names:
            names[entity] = name_of(payload, obj=obj)
        events.append(
            Event(
                name=names[entity],
                entity=entity,
                object_id=obj.pk,
                actor=actor if getattr(actor, "pk", None) else None,
                payload=data,
            )
        )
    Event.objects.bulk_create(events)
    if any(name in _handlers for name in names.values()):
        _nudge_after_commit()
    return events


# The columns ``emit_rows`` writes; the others keep their defaults (NULL, 0, "").
_ROW_COLUMNS = ("id", "name", "entity", "object_id", "actor", "payload", "created_at", "attempts", "last_error")


def emit_rows(entries: Sequence[tuple[EventPayload, str, Any, Any]]) -> int:
    """``emit`` for many events named by entity label and record id, ``(payload, "service.ticket",
    id, actor_id)``, for a set-based service that holds no model instances: each payload checked
    as ``emit`` checks it, written as ``emit_fields`` writes. Returns how many."""
    given = []
    for payload, entity, object_id, actor_id in entries:
        if not isinstance(payload, EventPayload):
            raise TypeError(f"emit_rows() takes EventPayloads, not {type(payload).__qualname__}")
        given.append((type(payload), entity, object_id, actor_id, dict(payload)))
    return emit_fields(given)


@functools.cache
def _list_adapter(cls: type[EventPayload]) -> TypeAdapter[list[EventPayload]]:
    return TypeAdapter(list[cls])  # type: ignore[valid-type]


def emit_fields(entries: Sequence[tuple[type[EventPayload], str, Any, Any, dict[str, Any]]]) -> int:
    """``emit_rows`` with each payload given as its class and fields, ``(SlaWarning, "service.ticket",
    id, actor_id, {"target": ...})``, for a check that finds 100,000 tickets due: the fields checked
    as building ``cls(**fields)`` checks them, all of a class in one call (no instance made and
    checked again per row, which was most of the time), the rows written in the order given with
    COPY on PostgreSQL and one executemany elsewhere, in the current transaction. Returns how many."""
    if not entries:
        return 0
    by_class: dict[type[EventPayload], list[int]] = {}
    for n, entry in enumerate(entries):
        by_class.setdefault(entry[0], []).append(n)
    texts: list[str] = [""] * len(entries)
    for cls, positions in by_class.items():
        # Checked strictly, as emit() checks an instance: an unknown, missing or mistyped field raises.
        payloads = _list_adapter(cls).validate_python([entries[n][4] for n in positions], strict=True)
        to_json = cls.__pydantic_serializer__.to_json
        for n, payload in zip(positions, payloads, strict=True):
            texts[n] = to_json(payload).decode()
    names: dict[tuple[type[EventPayload], str], str] = {}
    for cls, entity, *_rest in entries:
        if (cls, entity) not in names:
            names[cls, entity] = name_of(cls.model_construct(), entity=entity)
    now = timezone.now()
    fields = [cast("Field[Any, Any]", Event._meta.get_field(column)) for column in _ROW_COLUMNS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.get_attname_column()[1] or field.attname) for field in fields)
    table = quote(Event._meta.db_table)
    ids = uuid7_hex_many(len(entries))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY parses each value as its column's type (the JSON text as jsonb), and the rows
            # go as one block of COPY text: no statement to build or bind per row (most of an ORM
            # bulk insert's time), nor a value to adapt per column.
            heads = {key: f"\t{_copy_text(name)}\t{_copy_text(key[1])}\t" for key, name in names.items()}
            tail = f"\t{now.isoformat()}\t0\t\n"
            lines = [
                f"{key}{heads[cls, entity]}{_NULL if object_id is None else object_id}"
                f"\t{_NULL if actor_id is None else actor_id}\t{_copy_text(text)}{tail}"
                for key, (cls, entity, object_id, actor_id, _fields), text in zip(ids, entries, texts, strict=True)
            ]
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write("".join(lines))
        else:
            object_field, actor_field, created_field = fields[3], fields[4], fields[6]
            created = created_field.get_db_prep_save(now, connection)
            prepared = [
                (
                    key,  # 32 hex digits, as the UUID field stores a key here
                    names[cls, entity],
                    entity,
                    None if object_id is None else object_field.get_db_prep_save(object_id, connection),
                    None if actor_id is None else actor_field.get_db_prep_save(actor_id, connection),
                    text,  # the JSON text as the JSON field stores it
                    created,
                    0,
                    "",
                )
                for key, (cls, entity, object_id, actor_id, _fields), text in zip(ids, entries, texts, strict=True)
            ]
            placeholders = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
            cursor.executemany(sql, prepared)
    if any(name in _handlers for name in names.values()):
        _nudge_after_commit()
    return len(entries)


_NULL = "\\N"


def _copy_text(value: str) -> str:
    """``value`` as a field of COPY's text format: backslashes doubled, tabs and line ends escaped."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _nudge_after_commit() -> None:
    # One nudge per transaction is enough however many events it appends.
    pending = getattr(connection, "run_on_commit", [])
    if not any(entry[1] is _enqueue_dispatch for entry in pending):
        transaction.on_commit(_enqueue_dispatch)


def dispatch_pending(batch_size: int = 200, *, now: datetime.datetime | None = None) -> int:
    """Offer every undispatched event to its consumers once; returns how many were dispatched.

    Each event is handled in its own savepoint together with its ``dispatched_at`` mark, so the
    consumers' writes and the mark commit or roll back as one.
    """
    dispatched = 0
    last_id = None
    now = now or timezone.now()
    while True:
        with transaction.atomic():
            pending = Event.objects.filter(dispatched_at__isnull=True, failed_at__isnull=True).filter(
                Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
            )
            if last_id is not None:
                pending = pending.filter(id__gt=last_id)
            events = list(pending.select_for_update(skip_locked=True).order_by("id")[:batch_size])
            if not events:
                return dispatched
            for event in events:
                last_id = event.id
                try:
                    with transaction.atomic():
                        for handler in handlers_for(event.name):
                            handler(event)
                        event.dispatched_at = timezone.now()
                        event.save(update_fields=["dispatched_at"])
                    dispatched += 1
                except Exception:
                    log.exception("event %s (%s) failed in a consumer", event.id, event.name)
                    event.attempts += 1
                    event.last_error = traceback.format_exc()[-4000:]
                    event.next_attempt_at = now + retry_delay(event.attempts)
                    if event.attempts >= settings.ACCORD_EVENT_MAX_ATTEMPTS:
                        event.failed_at = timezone.now()
                    event.save(update_fields=["attempts", "last_error", "next_attempt_at", "failed_at"])


def retry_delay(attempts: int) -> datetime.timedelta:
    """1, 2, 4 ... minutes after each failure, at most six hours."""
    return datetime.timedelta(minutes=min(2 ** (attempts - 1), 360))
