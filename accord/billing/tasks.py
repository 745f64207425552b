"""Background tasks of billing: the daily collections run."""

from __future__ import annotations

from django.tasks import task

from accord.core.scheduler import periodic


@periodic("15 7 * * 1-5")
@task()
def run_collections() -> dict[str, int]:
    """Take the day's collection steps on working days in the morning (safe to run again: a step
    already taken is not taken twice)."""
    from accord.billing.services import collections

    report = collections.run(keep_steps=False)
    return {"customers": report.customers, "taken": report.taken, "errors": len(report.errors)}


@periodic("40 3 * * *")
@task()
def prune_statement_uploads() -> int:
    """Delete the statement files uploaded for a column mapping that nobody finished."""
    from accord.billing.services import statement_mappings

    return statement_mappings.prune_uploads()
