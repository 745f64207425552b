"""Background tasks of the analytics app: the nightly classification of the customers (and their
lifetime values) and the scheduled reports' delivery."""

from __future__ import annotations

from django.tasks import task

from accord.core.scheduler import periodic


@periodic("35 1 * * *")
@task()
def classify_customers() -> dict[str, int | str]:
    """Every night: classify the customers by RFM and ABC as of today, then estimate their
    lifetime values (safe to run again: a run replaces the previous figures whole)."""
    from accord.analytics.services import classification

    result = classification.classify()
    values = result.lifetime_result
    return {
        "contacts": result.contacts,
        "companies": result.companies,
        "lifetime": values.outcome if values else "",
    }


@periodic("*/15 * * * *")
@task()
def deliver_reports() -> dict[str, int]:
    """Every quarter of an hour: mail the scheduled reports that are due (each due time once,
    however often it runs)."""
    from accord.analytics.services import reports

    return {"delivered": reports.deliver_due()}
