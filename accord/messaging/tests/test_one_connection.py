"""A worker's run of e-mails goes over one connection to the mail server; a refused one does not
stop the others."""

from __future__ import annotations

from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from accord.messaging.models import Message
from accord.messaging.services import Outgoing, queue_many
from accord.messaging.services.delivery import deliver_due
from accord.messaging.tests.conftest import Inbox, free_port, smtp_settings

pytestmark = pytest.mark.django_db


class CountingInbox(Inbox):
    """Counts the connections (greetings) and refuses the recipients it is told to."""

    def __init__(self, refuse: set[str] | None = None) -> None:
        super().__init__()
        self.connections = 0
        self.refuse = refuse or set()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.refuse:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _queue(n: int) -> None:
    with transaction.atomic():
        queue_many(
            actor=None,
            items=[Outgoing("email", f"client{i}@example.com", f"Statement {i}", f"one:{i}") for i in range(n)],
        )


def _serve(inbox: CountingInbox) -> Any:
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def test_a_run_of_emails_shares_one_connection() -> None:
    inbox = CountingInbox()
    controller, port = _serve(inbox)
    try:
        _queue(5)
        with smtp_settings(port):
            assert deliver_due(limit=10) == 5
    finally:
        controller.stop()
    assert len(inbox.messages) == 5
    assert inbox.connections == 1
    assert set(Message.objects.values_list("state", flat=True)) == {"sent"}


def test_a_refused_email_does_not_stop_the_others() -> None:
    inbox = CountingInbox(refuse={"client1@example.com"})
    controller, port = _serve(inbox)
    try:
        _queue(4)
        with smtp_settings(port):
            assert deliver_due(limit=10) == 4
    finally:
        controller.stop()
    states = dict(Message.objects.values_list("to_address", "state"))
    assert states.pop("client1@example.com") in ("queued", "failed")  # retried later, or refused for good
    assert set(states.values()) == {"sent"}
    assert len(inbox.messages) == 3
