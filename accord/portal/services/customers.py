"""What a customer does in the portal: open a ticket and write in it, accept a quote, keep their
own details and consents, take a copy of their data. The portal user acts on their own records
only (the caller found them through the portal's selectors); the owning apps' services do the rest
as for any other channel, with the system as the actor and the customer named in the record."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.activities.models import Interaction
from accord.billing.models import Invoice
from accord.identity.models import PortalAccess
from accord.marketing.models import ConsentChannel, ConsentMethod, ConsentPurpose, ConsentState
from accord.marketing.selectors.consent import consent_grid
from accord.marketing.services import consent as consents
from accord.people import services as people
from accord.portal import selectors
from accord.sales.models import Quote
from accord.sales.services import quotes as quote_services
from accord.service.models import Ticket, TicketChannel, TicketMessage
from accord.service.services import tickets as ticket_services


def open_ticket(*, access: PortalAccess, subject: str, body: str) -> Ticket:
    """A new ticket from the customer, in their company's name, as the portal channel."""
    return ticket_services.create_ticket(
        actor=None,
        contact=access.contact,
        company=access.company,
        subject=subject,
        body=body,
        channel=TicketChannel.PORTAL,
    )


def write(*, access: PortalAccess, ticket: Ticket, body: str) -> TicketMessage:
    """The customer writes again in one of their tickets (a closed one is followed up by a new one)."""
    selectors.ticket(access, ticket.pk)  # theirs, or Http404
    return ticket_services.add_customer_message(
        ticket=ticket, body=body, channel=TicketChannel.PORTAL, contact=access.contact
    )


def accept_quote(*, access: PortalAccess, quote: Quote, version: int | None = None) -> Quote:
    """The customer accepts a quote sent to them; the deal follows it as when a rep records it."""
    selectors.quote(access, quote.pk)
    return quote_services.accept(
        actor=None,
        quote=quote,
        note=_("Accepted online by %(name)s") % {"name": access.contact},
        expected_version=version,
    )


def update_details(
    *, access: PortalAccess, first_name: str, last_name: str, email: str, phone: str, version: int | None = None
) -> Any:
    """The customer corrects their own name, e-mail and phone. The new e-mail or phone takes the
    place of the first one; the contact's other addresses and numbers stay."""
    contact = access.contact
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not (first_name or last_name):
        raise ValidationError({"last_name": [_("Give your name.")]})
    data: dict[str, Any] = {"first_name": first_name, "last_name": last_name}
    email = (email or "").strip().lower()
    if email and email != contact.primary_email:
        kept = contact.emails.order_by("position").exclude(email__in=[email, contact.primary_email])
        data["emails"] = [{"email": email}, *kept.values("email", "label")]
    phone = (phone or "").strip()
    if phone and phone != contact.primary_phone:
        others = contact.phones.order_by("position").exclude(number=contact.primary_phone)
        data["phones"] = [{"number": phone}, *others.values("number", "label")]
    return people.update_contact(actor=None, contact=contact, data=people.contact_data(data), expected_version=version)


def consent_text(channel: str, purpose: str) -> str:
    """The words a customer agrees to when ticking a consent in the portal (kept as its proof)."""
    return _("I agree to receive %(purpose)s by %(channel)s.") % {
        "purpose": str(ConsentPurpose(purpose).label).lower(),
        "channel": str(ConsentChannel(channel).label).lower(),
    }


def consent_choices(access: PortalAccess) -> list[Any]:
    """The contact's consents for every channel and purpose, as the portal shows them."""
    return consent_grid(access.contact)


def set_consents(*, access: PortalAccess, granted: set[tuple[str, str]], address: str | None = None) -> int:
    """Make the contact's consents those in ``granted`` ((channel, purpose) pairs): each one newly
    ticked is given with the portal's text as proof, each one unticked is withdrawn. Returns how
    many changed."""
    changed = 0
    for cell in consent_grid(access.contact):
        key = (cell.channel, cell.purpose)
        on = cell.state in (ConsentState.GRANTED, ConsentState.PENDING)
        if key in granted and not on:
            consents.give(
                actor=None,
                contact=access.contact,
                channel=cell.channel,
                purpose=cell.purpose,
                proof=consents.Proof(
                    method=ConsentMethod.PORTAL, text=consent_text(*key), source="portal", ip_address=address
                ),
            )
            changed += 1
        elif key not in granted and on:
            consents.withdraw(
                actor=None,
                contact=access.contact,
                channel=cell.channel,
                purpose=cell.purpose,
                proof=consents.Proof(method=ConsentMethod.PORTAL, source="portal", ip_address=address),
            )
            changed += 1
    return changed


def _when(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Decimal) -> str:
    return str(value)


def my_data(*, access: PortalAccess) -> dict[str, Any]:
    """Everything the portal user may take with them: their contact details, consents, the
    interactions logged with them, their tickets' public conversations and their company's
    invoices, as one JSON-ready document."""
    contact = access.contact
    # The exchanges with them; a staff member's internal note about them is the company's own record.
    interactions = Interaction.objects.filter(contact=contact).exclude(channel="note").order_by("occurred_at")
    tickets = selectors.tickets(access).filter(contact=contact) if access.kind == "customer" else Ticket.objects.none()
    invoices: list[Invoice] = list(selectors.invoices(access)) if access.kind == "customer" else []
    return {
        "exported_at": timezone.now().isoformat(),
        "contact": {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "emails": list(contact.emails.order_by("position").values_list("email", flat=True)),
            "phones": list(contact.phones.order_by("position").values_list("number", flat=True)),
            "preferred_language": contact.preferred_language,
            "company": access.company.name if access.company else None,
        },
        "consents": [
            {"channel": c.channel, "purpose": c.purpose, "state": c.state or None}
            for c in consent_grid(contact)
            if c.consent is not None
        ],
        "interactions": [
            {
                "occurred_at": _when(i.occurred_at),
                "channel": i.channel,
                "direction": i.direction,
                "subject": i.subject,
                "body": i.body,
            }
            for i in interactions
        ],
        "tickets": [
            {
                "number": t.number,
                "subject": t.subject,
                "status": t.status,
                "created_at": _when(t.created_at),
                "messages": [
                    {"at": _when(m.created_at), "kind": m.kind, "body": m.body} for m in selectors.conversation(t)
                ],
            }
            for t in tickets
        ],
        "invoices": [
            {
                "number": i.number,
                "issue_date": _when(i.issue_date),
                "due_date": _when(i.due_date),
                "status": i.status,
                "currency": i.currency,
                "gross_total": _money(i.gross_total),
                "paid_amount": _money(i.paid_amount),
            }
            for i in invoices
        ],
    }
