"""The ticket list: its columns, export, saved views and bulk changes (see core/lists.py).

Many tickets at once get a status, a priority, a queue or an agent (a morning's spam resolved, a
sick colleague's tickets handed on) through the same ``update_ticket`` as one ticket's page, so the
SLA clocks, the collections pause and the timeline follow each as they would one by one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.core.lists import Column, EditableField, ListScreen, register
from accord.identity.models import User
from accord.service.models import Queue, TicketPriority, TicketStatus
from accord.service.selectors import tickets
from accord.service.services import tickets as ticket_services


def _status() -> forms.Field:
    return forms.ChoiceField(choices=[("", "—"), *TicketStatus.choices])


def _priority() -> forms.Field:
    return forms.ChoiceField(choices=[("", "—"), *TicketPriority.choices])


def _queue() -> forms.Field:
    return forms.ModelChoiceField(queryset=Queue.objects.filter(active=True).order_by("name"), empty_label="—")


def _assignee() -> forms.Field:
    # Blank leaves the tickets unassigned; whom an actor may hand tickets to is the service's to say.
    return forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name", "username"),
        required=False,
        empty_label=str(_("Unassigned")),
    )


def _update(actor: Any, ticket: Any, data: dict[str, Any]) -> Any:
    return ticket_services.update_ticket(actor=actor, ticket=ticket, data=data)


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
        fields=[
            EditableField("status", _("Status"), _status),
            EditableField("priority", _("Priority"), _priority),
            EditableField("queue", _("Queue"), _queue),
            EditableField("assignee", _("Assignee"), _assignee),
        ],
        update=_update,
    )
)
