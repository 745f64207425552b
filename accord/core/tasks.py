"""Background tasks of the core: event dispatch and housekeeping."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from accord.core import attachments, bulk_jobs, dbstats, import_jobs, search, workers
from accord.core.events import dispatch_pending
from accord.core.models import IdempotencyRecord, ScheduledRun
from accord.core.scheduler import periodic


@periodic("* * * * *")
@task()
def dispatch_events() -> int:
    """Deliver pending events to their consumers (nudged after each commit, swept every minute)."""
    return dispatch_pending()


@periodic("*/5 * * * *")
@task()
def requeue_abandoned_tasks() -> int:
    """Put back tasks whose worker died mid-run. Tasks are idempotent, so running one again is safe."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(minutes=30)
    return DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff).update(status="READY", started_at=None)


@periodic("17 3 * * *")
@task()
def prune_bookkeeping() -> dict[str, int]:
    """Forget what only matters for a while: claimed slots, idempotency answers, finished tasks,
    workers gone for a day."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    slots, _ = ScheduledRun.objects.filter(slot__lt=now - datetime.timedelta(days=7)).delete()
    keys, _ = IdempotencyRecord.objects.filter(created_at__lt=now - datetime.timedelta(days=2)).delete()
    finished, _ = DBTaskResult.objects.filter(
        Q(status="SUCCESSFUL") | Q(status="FAILED"), finished_at__lt=now - datetime.timedelta(days=14)
    ).delete()
    return {"slots": slots, "idempotency_records": keys, "task_results": finished, "workers": workers.prune(now)}


@periodic("41 2 * * *")
@task()
def refresh_planner_statistics() -> None:
    """Keep the query planner's picture of the tables current (SQLite; PostgreSQL keeps its own)."""
    dbstats.refresh()


@periodic("53 2 * * *")
@task()
def refresh_search_words() -> int:
    """Refill the dictionary of words for near misses (PostgreSQL): drops the words of deleted and
    renamed records, and any word two saves added at once."""
    from django.db import connection

    return search.rebuild_words(connection)


@periodic("29 3 * * *")
@task()
def sweep_attachments() -> dict[str, int]:
    """Remove the files of deleted records, and stored files that no attachment refers to."""
    return {"detached": attachments.sweep_detached(), "stray_files": attachments.sweep_stray_files()}


@task()
def run_import(job_id: str) -> None:
    """Run an import's dry run or the import itself (only one worker takes it, however often queued)."""
    import_jobs.run(job_id)


@periodic("*/5 * * * *")
@task()
def resume_import_runs() -> int:
    """Queue again the import runs no worker took, or whose worker died."""
    return import_jobs.resume_lost_runs()


@periodic("29 3 * * *")
@task()
def prune_import_files() -> int:
    """Delete uploaded import files a month after their import, and drafts left for a week."""
    return import_jobs.prune_files()


@task()
def run_bulk_job(job_id: str) -> None:
    """Run a large bulk change for a while, from where it stands (safe however often queued)."""
    bulk_jobs.run(job_id)


@periodic("*/5 * * * *")
@task()
def resume_bulk_jobs() -> int:
    """Queue again the bulk changes no worker took, or whose worker died."""
    return bulk_jobs.resume_lost_jobs()


@periodic("37 3 * * *")
@task()
def prune_bulk_jobs() -> int:
    """Forget bulk changes a month after they ended."""
    return bulk_jobs.prune()
