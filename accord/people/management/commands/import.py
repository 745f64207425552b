"""``accord import contacts|companies FILE``: load a CSV or XLSX file (see accord.people.importing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.identity.models import User
from accord.people import importing


class Command(BaseCommand):
    help = (
        "Import contacts or companies from a CSV (comma or semicolon, UTF-8) or XLSX file. Rows matching an "
        "existing record (external id, e-mail; for companies NIP, VAT id, name) update it; the others are created. "
        "Without --partial nothing is written if any row fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=importing.KINDS)
        parser.add_argument("file")
        parser.add_argument("--owner", metavar="USERNAME", help="Owner of new records whose row names none")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help="Feed a column to a field (repeatable); HEADER= ignores the column",
        )
        parser.add_argument("--partial", action="store_true", help="Write the good rows even if some fail")
        parser.add_argument("--dry-run", action="store_true", help="Check everything, write nothing")
        parser.add_argument(
            "--no-create-companies", action="store_true", help="A contact's unknown company is an error"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind: importing.Kind = options["kind"]
        owner = _user(options["owner"]) if options["owner"] else None
        try:
            overrides = importing.parse_overrides(options["map"])
            with importing.open_table(options["file"]) as table:
                columns = importing.map_headers(kind, table.headers, overrides)
                if owner is None and not columns.maps_to("owner"):
                    raise CommandError(_("The file has no owner column: name the owner of new records with --owner."))
                if columns.ignored:
                    self.stdout.write(_("Ignored columns: %(names)s") % {"names": ", ".join(columns.ignored)})
                report = importing.import_rows(
                    kind,
                    columns.apply(table),
                    owner=owner,
                    partial=options["partial"],
                    dry_run=options["dry_run"],
                    create_companies=not options["no_create_companies"],
                )
        except (importing.ImportFileError, importing.MappingError) as exc:
            raise CommandError(str(exc)) from exc
        self._report(report)

    def _report(self, report: importing.ImportReport) -> None:
        for line in report.summary_lines():
            self.stdout.write(line)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        if report.failed and not report.partial:
            if report.dry_run:
                raise CommandError(
                    ngettext("%(count)d row would fail.", "%(count)d rows would fail.", report.failed)
                    % {"count": report.failed}
                )
            raise CommandError(
                ngettext(
                    "Nothing was written: %(count)d row failed. Fix it, or use --partial to import the good rows.",
                    "Nothing was written: %(count)d rows failed. Fix them, or use --partial to import the good rows.",
                    report.failed,
                )
                % {"count": report.failed}
            )


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise CommandError(_("No user named %(name)s.") % {"name": username}) from exc
