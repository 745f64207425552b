import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accord.core.errors import message_dict
from accord.identity import services
from accord.identity.models import ApiToken, User


class Command(BaseCommand):
    help = "Manage API tokens: `token create USERNAME` prints a new token (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for a user and print it")
        create.add_argument("username")
        create.add_argument("--name", default="API")
        create.add_argument(
            "--expires-days", type=int, default=None, help="Expire after this many days (default: never)"
        )
        listing = sub.add_parser("list", help="List a user's tokens")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix")
        revoke.add_argument("prefix")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is deactivated.")
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            days = options["expires_days"]
            try:
                _, raw = services.create_token(
                    user=self._user(options["username"]),
                    name=options["name"],
                    expires_in=datetime.timedelta(days=days) if days is not None else None,
                )
            except ValidationError as exc:
                problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in message_dict(exc).items())
                raise CommandError(problems) from exc
            self.stdout.write(raw)
        elif action == "list":
            for token in ApiToken.objects.filter(user=self._user(options["username"])):
                state = "revoked" if token.revoked_at else "active"
                self.stdout.write(f"{token.prefix}…  {token.name}  {state}  last used {token.last_used_at or 'never'}")
        elif action == "revoke":
            matches = list(ApiToken.objects.filter(prefix=options["prefix"]))
            if len(matches) != 1:
                raise CommandError("Give the 12-character prefix of exactly one token.")
            services.revoke_token(token=matches[0])
            self.stdout.write("Revoked.")
