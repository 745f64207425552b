"""``accord export contacts|companies``: the UI's export, from the command line.

The columns are the UI's and the import's (an export re-imports cleanly). Headers are the machine
keys ("first_name") unless ``--headers labels`` asks for what people read ("First name", in
``--language``); the import accepts both. Records are those the ``--as`` user may see and export,
or every record when the system exports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from accord.core import access, exports, listing
from accord.core.errors import message_dict
from accord.identity.models import User
from accord.people import selectors

PAGE_SIZE = 1000
# Parameters of a list page that mean nothing to an export (it always reads the whole list).
PAGING = ("cursor", "before", "limit")


@dataclass(frozen=True)
class _Kind:
    spec: listing.ListSpec[Any]
    columns: Callable[[], list[exports.Column]]
    rows: Callable[[Any, listing.ListQuery], Iterator[Any]]


KINDS = {
    "contacts": _Kind(selectors.CONTACT_LIST, selectors.contact_columns, selectors.contacts_for_export),
    "companies": _Kind(selectors.COMPANY_LIST, selectors.company_columns, selectors.companies_for_export),
}


class Command(BaseCommand):
    help = (
        "Export contacts or companies as CSV (to standard output unless -o), CSV for Excel (semicolons, byte "
        "order mark) or XLSX (-o required), with the list's filters, e.g. --filter tag=vip "
        "--filter created_after=2026-01-01."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument(
            "--format", choices=list(exports.FORMATS), help="Default: xlsx for an -o FILE.xlsx, else csv"
        )
        parser.add_argument(
            "--headers",
            choices=["keys", "labels"],
            default="keys",
            help="keys (first_name; the default) or labels (First name, in --language)",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of labels",
        )
        parser.add_argument("-o", "--output", metavar="FILE")
        parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="Export what this user may see")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="A list filter (repeatable; the same name twice means either value); q=TEXT searches",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = KINDS[options["kind"]]
        output: str | None = options["output"]
        fmt = options["format"] or ("xlsx" if output and Path(output).suffix.lower() == ".xlsx" else "csv")
        if fmt == "xlsx" and not output:
            raise CommandError(_("An XLSX export needs a file: add -o FILE.xlsx."))
        query = _query(kind.spec, options["filter"])
        rows = _rows(kind, _user(options["as_user"]) if options["as_user"] else None, query)
        columns = kind.columns()
        human = options["headers"] == "labels"
        with translation.override(options["language"]):
            if output is None:
                self._to_stdout(columns, rows, excel=fmt == exports.CSV_EXCEL, human=human)
                return
            with Path(output).open("wb") as out:
                count = exports.write(fmt, columns, rows, out, human=human)
        self.stdout.write(
            _("%(count)d %(kind)s exported to %(file)s.") % {"count": count, "kind": options["kind"], "file": output}
        )

    def _to_stdout(self, columns: Sequence[exports.Column], rows: Iterator[Any], *, excel: bool, human: bool) -> None:
        """Bytes straight to a real standard output; text to a captured one (tests, call_command)."""
        binary: IO[bytes] | None = getattr(self.stdout, "buffer", None)
        if binary is not None:
            self.stdout.flush()
            exports.write_csv(columns, rows, binary, excel=excel, human=human)
            binary.flush()
            return
        for chunk in exports.csv_stream(columns, rows, excel=excel, human=human):
            self.stdout.write(chunk.decode(), ending="")


def _user(username: str) -> User:
    try:
        return User.objects.select_related("role").get(username=username)
    except User.DoesNotExist as exc:
        raise CommandError(_("No user named %(name)s.") % {"name": username}) from exc


def _query(spec: listing.ListSpec[Any], items: Sequence[str]) -> listing.ListQuery:
    """``--filter`` values parsed like the API's query string: unknown names are an error."""
    params: dict[str, list[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CommandError(_("Write a filter as name=value, not %(item)s.") % {"item": item})
        params.setdefault(name.strip(), []).append(value.strip())
    problems = {name: [_("Not a filter of an export.")] for name in params if name in PAGING}
    try:
        query = listing.parse(spec, {k: v for k, v in params.items() if k not in PAGING}, strict=True)
    except ValidationError as exc:
        problems.update(message_dict(exc))
    if problems:
        raise CommandError(
            "\n".join(f"--filter {name}: {message}" for name, messages in problems.items() for message in messages)
        )
    return query


def _rows(kind: _Kind, user: User | None, query: listing.ListQuery) -> Iterator[Any]:
    try:
        return kind.rows(user, query)
    except access.AccessDenied as exc:
        raise CommandError(_("%(user)s may not export.") % {"user": user.username if user else ""}) from exc
