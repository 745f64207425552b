"""``accord mailboxes poll [--name N]`` and ``accord mailboxes list``.

``poll`` does by hand what the worker does every minute: it reads the new mail of every active
mailbox (or of the one named, active or not) and prints what each brought. ``list`` shows every
mailbox with its server, folder, queue, when it was last read and its last error.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accord.service.selectors.tickets import mailboxes as all_mailboxes
from accord.service.services import mailboxes


class Command(BaseCommand):
    help = "Mailboxes: read their new mail into tickets (poll), or show them (list)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        run = actions.add_parser("poll", help="Read the new mail of the active mailboxes (or of one)")
        run.add_argument("--name", help="Only the mailbox with this name")
        run.add_argument("--limit", type=int, default=200, help="At most this many messages per mailbox")
        actions.add_parser("list", help="Show the mailboxes with their server, queue and last read")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "poll":
            self._poll(options.get("name"), options["limit"])
        else:
            self._list()

    def _poll(self, name: str | None, limit: int) -> None:
        if name:
            chosen = list(all_mailboxes().filter(name=name))
            if not chosen:
                raise CommandError(_("No mailbox is called %(name)s.") % {"name": name})
            results = {box.name: mailboxes.poll(box, limit=limit) for box in chosen}
        else:
            results = mailboxes.poll_all(limit=limit)
        if not results:
            self.stdout.write(_("No active mailboxes."))
        failed = False
        for box_name, result in results.items():
            line = _("%(name)s: %(taken)d filed, %(left)d left alone.") % {
                "name": box_name,
                "taken": result.taken,
                "left": result.left_alone,
            }
            if result.error:
                failed = True
                line = f"{line} {result.error}"
            self.stdout.write(line)
        if failed:
            raise CommandError(_("Some mailboxes could not be read."))

    def _list(self) -> None:
        headers = [_("Name"), _("Server"), _("Folder"), _("Queue"), _("Active"), _("Last read"), _("Last error")]
        self.stdout.write("\t".join(str(h) for h in headers))
        count = 0
        for box in all_mailboxes():
            count += 1
            security = "ssl" if box.use_ssl else "starttls/plain"
            self.stdout.write(
                "\t".join(
                    [
                        box.name,
                        f"{box.username}@{box.host}:{box.port} ({security})",
                        box.folder,
                        box.queue.name,
                        _("yes") if box.active else _("no"),
                        box.last_polled_at.isoformat(timespec="seconds") if box.last_polled_at else "-",
                        box.last_error or "-",
                    ]
                )
            )
        if not count:
            self.stdout.write(_("No mailboxes yet."))
