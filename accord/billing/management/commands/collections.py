"""``accord collections run [--dry-run] [--date YYYY-MM-DD]``: take today's collection steps.

The worker runs the same every morning; this command runs it by hand, or with ``--dry-run`` only
prints what would be sent today (e-mails, SMS, letters, calls, hand-offs) and changes nothing.
"""

from __future__ import annotations

import datetime
import gc
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accord.billing.services import collections
from accord.core.money import format_money


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("Enter the date as YYYY-MM-DD.")) from None


class Command(BaseCommand):
    help = "Collections: take today's steps of the overdue-payment ladder (or, with --dry-run, list them)."
    # Django's system checks import every URL, view and API schema (a second of start-up); the
    # run needs none of them, and ``accord check`` and the server still run the checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        run = actions.add_parser("run", help="Take the steps due today")
        run.add_argument("--dry-run", action="store_true", help="Print what would be done; change nothing")
        run.add_argument("--date", type=_day, help="Run as of this day instead of today (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        # The run makes and drops objects by the hundred thousand; every full garbage collection
        # would walk the million objects start-up made (Django, the apps, the catalogues) again.
        # They live as long as the process: keep them out of the collections (a third of the
        # run's CPU time).
        gc.freeze()
        dry_run = options["dry_run"]
        shown = 0

        def show(step: collections.StepReport) -> None:
            """Print a step as soon as its chunk is decided (the report keeps none)."""
            nonlocal shown
            shown += 1
            marks = []
            if step.needs_approval:
                marks.append(_("needs approval"))
            if not dry_run and not step.taken:
                marks.append(_("already taken"))
            self.stdout.write(
                f"{step.customer}\t{step.position}\t{step.action}\t{format_money(step.owed, step.currency)}\t"
                + ", ".join(step.invoices)
                + (f"\t({'; '.join(str(m) for m in marks)})" if marks else "")
            )

        report = collections.run(today=options.get("date"), dry_run=dry_run, keep_steps=False, on_step=show)
        held = ", ".join(f"{name}: {count}" for name, count in sorted(report.held.items()))
        summary = (
            _("%(date)s. Customers with overdue invoices: %(customers)s. Steps to take: %(steps)s.")
            if report.dry_run
            else _("%(date)s. Customers with overdue invoices: %(customers)s. Steps taken: %(steps)s.")
        )
        self.stdout.write(
            summary
            % {
                "date": report.today.isoformat(),
                "customers": report.customers,
                "steps": shown if report.dry_run else report.taken,
            }
        )
        if held:
            self.stdout.write(_("Held back: %(held)s") % {"held": held})
        for error in report.errors:
            self.stderr.write(error)
        if report.errors:
            raise CommandError(
                _("Steps that failed: %(count)s; the others were taken.") % {"count": len(report.errors)}
            )
