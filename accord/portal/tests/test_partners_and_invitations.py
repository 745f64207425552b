"""Partners register leads (attributed to their company, owned by its account manager); staff invite
contacts to the portal by the contact page, the API or the CLI."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404

from accord.identity.models import PortalAccess, Role
from accord.messaging.models import Message
from accord.portal.services import invitations
from accord.portal.tests.conftest import portal_client


def test_a_partner_registers_a_lead_for_their_company(owner, partner):
    from accord.sales.models import Lead

    response = portal_client(partner).post(
        "/portal/partner/leads/", {"company_name": "Gamma SA", "last_name": "Gamma", "email": "boss@gamma.example"}
    )

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert (lead.partner_id, lead.owner_id, lead.source, lead.company_name) == (
        partner.company.pk,
        owner.pk,
        "partner",
        "Gamma SA",
    )
    assert "Gamma SA" in portal_client(partner).get("/portal/partner/leads/").content.decode()


def test_an_empty_registration_names_what_is_missing(partner):
    from accord.sales.models import Lead

    response = portal_client(partner).post("/api/v1/portal/leads", json.dumps({}), content_type="application/json")

    assert response.status_code == 422
    assert "last_name" in response.json()["errors"]
    assert Lead.objects.count() == 0


def test_the_deal_a_partners_lead_becomes_carries_the_partner(owner, partner):
    from accord.portal.services import partners
    from accord.sales.services import leads

    lead = partners.register_lead(access=partner.access, data={"company_name": "Delta", "last_name": "Delta"})
    conversion = leads.convert_lead(actor=owner, lead=lead)

    assert conversion.deal.partner_id == partner.company.pk


def test_a_partner_registers_a_deal_from_the_portal(owner, partner):
    from accord.sales.models import Deal

    response = portal_client(partner).post(
        "/portal/partner/deals/",
        {"customer": "Gamma SA", "name": "20 printers", "amount": "12500", "currency": "EUR", "expected_close": ""},
    )

    assert response.status_code == 302
    deal = Deal.objects.get()
    assert (deal.name, deal.partner_id, deal.owner_id, deal.source, deal.amount, deal.currency, deal.status) == (
        "Gamma SA — 20 printers",
        partner.company.pk,
        owner.pk,
        "partner",
        Decimal("12500.00"),
        "EUR",
        "open",
    )
    page = portal_client(partner).get("/portal/partner/deals/").content.decode()
    assert "Gamma SA — 20 printers" in page


def test_a_deal_registration_names_each_wrong_field_and_stores_nothing(partner):
    from accord.sales.models import Deal

    client = portal_client(partner)
    response = client.post(
        "/api/v1/portal/deals",
        json.dumps({"customer": "", "name": "x" * 96, "amount": "-5", "expected_close": "2001-01-01"}),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert set(response.json()["errors"]) >= {"customer", "name", "expected_close"}
    page = client.post("/portal/partner/deals/", {"customer": "Gamma", "name": "Printers", "amount": "-1"})
    assert page.status_code == 422
    assert Deal.objects.count() == 0


def test_the_same_open_deal_is_not_registered_twice(partner):
    from accord.portal.services import partners

    partners.register_deal(access=partner.access, data={"customer": "Gamma", "name": "Printers"})
    with pytest.raises(ValidationError) as caught:
        partners.register_deal(access=partner.access, data={"customer": "gamma", "name": "printers"})

    assert "name" in caught.value.message_dict


def test_a_customer_cannot_register_deals(customer_a):
    from accord.portal.services import partners

    assert portal_client(customer_a).get("/portal/partner/deals/").status_code == 404
    assert (
        portal_client(customer_a)
        .post("/api/v1/portal/deals", json.dumps({"customer": "X", "name": "Y"}), content_type="application/json")
        .status_code
        == 404
    )
    with pytest.raises(Http404):
        partners.register_deal(access=customer_a.access, data={"customer": "X", "name": "Y"})


def test_an_invitation_makes_a_portal_user_and_mails_a_link(owner, make_contact, make_company):
    company = make_company(owner, name="Omega")
    contact = make_contact(
        owner,
        first_name="Olga",
        last_name="Omega",
        emails=[{"email": "Olga@Omega.example"}],
        companies=[{"company": company}],
    )

    portal = invitations.invite(actor=owner, contact=contact)

    user = portal.user
    assert (user.username, user.email, user.role.code, user.has_usable_password()) == (
        "olga@omega.example",
        "olga@omega.example",
        Role.PORTAL_CUSTOMER,
        False,
    )
    assert (portal.kind, portal.company_id, portal.invited_by_id) == ("customer", company.pk, owner.pk)
    message = Message.objects.get(kind="portal.invitation")
    assert message.to_address == "olga@omega.example"
    assert "/portal/login/link/" in message.body


def test_inviting_again_switches_access_back_on_and_sends_a_new_link(owner, customer_a):
    invitations.revoke(actor=owner, portal=customer_a.access)

    again = invitations.invite(actor=owner, contact=customer_a.contact)

    assert again.pk == customer_a.access.pk
    assert again.active is True
    assert Message.objects.filter(kind="portal.invitation").count() == 2


def test_a_contact_without_an_email_cannot_be_invited(owner, make_contact):
    contact = make_contact(owner)

    with pytest.raises(ValidationError) as caught:
        invitations.invite(actor=owner, contact=contact)

    assert "email" in caught.value.message_dict
    assert PortalAccess.objects.count() == 0


def test_a_staff_members_address_is_not_given_to_a_portal_user(owner, make_contact):
    contact = make_contact(owner, emails=[{"email": owner.email}])

    with pytest.raises(ValidationError):
        invitations.invite(actor=owner, contact=contact)


def test_who_may_not_change_the_contact_may_not_invite_it(owner, outsider, make_contact):
    contact = make_contact(owner, emails=[{"email": "x@example.com"}])

    with pytest.raises(Http404):  # out of their sight
        invitations.invite(actor=outsider, contact=contact)
    assert PortalAccess.objects.count() == 0


def test_staff_invite_from_the_contact_page(login, owner, make_contact):
    contact = make_contact(owner, emails=[{"email": "page@example.com"}])
    client = login(owner)

    assert "Invite to the portal" in client.get(f"/contacts/{contact.pk}/").content.decode()
    response = client.post(f"/portal/staff/invite/{contact.pk}/", {"kind": "customer"})

    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert PortalAccess.objects.get().contact_id == contact.pk


def test_staff_invite_through_the_api(api, owner, make_contact):
    contact = make_contact(owner, emails=[{"email": "api@example.com"}])

    response = api(owner).post("/portal/invitations", {"contact_id": str(contact.pk)})

    assert response.status_code == 201
    assert response.json()["email"] == "api@example.com"


def test_staff_invite_from_the_command_line(owner, make_contact):
    make_contact(owner, emails=[{"email": "cli@example.com"}])
    out = io.StringIO()

    call_command("portal", "invite", "cli@example.com", stdout=out)

    assert "cli@example.com" in out.getvalue()
    assert PortalAccess.objects.get().user.email == "cli@example.com"


def test_a_partner_follows_the_deals_their_leads_became_and_no_others(owner, partner, make_company):
    from accord.portal.services import partners
    from accord.sales.services import deals, leads

    lead = partners.register_lead(access=partner.access, data={"company_name": "Epsilon", "last_name": "Eps"})
    brought = leads.convert_lead(actor=owner, lead=lead, deal_name="Epsilon roll-out").deal
    deals.create_deal(actor=owner, data={"name": "Someone else's", "company": make_company(owner)})
    client = portal_client(partner)

    listed = client.get("/api/v1/portal/deals").json()
    assert [(d["id"], d["name"], d["status"]) for d in listed] == [(str(brought.pk), "Epsilon roll-out", "open")]
    page = client.get("/portal/partner/deals/").content.decode()
    assert "Epsilon roll-out" in page
    assert "Someone else" not in page


def test_staff_switch_a_contacts_portal_access_off_from_its_page(login, owner, customer_a):
    client = login(owner)

    response = client.post(f"/portal/staff/revoke/{customer_a.contact.pk}/")

    customer_a.access.refresh_from_db()
    assert response["Location"] == f"/contacts/{customer_a.contact.pk}/"
    assert customer_a.access.active is False
    assert portal_client(customer_a).get("/portal/").status_code == 403
