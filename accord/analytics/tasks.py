"""Background tasks of the analytics app: the nightly classification of the customers and the
scheduled reports' delivery."""

from __future__ import annotations

from django.tasks import task

from accord.core.scheduler import periodic


@periodic("35 1 * * *")
@task()
def classify_customers() -> dict[str, int]:
    """Every night: classify the customers by RFM and ABC as of today (safe to run again: a run
    replaces the previous classification whole)."""
    from accord.analytics.services import classification

    result = classification.classify()
    return {"contacts": result.contacts, "companies": result.companies}


@periodic("*/15 * * * *")
@task()
def deliver_reports() -> dict[str, int]:
    """Every quarter of an hour: mail the scheduled reports that are due (each due time once,
    however often it runs)."""
    from accord.analytics.services import reports

    return {"delivered": reports.deliver_due()}
