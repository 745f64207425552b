"""The access matrix: a customer of company A never sees company B's tickets, quotes, orders or
invoices, by page or by API (404, as if they did not exist), nor in a list; customers and partners
each reach only their own part of the portal."""

from __future__ import annotations

import json

import pytest

from accord.portal.tests.conftest import portal_client


@pytest.fixture
def records_of_b(customer_b, make_ticket, make_quote, make_invoice, make_order):
    return {
        "ticket": make_ticket(customer_b, subject="Beta's secret"),
        "quote": make_quote(customer_b),
        "invoice": make_invoice(customer_b),
        "order": make_order(customer_b),
    }


def _pages(records):
    return [
        f"/portal/tickets/{records['ticket'].pk}/",
        f"/portal/quotes/{records['quote'].pk}/",
        f"/portal/orders/{records['order'].pk}/",
        f"/portal/invoices/{records['invoice'].pk}/",
        f"/portal/invoices/{records['invoice'].pk}/pdf/",
    ]


def _api(records):
    return [
        f"/api/v1/portal/tickets/{records['ticket'].pk}",
        f"/api/v1/portal/quotes/{records['quote'].pk}",
        f"/api/v1/portal/orders/{records['order'].pk}",
        f"/api/v1/portal/invoices/{records['invoice'].pk}",
    ]


def test_a_customer_opens_none_of_another_companys_records_by_url(customer_a, records_of_b):
    client = portal_client(customer_a)

    assert {url: client.get(url).status_code for url in _pages(records_of_b)} == dict.fromkeys(
        _pages(records_of_b), 404
    )


def test_a_customer_reads_none_of_another_companys_records_by_api(customer_a, records_of_b):
    client = portal_client(customer_a)

    assert {url: client.get(url).status_code for url in _api(records_of_b)} == dict.fromkeys(_api(records_of_b), 404)


def test_a_customer_acts_on_none_of_another_companys_records(customer_a, records_of_b):
    client = portal_client(customer_a)
    ticket, quote = records_of_b["ticket"], records_of_b["quote"]

    assert client.post(f"/portal/tickets/{ticket.pk}/reply/", {"body": "Hi"}).status_code == 404
    assert client.post(f"/portal/quotes/{quote.pk}/accept/").status_code == 404
    api_reply = client.post(
        f"/api/v1/portal/tickets/{ticket.pk}/messages", json.dumps({"body": "Hi"}), content_type="application/json"
    )
    assert api_reply.status_code == 404
    assert client.post(f"/api/v1/portal/quotes/{quote.pk}/accept").status_code == 404
    quote.refresh_from_db()
    assert quote.status == "sent"
    assert ticket.messages.count() == 1


def test_a_customers_lists_hold_only_their_companys_records(
    customer_a, records_of_b, make_ticket, make_quote, make_invoice, make_order
):
    mine = {
        "ticket": make_ticket(customer_a, subject="Alfa's own"),
        "quote": make_quote(customer_a),
        "invoice": make_invoice(customer_a),
        "order": make_order(customer_a),
    }
    client = portal_client(customer_a)

    assert [t["id"] for t in client.get("/api/v1/portal/tickets").json()] == [str(mine["ticket"].pk)]
    assert [q["id"] for q in client.get("/api/v1/portal/quotes").json()] == [str(mine["quote"].pk)]
    assert [o["id"] for o in client.get("/api/v1/portal/orders").json()] == [str(mine["order"].pk)]
    assert [i["id"] for i in client.get("/api/v1/portal/invoices").json()] == [str(mine["invoice"].pk)]
    pages = "".join(client.get(url).content.decode() for url in ("/portal/tickets/", "/portal/invoices/"))
    assert "Alfa&#x27;s own" in pages
    assert "Beta&#x27;s secret" not in pages
    assert records_of_b["invoice"].number not in pages


def test_a_customer_sees_their_colleagues_tickets_of_the_same_company(owner, customer_a, make_contact, make_ticket):
    from accord.service.services import tickets

    colleague = make_contact(owner, first_name="Jan", last_name="Alfa", companies=[{"company": customer_a.company}])
    theirs = tickets.create_ticket(actor=None, contact=colleague, subject="Colleague's question", body="?")

    response = portal_client(customer_a).get(f"/portal/tickets/{theirs.pk}/")

    assert response.status_code == 200


def test_customers_do_not_reach_partner_pages_nor_partners_customer_pages(customer_a, partner):
    assert portal_client(customer_a).get("/portal/partner/leads/").status_code == 404
    assert portal_client(customer_a).get("/api/v1/portal/leads").status_code == 404
    assert portal_client(customer_a).get("/portal/partner/deals/").status_code == 404
    assert portal_client(customer_a).get("/api/v1/portal/deals").status_code == 404
    client = portal_client(partner)
    for url in ("/portal/tickets/", "/portal/quotes/", "/portal/orders/", "/portal/invoices/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/portal/invoices").status_code == 404


def test_a_partner_sees_only_their_own_registrations(owner, partner, make_company, make_contact):
    from accord.identity.models import PortalKind
    from accord.portal.services import invitations, partners

    other_company = make_company(owner, name="Rival Partner")
    other_contact = make_contact(
        owner,
        first_name="Rafał",
        last_name="Rival",
        emails=[{"email": "rafal@rival.example"}],
        companies=[{"company": other_company}],
    )
    other = invitations.invite(actor=owner, contact=other_contact, kind=PortalKind.PARTNER)
    theirs = partners.register_lead(access=other, data={"company_name": "Rival's prospect"})
    mine = partners.register_lead(access=partner.access, data={"company_name": "My prospect"})
    their_deal = partners.register_deal(access=other, data={"customer": "Rival's customer", "name": "Servers"})
    my_deal = partners.register_deal(access=partner.access, data={"customer": "My customer", "name": "Printers"})
    client = portal_client(partner)

    assert [lead["id"] for lead in client.get("/api/v1/portal/leads").json()] == [str(mine.pk)]
    assert [deal["id"] for deal in client.get("/api/v1/portal/deals").json()] == [str(my_deal.pk)]
    page = client.get("/portal/partner/leads/").content.decode()
    assert "My prospect" in page
    assert "Rival" not in page
    page = client.get("/portal/partner/deals/").content.decode()
    assert "My customer" in page
    assert "Rival" not in page
    assert (theirs.partner_id, their_deal.partner_id) == (other_company.pk, other_company.pk)
