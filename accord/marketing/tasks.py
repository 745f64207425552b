"""Background tasks of marketing: the greetings run, sending campaigns and deciding their A/B tests."""

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


@task()
def run_campaign(campaign_id: str) -> dict[str, object]:
    """Snapshot a launched campaign's segment and queue its messages (safe to run again: what
    is done is not done twice)."""
    from accord.marketing.services import campaigns

    report = campaigns.run(campaign_id)
    return {"recipients": report.recipients, "queued": report.queued, "status": report.status}


@periodic("* * * * *")
@task()
def send_campaigns() -> int:
    """Every minute: start the scheduled campaigns that are due, give the rest of an A/B test's
    recipients the winning subject once the test is over, and finish launches a crash cut
    short. Returns how many campaigns it worked on."""
    from accord.marketing.services import campaigns

    campaigns.decide_due()
    pending = campaigns.start_due()
    for pk in pending:
        campaigns.run(pk)
    return len(pending)


@periodic("* * * * *")
@task()
def advance_journeys() -> int:
    """Every minute (and soon after contacts are enrolled): run the journeys' due steps."""
    from accord.marketing.services import journeys

    return journeys.advance()


@periodic("*/15 * * * *")
@task()
def sweep_journeys() -> dict[str, int]:
    """Every quarter of an hour: enrol who joined a journey's segment, and whose birthday it is
    where they live (each once: safe to run again)."""
    from accord.marketing.services import journeys

    return {"segments": journeys.sweep_segments(), "birthdays": journeys.sweep_birthdays()}
