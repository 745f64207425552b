"""Background workers that keep going, and say so.

A worker (``accord worker``) meets a locked SQLite database whenever another process holds a long
write transaction (``accord import`` of a big file beside the running app): SQLite's busy timeout
makes a writer wait, and after it the write fails. The worker then backs off and tries the step
again instead of dying (see the ``worker`` command).

Each worker keeps a ``WorkerHeartbeat`` row current from a thread of its own, so a long task does
not make a busy worker look dead. Admins see the rows on the System page, and a warning on every
page when no worker has reported for ``STALE_AFTER``: tasks, reminders and automation have stopped.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
from dataclasses import dataclass

from django.db import DatabaseError, connections
from django.db.models import Count, Max, Q
from django.utils import timezone

from accord.core.models import WorkerHeartbeat

log = logging.getLogger(__name__)

BEAT_EVERY = 10.0  # seconds between two heartbeats of a worker
STALE_AFTER = datetime.timedelta(minutes=2)  # a worker silent this long is taken for gone
FORGET_AFTER = datetime.timedelta(days=1)  # rows of workers silent this long are deleted


def is_locked(exc: BaseException) -> bool:
    """SQLite's "database is locked" (or "database table is locked"): another writer held on."""
    return isinstance(exc, DatabaseError) and "is locked" in str(exc).lower()


class Heartbeat:
    """The worker's row, beaten every ``every`` seconds by a daemon thread once ``start``-ed."""

    def __init__(self, worker_id: str, *, every: float = BEAT_EVERY) -> None:
        self.worker_id = worker_id
        self.every = every
        self.host = socket.gethostname()[:255]
        self.pid = os.getpid()
        self.started_at = timezone.now()
        self.error = ""
        self.error_at: datetime.datetime | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def failed(self, exc: BaseException) -> None:
        """Remember the error the worker just met; the next beat records it."""
        self.error = f"{type(exc).__name__}: {exc}"[:2000]
        self.error_at = timezone.now()

    def beat(self, now: datetime.datetime | None = None) -> None:
        """One cheap UPDATE of this worker's row (an INSERT the first time)."""
        now = now or timezone.now()
        values = {"beat_at": now, "last_error": self.error, "last_error_at": self.error_at}
        if not WorkerHeartbeat.objects.filter(pk=self.worker_id).update(**values):
            WorkerHeartbeat.objects.create(
                id=self.worker_id, host=self.host, pid=self.pid, started_at=self.started_at, **values
            )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="accord-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop beating and mark the row stopped: a worker that was asked to stop is not missing."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.every + 30)
        try:
            WorkerHeartbeat.objects.filter(pk=self.worker_id).update(stopped_at=timezone.now())
        except DatabaseError:
            log.warning("could not mark worker %s stopped", self.worker_id[:8], exc_info=True)

    def _run(self) -> None:
        try:
            try:
                prune()
            except DatabaseError as exc:
                log.warning("worker %s: old workers not pruned (%s)", self.worker_id[:8], exc)
            while True:
                try:
                    self.beat()
                except DatabaseError as exc:
                    # Most likely the database is locked by a long write; the next beat tries again.
                    log.warning("worker %s: heartbeat not recorded (%s)", self.worker_id[:8], exc)
                if self._stop.wait(self.every):
                    return
        finally:
            connections.close_all()  # this thread's own connections


def prune(now: datetime.datetime | None = None) -> int:
    """Forget workers that have not reported for a day (stopped, or killed without a word)."""
    now = now or timezone.now()
    deleted, _ = WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    return deleted


def workers_needed() -> bool:
    """Whether tasks wait for an ``accord worker``: the database queue. (The immediate backend of
    tests runs each task on the spot.)"""
    from django.tasks import task_backends
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


@dataclass(frozen=True)
class Silence:
    """No worker has reported lately: since when (``None``: none ever has)."""

    last_beat: datetime.datetime | None


def silence(now: datetime.datetime | None = None) -> Silence | None:
    """``None`` while some running worker has reported within ``STALE_AFTER`` (or none is needed)."""
    if not workers_needed():
        return None
    now = now or timezone.now()
    beats = WorkerHeartbeat.objects.aggregate(
        running=Max("beat_at", filter=Q(stopped_at__isnull=True)), last=Max("beat_at")
    )
    if beats["running"] is not None and beats["running"] >= now - STALE_AFTER:
        return None
    return Silence(last_beat=beats["last"])


@dataclass(frozen=True)
class WorkerState:
    worker: WorkerHeartbeat
    state: str  # "running", "stopped" (asked to) or "silent" (killed, hung, or cut off)


def recent_workers(limit: int = 20, now: datetime.datetime | None = None) -> list[WorkerState]:
    """The workers that reported in the last day, most recent first, for the System page."""
    now = now or timezone.now()
    rows = []
    for worker in WorkerHeartbeat.objects.all()[:limit]:
        if worker.stopped_at is not None:
            state = "stopped"
        elif worker.beat_at < now - STALE_AFTER:
            state = "silent"
        else:
            state = "running"
        rows.append(WorkerState(worker=worker, state=state))
    return rows


@dataclass(frozen=True)
class QueueSummary:
    tasks_waiting: int
    tasks_running: int
    tasks_failed_today: int
    events_waiting: int


def queue_summary(now: datetime.datetime | None = None) -> QueueSummary:
    """What waits for the workers, for the System page: three counts over the (pruned) task table
    and one over the pending-events index."""
    from django_tasks_db.models import DBTaskResult

    from accord.core.models import Event

    now = now or timezone.now()
    tasks = DBTaskResult.objects.aggregate(
        waiting=Count("pk", filter=Q(status="READY")),
        running=Count("pk", filter=Q(status="RUNNING")),
        failed=Count("pk", filter=Q(status="FAILED", finished_at__gte=now - datetime.timedelta(days=1))),
    )
    return QueueSummary(
        tasks_waiting=tasks["waiting"],
        tasks_running=tasks["running"],
        tasks_failed_today=tasks["failed"],
        events_waiting=Event.objects.filter(dispatched_at__isnull=True, failed_at__isnull=True).count(),
    )
