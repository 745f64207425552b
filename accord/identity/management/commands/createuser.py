import getpass
import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.errors import message_dict
from accord.identity import services
from accord.identity.models import Role, Team


class Command(BaseCommand):
    help = "Create a user. The password comes from --password, $ACCORD_PASSWORD or a prompt."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--role",
            default=Role.SALES_REP,
            help="admin, manager, sales_rep, support_agent, marketer or read_only (default: sales_rep)",
        )
        parser.add_argument("--team", action="append", default=[], help="Team name (repeatable; created if new)")
        parser.add_argument("--password", default=None)
        parser.add_argument("--superuser", action="store_true", help="Also give access to the Django admin")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get("ACCORD_PASSWORD")
        if not password:
            if not sys.stdin.isatty():
                raise CommandError("No password: pass --password or set ACCORD_PASSWORD.")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        teams = []
        for name in options["team"]:
            team = Team.objects.filter(name=name).first() or services.create_team(actor=None, name=name)
            teams.append(team)
        try:
            user = services.create_user(
                actor=None,
                username=options["username"],
                password=password,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                role_code=options["role"],
                teams=teams,
                is_superuser=options["superuser"],
            )
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in message_dict(exc).items())
            raise CommandError(problems) from exc
        self.stdout.write(f"Created {user.username} ({user.role.name}).")
