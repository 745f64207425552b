"""``accord bounce MESSAGE_ID REASON``: record a bounce reported by hand or by a mail filter (a
returned mail names our Message-ID)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.messaging.models import IllegalTransition
from accord.messaging.services import record_bounce


class Command(BaseCommand):
    help = "Record that a message bounced, by its Message-ID (or the SMS gateway's id)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("message_id")
        parser.add_argument("reason")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            message = record_bounce(message_id=options["message_id"], reason=options["reason"])
        except IllegalTransition as exc:
            raise CommandError(f"The message cannot bounce now: {exc}") from exc
        if message is None:
            raise CommandError(f"No message has the id {options['message_id']}.")
        self.stdout.write(f"{message.pk}: bounced")
