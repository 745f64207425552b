"""The ticket list: its columns, export and saved views (see core/lists.py). No bulk changes yet:
a ticket changes on its page, where the conversation is in sight."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accord.core.lists import Column, ListScreen, register
from accord.service.selectors import tickets

TICKETS = register(
    ListScreen(
        key="ticket",
        spec=tickets.TICKET_LIST,
        title=_("tickets"),
        list_url="service:ticket-list",
        export_url="service:ticket-export",
        detail_url="service:ticket-detail",
        columns=[
            Column("ticket", _("Ticket"), fixed=True),
            Column("customer", _("Customer")),
            Column("status", _("Status")),
            Column("priority", _("Priority")),
            Column("queue", _("Queue"), default=False),
            Column("assignee", _("Assignee")),
            Column("due", _("Due")),
            Column("updated", _("Updated"), default=False),
            Column("channel", _("Channel"), default=False),
        ],
        visible=tickets.visible_tickets,
        describe=lambda ticket: str(ticket),
    )
)
