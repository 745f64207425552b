"""Fixtures of the outbox's tests: a customer, and a real SMTP server (aiosmtpd) on this machine."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def smtp_settings(port: int) -> Any:
    return override_settings(
        MAILERS={
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
            }
        }
    )


@pytest.fixture
def customer(owner: Any, make_company: Any, make_contact: Any) -> tuple[Any, Any]:
    company = make_company(owner, name="Vinuri Ionescu SRL", preferred_language="ro")
    contact = make_contact(
        owner,
        first_name="Zofia",
        last_name="Gęślak",
        emails=[{"email": "zofia@zolta.example"}],
        preferred_language="pl",
    )
    return company, contact


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    """A real SMTP server the default mailer points at while the test runs."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with smtp_settings(port):
            yield inbox
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _message_templates(request: pytest.FixtureRequest) -> None:
    """A test that flushed the database (the killed-worker test on PostgreSQL) took the seeded
    templates with it; put them back for the tests that read them."""
    if "db" in request.fixturenames:
        from accord.messaging.defaults import ensure_defaults

        request.getfixturevalue("db")
        ensure_defaults()
