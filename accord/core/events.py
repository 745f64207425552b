"""Emitting events inside a write's transaction, and dispatching them to consumers after commit.

Apps register consumers with ``@on("activities.task.reminder_due")`` in a module their AppConfig
imports at start-up. A consumer must be idempotent: an event whose dispatch failed half-way is
offered again, to every consumer of its name.
"""

from __future__ import annotations

import datetime
import logging
import traceback
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from accord.core.models import Event, entity_label

log = logging.getLogger(__name__)

Handler = Callable[[Event], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


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


def emit(name: str, *, obj: Model | None = None, actor: Any = None, payload: dict | None = None) -> Event:
    """Append an event in the current transaction; dispatch is nudged once the transaction commits."""
    event = Event.objects.create(
        name=name,
        entity=entity_label(obj) if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        actor=actor if getattr(actor, "pk", None) else None,
        payload=payload or {},
    )
    if name in _handlers:
        # One nudge per transaction is enough however many events it appends.
        pending = getattr(connection, "run_on_commit", [])
        if not any(entry[1] is _enqueue_dispatch for entry in pending):
            transaction.on_commit(_enqueue_dispatch)
    return event


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
