"""Background tasks of the analytics app: the nightly classification of the customers."""

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
