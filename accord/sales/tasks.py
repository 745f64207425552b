"""Background tasks of the sales app."""

from django.tasks import task

from accord.core.scheduler import periodic
from accord.sales.services import automation


@periodic("7 * * * *")
@task()
def remind_idle_deals() -> int:
    """Hourly: fire the "no interaction for N days" rules, once per deal and idle period."""
    return automation.run_idle_rules()
