"""``accord portal invite CONTACT_ID_OR_EMAIL [--partner]``: give a contact access to the portal and
e-mail them an invitation with a sign-in link (as the contact page's button does); ``accord portal
list`` shows who has access."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accord.core.errors import message_dict
from accord.core.models import as_uuid
from accord.identity.models import PortalAccess, PortalKind
from accord.people.models import Contact
from accord.portal.services import invitations


class Command(BaseCommand):
    help = "The portal: invite a contact (invite), or show who has access (list)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        invite = actions.add_parser("invite", help="Invite a contact (by id or e-mail) to the portal")
        invite.add_argument("contact", help="The contact's id or primary e-mail address")
        invite.add_argument("--partner", action="store_true", help="As a partner (registers leads) not a customer")
        actions.add_parser("list", help="Show the portal users")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "invite":
            self._invite(options["contact"], PortalKind.PARTNER if options["partner"] else PortalKind.CUSTOMER)
        else:
            for row in PortalAccess.objects.select_related("user", "contact", "company").order_by("created_at"):
                state = _("active") if row.active else _("switched off")
                self.stdout.write(f"{row.user.email}\t{row.kind}\t{row.contact}\t{row.company or '-'}\t{state}")

    def _invite(self, key: str, kind: str) -> None:
        pk = as_uuid(key)
        found = Contact.objects.filter(pk=pk) if pk else Contact.objects.filter(primary_email__iexact=key.strip())
        contact = found.first()
        if contact is None:
            raise CommandError(_("No contact with this id or e-mail address."))
        try:
            portal = invitations.invite(actor=None, contact=contact, kind=kind)
        except ValidationError as exc:
            problems = "; ".join(p for ps in message_dict(exc).values() for p in ps)
            raise CommandError(problems) from None
        self.stdout.write(_("Invitation sent to %(email)s.") % {"email": portal.user.email})
