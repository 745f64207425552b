"""Background tasks of marketing: the greetings run."""

from __future__ import annotations

from django.tasks import task

from accord.core.scheduler import periodic


@periodic("*/15 * * * *")
@task()
def run_greetings() -> dict[str, int]:
    """Greet the contacts whose local time has reached their rule's hour today (every quarter of
    an hour, so each time zone is greeted soon after its hour; safe to run again)."""
    from accord.marketing.services import greetings

    report = greetings.run()
    return {"greeted": report.total, "failed": len(report.failed)}
