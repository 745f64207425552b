"""``accord import KIND FILE``: load contacts, companies or leads from a CSV or XLSX file.

The kinds are those the apps register (core.importers); rows go through the same importer as on
the import screens, so both accept and refuse the same files with the same messages.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.core import access, dryrun, importers
from accord.core.access import AccessDenied
from accord.core.importers import ImportReport, MappingError
from accord.core.tables import UTF8, ImportFileError, encoding_code, encoding_label, open_table

DELIMITER_NAMES = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t"}


class Command(BaseCommand):
    help = (
        "Import contacts, companies or leads from a CSV or XLSX file. A CSV file's encoding (UTF-8, Windows-1250, "
        "-1257, -1251, ISO-8859-2) and separator (comma, semicolon, tab) are detected unless given. Rows matching "
        "an existing record (external id, e-mail; for companies NIP, VAT id, name) update it; the others are "
        "created. Without --partial nothing is written if any row fails."
    )
    kind: str | None = None  # a command for one kind (import_leads) takes no KIND argument

    def add_arguments(self, parser: CommandParser) -> None:
        if self.kind is None:
            parser.add_argument("kind", choices=[i.name for i in importers.all_importers()])
        parser.add_argument("file")
        parser.add_argument("--owner", metavar="USERNAME", help="Owner of new records whose row names none")
        parser.add_argument(
            "--as",
            dest="as_user",
            metavar="USERNAME",
            help="Import as this user: only records they can see are matched, as on the import screen",
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help="Feed a column to a field (repeatable); HEADER= ignores the column",
        )
        parser.add_argument("--encoding", help="The CSV file's encoding, e.g. windows-1250 (default: detected)")
        parser.add_argument(
            "--delimiter", choices=sorted(DELIMITER_NAMES), help="The CSV file's separator (default: detected)"
        )
        parser.add_argument("--partial", action="store_true", help="Write the good rows even if some fail")
        parser.add_argument("--dry-run", action="store_true", help="Check everything, write nothing")
        parser.add_argument(
            "--no-create-companies", action="store_true", help="A contact's unknown company is an error"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        importer = importers.get(self.kind or options["kind"])
        assert importer is not None  # argparse checked the choice
        actor = _user(options["as_user"]) if options["as_user"] else None
        if actor is not None:
            try:
                access.require_create(actor)  # importing creates records, as on the screens
            except AccessDenied as exc:
                raise CommandError(_("%(user)s may not create records.") % {"user": actor.username}) from exc
        owner = _user(options["owner"]) if options["owner"] else actor
        run_options: dict[str, Any] = {}
        if options["no_create_companies"]:
            if "create_companies" not in importer.options:
                raise CommandError(_("--no-create-companies is for contacts only."))
            run_options["create_companies"] = False
        try:
            encoding = encoding_code(options["encoding"]) if options["encoding"] else None
            overrides = importers.parse_overrides(options["map"])
            delimiter = DELIMITER_NAMES[options["delimiter"]] if options["delimiter"] else None
            with (
                dryrun.isolated() if options["dry_run"] else contextlib.nullcontext(),
                open_table(options["file"], encoding=encoding, delimiter=delimiter) as table,
            ):
                mapping = importer.propose(table.headers, overrides)
                if owner is None and "owner" not in mapping.values():
                    raise CommandError(_("The file has no owner column: name the owner of new records with --owner."))
                if table.encoding not in (None, UTF8) and not encoding:
                    self.stdout.write(_("Read as %(encoding)s.") % {"encoding": encoding_label(table.encoding)})
                if ignored := [header for header, name in mapping.items() if not name]:
                    self.stdout.write(_("Ignored columns: %(names)s") % {"names": ", ".join(ignored)})
                report = importer.run(
                    table,
                    mapping,
                    actor=actor,
                    owner=owner,
                    partial=options["partial"],
                    dry_run=options["dry_run"],
                    source=Path(options["file"]).name,
                    **run_options,
                )
        except (ImportFileError, MappingError) as exc:
            raise CommandError(str(exc)) from exc
        self._report(report, importer)

    def _report(self, report: ImportReport, importer: importers.Importer) -> None:
        for line in report.summary_lines(importer.extra_labels):
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


def _user(username: str) -> Any:
    # The user model by name (AUTH_USER_MODEL): core sits below identity and imports none of it.
    User = get_user_model()
    try:
        return User.objects.select_related("role").get(username=username)
    except User.DoesNotExist as exc:
        raise CommandError(_("No user named %(name)s.") % {"name": username}) from exc
