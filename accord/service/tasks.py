"""Background tasks of the service app: the SLA check."""

from __future__ import annotations

from django.tasks import task

from accord.core.scheduler import periodic


@periodic("* * * * *")
@task()
def check_sla() -> dict[str, int]:
    """Every minute: warn of SLA targets coming due and record the ones missed (safe to run again:
    a warning or a breach is recorded once)."""
    from accord.service.services import sla

    result = sla.check()
    return {"warned": result.warned, "breached": result.breached}
