"""``accord tickets list``, ``accord tickets show NUMBER`` and ``accord tickets sla-check``.

``list`` prints the tickets by the ticket list's own filters (``--status``, ``--queue``,
``--open``, ``--assignee``...; ``--filter name=value`` for any other) as the whole installation
sees them; ``show`` prints one ticket with its SLA state and conversation; ``sla-check`` does by
hand what the worker does every minute: it warns of targets coming due, records the ones missed
and prints how many of each.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict
from django.utils.translation import gettext as _

from accord.core.errors import message_dict
from accord.core.listing import apply, paginate
from accord.service.models import Ticket
from accord.service.selectors import tickets as selectors
from accord.service.services import sla


def _when(value: Any) -> str:
    return value.isoformat(timespec="minutes") if value else "-"


class Command(BaseCommand):
    help = "Tickets: list them (list), show one with its conversation (show), run the SLA check (sla-check)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listing = actions.add_parser("list", help="Show tickets by the ticket list's filters")
        listing.add_argument("--status", help="new, open, waiting, resolved or closed (comma-separated: any)")
        listing.add_argument("--open", action="store_true", help="Only tickets still to be worked on")
        listing.add_argument("--queue", help="A queue's id")
        listing.add_argument("--assignee", help="A user's id, or none")
        listing.add_argument("--priority", help="low, normal, high or urgent")
        listing.add_argument("--filter", action="append", default=[], help="Any list filter as name=value")
        listing.add_argument("--sort", default="-number", help="A sort of the list; - for descending")
        listing.add_argument("--limit", type=int, default=50, help="How many (at most 1,000)")
        listing.add_argument("-q", "--search", default="", help="Text or a ticket number")
        show = actions.add_parser("show", help="Show a ticket, its SLA state and its conversation")
        show.add_argument("number", type=int)
        actions.add_parser("sla-check", help="Warn of SLA targets coming due and record the ones missed")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            self._list(options)
        elif options["action"] == "show":
            self._show(options["number"])
        else:
            result = sla.check()
            self.stdout.write(_("Warned: %(count)d.") % {"count": result.warned})
            self.stdout.write(_("Breached: %(count)d.") % {"count": result.breached})

    def _list(self, options: dict[str, Any]) -> None:
        params = QueryDict(mutable=True)
        for name in ("status", "queue", "assignee", "priority"):
            if options[name]:
                params[name] = options[name]
        if options["open"]:
            params["open"] = "true"
        for item in options["filter"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(_("Give a filter as name=value: %(item)s") % {"item": item})
            params.appendlist(name.strip(), value.strip())
        params["sort"] = options["sort"]
        params["limit"] = str(max(1, min(1000, options["limit"])))
        if options["search"]:
            params["q"] = options["search"]
        try:
            query = selectors.ticket_query(params, strict=True)
        except ValidationError as exc:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in message_dict(exc).items())
            raise CommandError(problems) from exc
        # The whole installation, as the worker sees it: the command runs as no one.
        rows = Ticket.objects.select_related("queue", "assignee", "contact")
        page = paginate(selectors.TICKET_LIST, query, apply(selectors.TICKET_LIST, query, rows))
        headers = [_("Number"), _("Status"), _("Priority"), _("Queue"), _("Assignee"), _("Customer"), _("Subject")]
        self.stdout.write("\t".join(str(h) for h in headers))
        for ticket in page.items:
            self.stdout.write(
                "\t".join(
                    [
                        str(ticket.number),
                        str(ticket.get_status_display()),
                        str(ticket.get_priority_display()),
                        ticket.queue.name,
                        ticket.assignee.username if ticket.assignee else "-",
                        ticket.contact.full_name,
                        ticket.subject,
                    ]
                )
            )
        if not page.items:
            self.stdout.write(_("No tickets."))

    def _show(self, number: int) -> None:
        ticket = (
            Ticket.objects.select_related("queue", "assignee", "contact", "company", "sla_policy")
            .filter(number=number)
            .first()
        )
        if ticket is None:
            raise CommandError(_("No ticket #%(number)s.") % {"number": number})
        self.stdout.write(f"#{ticket.number} {ticket.subject}")
        self.stdout.write(_("Status: %(value)s") % {"value": ticket.get_status_display()})
        self.stdout.write(_("Priority: %(value)s") % {"value": ticket.get_priority_display()})
        self.stdout.write(_("Queue: %(value)s") % {"value": ticket.queue.name})
        self.stdout.write(_("Assignee: %(value)s") % {"value": ticket.assignee.username if ticket.assignee else "-"})
        customer = ticket.contact.full_name + (f" ({ticket.company.name})" if ticket.company else "")
        self.stdout.write(_("Customer: %(value)s") % {"value": customer})
        state = selectors.sla_state(ticket)
        if state["policy"] is not None:
            self.stdout.write(_("SLA policy: %(value)s") % {"value": state["policy"].name})
        for row in state["rows"]:
            self.stdout.write(
                _("SLA %(target)s: due %(due)s, %(state)s")
                % {"target": sla.target_label(row["target"]), "due": _when(row["due"]), "state": row["state"]}
            )
        for message in selectors.conversation(ticket):
            self.stdout.write("")
            self.stdout.write(f"[{_when(message.created_at)}] {message.get_kind_display()}")
            self.stdout.write(message.body)
