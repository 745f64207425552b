"""Portal demo data: a customer who signs in to the portal (``customer@example.com``) with a
company that has tickets, quotes and invoices, and a partner (``partner@example.com``) who has
registered two leads and a deal. Both have the demo password; ``accord run`` lists them with the staff."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from accord.billing.models import Invoice, InvoiceStatus
from accord.core.demo_phrases import say
from accord.core.demos import DEMO_PASSWORD, DemoContext
from accord.identity.models import PortalKind, User
from accord.people import services as people
from accord.people.models import Company, Contact, ContactCompany
from accord.portal.services import invitations, partners
from accord.sales.models import Quote
from accord.service.models import Ticket

CUSTOMER_EMAIL = "customer@example.com"
PARTNER_EMAIL = "partner@example.com"
PARTNER_LEADS = [
    ("Hotel Bałtyk", "Anna", "Morska", "Needs a booking system for 40 rooms, starting in spring."),
    ("Transport Vilnius UAB", "Jonas", "Kazlauskas", "Asks for a demo for their dispatch team."),
]

PARTNER_DEAL = "Point-of-sale system for three cafés"


def _portal_user(contact: Contact, email: str, kind: str, company: Company) -> None:
    # The contact signs in with a known address: it becomes their first e-mail.
    others = list(contact.emails.exclude(email=email).values("email", "label"))
    people.update_contact(
        actor=None, contact=contact, data=people.contact_data({"emails": [{"email": email}, *others]})
    )
    contact.refresh_from_db()
    access = invitations.invite(actor=None, contact=contact, kind=kind, company=company, notify=False)
    user: User = access.user
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])


def generate(ctx: DemoContext) -> None:
    if User.objects.filter(username__in=[CUSTOMER_EMAIL, PARTNER_EMAIL]).exists():
        return
    # The customer: a contact of the company with the most tickets that was also sent quotes and
    # issued invoices (else sent quotes only), so every portal page shows something.
    quoted = Quote.objects.filter(sent_at__isnull=False, deal__company__isnull=False).values("deal__company")
    invoiced = Invoice.objects.filter(company__isnull=False).exclude(status=InvoiceStatus.DRAFT).values("company")
    ranked = (
        Ticket.objects.filter(company__in=quoted, merged_into__isnull=True)
        .values_list("company", "contact")
        .annotate(n=Count("id"))
        .order_by("-n", "company")
    )
    fallback = Ticket.objects.filter(company__isnull=False).values_list("company", "contact").order_by("number")
    found: Any = ranked.filter(company__in=invoiced).first() or ranked.first() or fallback.first()
    busiest = {"company": found[0], "contact": found[1]} if found else None
    if busiest is not None:
        company = Company.objects.get(pk=busiest["company"])
        _portal_user(Contact.objects.get(pk=busiest["contact"]), CUSTOMER_EMAIL, PortalKind.CUSTOMER, company)
    # The partner: a contact of another company with an account owner, who registered two leads.
    taken = [busiest["company"]] if busiest else []
    link = (
        ContactCompany.objects.select_related("contact", "company", "company__owner")
        .exclude(company__in=taken)
        .filter(company__owner__is_active=True, is_primary=True)
        .order_by("company__created_at")
        .first()
    )
    if link is None:
        return
    _portal_user(link.contact, PARTNER_EMAIL, PortalKind.PARTNER, link.company)
    access = invitations.portal_of(link.contact)
    assert access is not None
    language = link.company.owner.language or "en"
    for company_name, first, last, need in PARTNER_LEADS:
        partners.register_lead(
            access=access,
            data={"company_name": company_name, "first_name": first, "last_name": last, "message": say(need, language)},
        )
    partners.register_deal(
        access=access,
        data={
            "customer": "Kavinė Aušra",
            "name": say(PARTNER_DEAL, language),
            "amount": "18000",
            "expected_close": timezone.localdate() + datetime.timedelta(days=45),
        },
    )
    ctx.log("Portal: customer@example.com and partner@example.com (demo password).")
