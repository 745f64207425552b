"""``accord send_messages``: send the outbox's due messages now and exit (the worker's sweep does
the same every minute). Safe beside running workers: each message is claimed before it is sent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from accord.messaging.services.delivery import deliver_due


class Command(BaseCommand):
    help = "Send the messages that are due, then exit."
    # Like the worker: no system checks (a second and a half of loading every URL and API schema
    # before the first message, and on SQLite a check that waits for another writer's lock).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=100_000, help="Send at most this many")

    def handle(self, *args: Any, **options: Any) -> None:
        tried = deliver_due(limit=options["limit"])
        if options["verbosity"] > 0:
            self.stdout.write(f"{tried} message(s) tried.")
