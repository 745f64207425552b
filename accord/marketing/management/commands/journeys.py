"""``accord journeys run`` and ``accord journeys list``.

``run`` does by hand what the worker does every minute: it enrols the contacts who joined the
segment of a journey and those whose birthday it is, then runs the steps that are due, and prints
how many of each. ``list`` shows every journey with its trigger, status and enrolment counts.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accord.marketing.models import EnrollmentState, Journey
from accord.marketing.services import journeys


class Command(BaseCommand):
    help = "Journeys: enrol who is due and run the steps that are due (run), or show every journey (list)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("run", help="Enrol who joined a segment or has a birthday, then run the due steps")
        actions.add_parser("list", help="Show the journeys with their trigger, status and counts")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "run":
            self._run()
        else:
            self._list()

    def _run(self) -> None:
        joined = journeys.sweep_segments()
        born = journeys.sweep_birthdays()
        moved = journeys.advance()
        self.stdout.write(_("Enrolled from segments: %(count)d.") % {"count": joined})
        self.stdout.write(_("Enrolled for birthdays: %(count)d.") % {"count": born})
        self.stdout.write(_("Enrollments moved on: %(count)d.") % {"count": moved})

    def _list(self) -> None:
        # The whole installation, as the worker sees it: the command runs as no one.
        rows = Journey.objects.annotate(
            enrolled=Count("enrollments", filter=~Q(enrollments__state=EnrollmentState.SKIPPED)),
            active=Count("enrollments", filter=Q(enrollments__state=EnrollmentState.ACTIVE)),
            done=Count("enrollments", filter=Q(enrollments__state=EnrollmentState.DONE)),
        ).order_by("name", "id")
        headers = [_("Name"), _("Trigger"), _("Status"), _("Enrolled"), _("Active"), _("Done")]
        self.stdout.write("\t".join(str(h) for h in headers))
        count = 0
        for journey in rows:
            count += 1
            self.stdout.write(
                "\t".join(
                    [
                        journey.name,
                        str(journey.get_trigger_display()),
                        str(journey.get_status_display()),
                        str(journey.enrolled),
                        str(journey.active),
                        str(journey.done),
                    ]
                )
            )
        if not count:
            self.stdout.write(_("No journeys yet."))
