"""``accord worker``: runs background tasks and ticks the periodic-job scheduler.

Several workers may run at once, on one host or many: tasks are claimed row by row, and each
periodic job's slot is claimed once. A worker killed at any moment loses nothing: a task it held is
put back after 30 minutes, and every periodic job catches up on its own pending work.
"""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django.utils.module_loading import autodiscover_modules

from accord.core.scheduler import Scheduler

log = logging.getLogger("accord.worker")


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs until stopped."

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
        self.running = True

        def stop(signum: int, frame: FrameType | None) -> None:
            log.info("stopping after the current task")
            self.running = False
            runner.running = False

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        if options["verbosity"] > 0:
            self.stdout.write(f"Worker {worker_id[:8]} started.")
        try:
            while self.running:
                close_old_connections()
                if scheduler is not None:
                    try:
                        scheduler.tick()
                    except Exception:
                        log.exception("scheduler tick failed")
                runner.running = True
                runner.run()  # runs every ready task, then returns
                if options["once"]:
                    break
                time.sleep(options["interval"])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
