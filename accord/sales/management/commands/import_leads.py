"""``accord import_leads FILE``: load leads from a CSV or XLSX file (see accord.sales.importing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.identity.models import User
from accord.people import importing as tables
from accord.sales import importing


class Command(BaseCommand):
    help = (
        "Import leads from a CSV (comma or semicolon, UTF-8) or XLSX file. A row whose external id or e-mail "
        "matches a lead not yet converted updates it; the others are created. Without --partial nothing is "
        "written if any row fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--owner", metavar="USERNAME", help="Owner of new leads whose row names none")
        parser.add_argument("--partial", action="store_true", help="Write the good rows even if some fail")
        parser.add_argument("--dry-run", action="store_true", help="Check everything, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = None
        if options["owner"]:
            owner = User.objects.filter(username=options["owner"], is_active=True).first()
            if owner is None:
                raise CommandError(_("No user named %(name)s.") % {"name": options["owner"]})
        try:
            with tables.open_table(options["file"]) as table:
                mapping, ignored = importing.map_headers(table.headers)
                if owner is None and "owner" not in mapping.values():
                    raise CommandError(_("The file has no owner column: name the owner of new records with --owner."))
                if ignored:
                    self.stdout.write(_("Ignored columns: %(names)s") % {"names": ", ".join(ignored)})
                report = importing.import_leads(
                    table, mapping, owner=owner, partial=options["partial"], dry_run=options["dry_run"]
                )
        except tables.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_("Rows read: %(count)d") % {"count": report.read})
        self.stdout.write(_("Created: %(count)d") % {"count": report.created})
        self.stdout.write(_("Updated: %(count)d") % {"count": report.updated})
        self.stdout.write(_("Failed: %(count)d") % {"count": report.failed})
        for error in report.errors:
            self.stderr.write(str(error))
        if report.dry_run:
            self.stdout.write(_("Dry run: nothing was written."))
        if report.failed and not report.partial and not report.dry_run:
            raise CommandError(
                ngettext(
                    "Nothing was written: %(count)d row failed. Fix it, or use --partial to import the good rows.",
                    "Nothing was written: %(count)d rows failed. Fix them, or use --partial to import the good rows.",
                    report.failed,
                )
                % {"count": report.failed}
            )
