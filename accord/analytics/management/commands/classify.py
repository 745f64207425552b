"""``accord classify``: classify the customers by RFM and ABC and estimate their lifetime value and
churn risk now, with a progress bar over both (the nightly task does the same at 01:35)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accord.analytics.models import FitOutcome
from accord.analytics.services import classification

BAR_WIDTH = 30


def _day(raw: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise CommandError(_("--as-of: enter a date as YYYY-MM-DD.")) from exc


class Command(BaseCommand):
    help = (
        "Classify every customer with an order in the last twelve months by RFM (scores and segment) and ABC "
        "(by revenue and by margin), then fit the lifetime models (BG/NBD, Gamma-Gamma) and score every customer "
        "(P(alive), expected purchases, CLV, churn risk), replacing the previous figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="The day the twelve months end (default: today)")
        parser.add_argument("--quiet", action="store_true", help="No progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _day(options["as_of"]) if options["as_of"] else None
        tty = self.stdout.isatty()  # a terminal: one bar redrawn; a log: a line a step

        def progress(done: int, total: int) -> None:
            if options["quiet"]:
                return
            filled = BAR_WIDTH * done // total
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            line = f"[{bar}] {done}/{total}"
            if tty:
                self.stdout.write(f"\r{line}", ending="\n" if done == total else "")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        result = classification.classify(as_of=as_of, progress=progress)
        self.stdout.write(
            _("Classified as of %(day)s: contacts %(contacts)s, companies %(companies)s, in %(seconds).1f s.")
            % {
                "contacts": result.contacts,
                "companies": result.companies,
                "day": result.as_of.isoformat(),
                "seconds": result.seconds,
            }
        )
        values = result.lifetime_result
        if values is None:
            return
        if values.outcome == FitOutcome.FITTED:
            self.stdout.write(
                _("Lifetime values: %(customers)s customers, %(repeat)s of them repeat buyers.")
                % {"customers": values.customers, "repeat": values.repeat_customers}
            )
        else:
            self.stdout.write(
                _("Lifetime values: none (%(outcome)s; %(customers)s customers, %(repeat)s of them repeat buyers).")
                % {
                    "outcome": FitOutcome(values.outcome).label,
                    "customers": values.customers,
                    "repeat": values.repeat_customers,
                }
            )
