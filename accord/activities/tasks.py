"""Background tasks of the activities app."""

from django.tasks import task

from accord.activities import services
from accord.core.scheduler import periodic


@periodic("* * * * *")
@task()
def fire_due_reminders() -> int:
    """Every minute: turn reminders whose time has come into notifications (via the event log)."""
    return services.fire_due_reminders()


@periodic("*/10 * * * *")
@task()
def touch_past_appointments() -> int:
    """Meetings and visits entered ahead become the customer's last interaction once they are due."""
    return services.touch_past_appointments()
