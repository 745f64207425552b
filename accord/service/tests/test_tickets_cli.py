"""``accord tickets``: ``list`` by the ticket list's filters, ``show`` a ticket with its SLA and
conversation, ``sla-check`` printing how many were warned and how many breached."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accord.service.models import SlaPolicy, Ticket
from accord.service.services import tickets

pytestmark = pytest.mark.django_db


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command("tickets", *args, stdout=out)
    return out.getvalue()


def test_list_show_and_sla_check(support: Any, make_contact: Any, owner: Any) -> None:
    SlaPolicy.objects.create(name="Fast", first_response_minutes=60, resolution_minutes=240, warn_before_minutes=15)
    anna = make_contact(owner, first_name="Anna", last_name="Nowak")
    printer = tickets.create_ticket(actor=support, contact=anna, subject="Printer broken", body="It blinks red.")
    invoice = tickets.create_ticket(actor=support, contact=anna, subject="Invoice question", body="Why twice?")
    tickets.reply(actor=support, ticket=invoice, body="Fixed.", internal=True, status="resolved")

    rows = [line.split("\t") for line in _call("list").splitlines()]
    assert rows[0] == ["Number", "Status", "Priority", "Queue", "Assignee", "Customer", "Subject"]
    assert [r[0] for r in rows[1:]] == [str(invoice.number), str(printer.number)]
    open_rows = [line.split("\t") for line in _call("list", "--open").splitlines()[1:]]
    assert open_rows == [[str(printer.number), "New", "Normal", "Support", "-", "Anna Nowak", "Printer broken"]]
    assert _call("list", "--filter", "status=closed").splitlines()[1] == "No tickets."
    assert len(_call("list", "-q", "invoice", "--sort", "number").splitlines()) == 2
    with pytest.raises(CommandError, match="status"):
        _call("list", "--status", "sleeping")
    with pytest.raises(CommandError):
        _call("list", "--filter", "nonsense")

    shown = _call("show", str(invoice.number))
    assert f"#{invoice.number} Invoice question" in shown
    assert "Status: Resolved" in shown
    assert "SLA policy: Fast" in shown
    assert "Why twice?" in shown
    assert "Fixed." in shown
    with pytest.raises(CommandError, match="No ticket"):
        _call("show", "999999")

    now = timezone.now()
    # The printer's first response due in ten minutes: inside the warning's quarter of an hour.
    Ticket.objects.filter(pk=printer.pk).update(
        first_response_due=now + datetime.timedelta(minutes=10), sla_next_check=now - datetime.timedelta(minutes=5)
    )
    assert _call("sla-check") == "Warned: 1.\nBreached: 0.\n"
    # Then missed.
    Ticket.objects.filter(pk=printer.pk).update(
        first_response_due=now - datetime.timedelta(minutes=1), sla_next_check=now - datetime.timedelta(minutes=1)
    )
    assert _call("sla-check") == "Warned: 0.\nBreached: 1.\n"
    assert Ticket.objects.get(pk=printer.pk).first_response_breached
    assert _call("sla-check") == "Warned: 0.\nBreached: 0.\n"
    with pytest.raises(CommandError):
        call_command("tickets", "dance")
