"""``accord worker``: runs background tasks and ticks the periodic-job scheduler.

Several workers may run at once, on one host or many: tasks are claimed row by row, and each
periodic job's slot is claimed once. A worker killed at any moment loses nothing: a task it held is
put back after 30 minutes, and every periodic job catches up on its own pending work.

The loop never ends on an error. A database error (SQLite's "database is locked" while another
process holds a long write, a PostgreSQL connection dropped by a restart) is logged, recorded in
the worker's heartbeat, and the step is tried again after a wait that doubles up to a minute.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django.utils.module_loading import autodiscover_modules

from accord.core.backoff import Backoff
from accord.core.scheduler import Scheduler
from accord.core.workers import Heartbeat, is_locked

log = logging.getLogger("accord.worker")


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs until stopped."
    # Django's system checks ask SQLite whether it supports JSON inside a write transaction: a
    # worker started while another process holds the write lock would fail them and exit. The
    # server and ``migrate`` run them; the worker starts and waits for the lock like any writer.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds to wait when there is nothing to do")
        parser.add_argument("--once", action="store_true", help="Tick the scheduler, run what is ready, and exit")
        parser.add_argument("--no-scheduler", action="store_true", help="Only run tasks (another worker schedules)")

    def handle(self, *args: Any, **options: Any) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        autodiscover_modules("tasks")  # registers every app's tasks and periodic jobs
        worker_id = get_random_string(32)
        runner = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        scheduler = None if options["no_scheduler"] else Scheduler(worker_id)
        heartbeat = Heartbeat(worker_id)
        backoff = Backoff()
        self.running = True
        wake = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            log.info("stopping after the current task")
            self.running = False
            runner.running = False
            wake.set()

        def run_tasks() -> None:
            runner.running = self.running
            runner.run()  # runs every ready task, then returns

        steps: list[tuple[str, Callable[[], Any]]] = [("running tasks", run_tasks)]
        if scheduler is not None:
            steps.insert(0, ("ticking the scheduler", scheduler.tick))

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        if options["verbosity"] > 0:
            self.stdout.write(f"Worker {worker_id[:8]} started.")
        if not options["once"]:
            heartbeat.start()
        try:
            while self.running:
                failed = False
                for what, step in steps:
                    close_old_connections()  # drops a connection an earlier error left unusable
                    try:
                        step()
                    except Exception as exc:
                        failed = True
                        heartbeat.failed(exc)
                        if is_locked(exc):
                            # Another process held the write lock longer than the busy timeout.
                            log.warning("%s: the database is locked by another writer", what)
                        else:
                            log.exception("%s failed", what)
                if options["once"]:
                    if failed:
                        raise CommandError(f"The worker met an error: {heartbeat.error}")
                    break
                if failed:
                    delay = backoff.next_delay()
                    log.warning("trying again in %.0f s", delay)
                else:
                    backoff.reset()
                    delay = options["interval"]
                wake.wait(delay)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if not options["once"]:
                heartbeat.stop()
