"""``accord greetings run [--dry-run] [--at ISO-datetime]``: greet whoever is due now.

The worker runs the same every quarter of an hour; this command runs it by hand, or with
``--dry-run`` only counts who would be greeted, and with ``--at`` as of another moment.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.marketing import zones
from accord.marketing.services import greetings


def _moment(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(_("Enter the moment as an ISO date and time, e.g. 2026-03-29T09:00+02:00.")) from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zones.default_zone())  # the installation's time
    return moment


class Command(BaseCommand):
    help = "Greetings: greet the contacts whose occasion and local hour have come (or, with --dry-run, count them)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        run = actions.add_parser("run", help="Greet the contacts due now")
        run.add_argument("--dry-run", action="store_true", help="Count who would be greeted; change nothing")
        run.add_argument("--at", type=_moment, help="Run as of this moment (ISO 8601; without an offset: local time)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = greetings.run(now=options.get("at"), dry_run=options["dry_run"])
        for key, count in sorted(report.greeted.items()):
            self.stdout.write(f"{key}\t{count}")
        for contact, why in sorted(report.failed.items()):
            self.stderr.write(f"{contact}\t{why}")
        if options["dry_run"]:
            self.stdout.write(_("Would greet %(count)d contacts.") % {"count": report.total})
        else:
            self.stdout.write(_("Greeted %(count)d contacts.") % {"count": report.total})
