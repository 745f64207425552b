"""A cron-style scheduler that the worker ticks: periodic jobs become ordinary background tasks.

Each job's run for a time slot is claimed by inserting a ``ScheduledRun`` row; the unique (job, slot)
pair means several workers on several hosts run a job once per slot with no lock server. A worker
that was down for an hour runs each job once on return, for the latest slot, not once per missed
slot: every periodic job here catches up on all pending work by itself.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from cronsim import CronSim
from django.db import IntegrityError, transaction
from django.tasks import Task
from django.utils import timezone

from accord.core.models import ScheduledRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    cron: str
    task: Task

    def latest_slot(self, now: datetime.datetime) -> datetime.datetime:
        """The most recent time at or before ``now`` that the cron expression names."""
        # The server's zone, whatever zone a caller may have activated for a user.
        local_now = timezone.localtime(now, timezone.get_default_timezone())
        # CronSim walking backwards from a whole second skips that second, so at 12:00:00.000 an
        # hourly job's slot would be 11:00. With a fraction of a second it starts from the second
        # itself. (replace, not + timedelta, which would lose ``fold`` in the repeated DST hour.)
        start = local_now.replace(microsecond=local_now.microsecond or 1)
        return next(iter(CronSim(self.cron, start, reverse=True)))


_jobs: dict[str, PeriodicJob] = {}


def periodic(cron: str) -> Callable[[Task], Task]:
    """Run a task on a cron schedule (minute hour day month weekday, in the server's time zone)."""
    CronSim(cron, timezone.now())  # a malformed expression fails at import, not at 3 a.m.

    def register(task: Task) -> Task:
        name = task.module_path
        _jobs[name] = PeriodicJob(name=name, cron=cron, task=task)
        return task

    return register


def jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda job: job.name)


class Scheduler:
    """Remembers the slots this process already claimed, so a tick costs no query until a slot is due."""

    def __init__(self, worker_id: str = "") -> None:
        self.worker_id = worker_id
        self._claimed: dict[str, datetime.datetime] = {}

    def tick(self, now: datetime.datetime | None = None) -> list[str]:
        """Enqueue every job whose latest slot nobody has claimed yet; returns their names."""
        now = now or timezone.now()
        started = []
        for job in jobs():
            # In UTC: two local times in one zone compare by wall clock, so the second 02:45 of
            # the night clocks go back would equal the first and its slot be taken for claimed.
            slot = job.latest_slot(now).astimezone(datetime.UTC)
            if self._claimed.get(job.name) == slot:
                continue
            try:
                with transaction.atomic():
                    ScheduledRun.objects.create(job=job.name, slot=slot, worker=self.worker_id)
                    job.task.enqueue()
            except IntegrityError:
                pass  # another worker claimed this slot first
            else:
                started.append(job.name)
                log.debug("scheduled %s for %s", job.name, slot.isoformat())
            self._claimed[job.name] = slot
        return started
