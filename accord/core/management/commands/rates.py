"""``accord rates import FILE [--table A]``: load the National Bank of Poland's exchange rate tables.

Reads NBP's table files as published (XML such as a001z260102.xml, the yearly archive
archiwum_tab_a_2026.csv, a saved answer of its JSON API) into the exchange-rates table. Importing
a file twice changes nothing the second time; a file with a bad row stores nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accord.core import exchange_rates
from accord.core.exchange_rates import RatesFileError


class Command(BaseCommand):
    help = "Exchange rates: import the National Bank of Poland's tables (XML, yearly CSV archive or JSON API)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        load = actions.add_parser("import", help="Import an NBP table file (created or updated by currency and day)")
        load.add_argument("file")
        load.add_argument(
            "--table",
            type=str.upper,
            choices=exchange_rates.TABLES,
            help="The NBP table the file must be (A: daily, B: weekly); default: as the file says, else A",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options["file"], options["table"])

    def _import(self, path: str, table: str | None) -> None:
        try:
            result = exchange_rates.import_file(path, table=table)
        except RatesFileError as exc:
            raise CommandError(_("Nothing was imported: %(problem)s") % {"problem": exc}) from exc
        for line in exchange_rates.rows_summary(result):
            self.stdout.write(line)
