"""The hard boundary: a portal user reaches the portal and nothing else (staff screens and the staff
API answer 404), and a staff member without portal access sees no customer's portal page."""

from __future__ import annotations

import pytest
from django.test import Client

from accord.portal.tests.conftest import portal_client

STAFF_PAGES = [
    "/my-day/",
    "/contacts/",
    "/companies/",
    "/sales/deals/",
    "/sales/leads/",
    "/sales/quotes/",
    "/billing/invoices/",
    "/billing/orders/",
    "/service/tickets/",
    "/service/kb/",
    "/service/kb/suggest/?q=printer",
    "/settings/users/",
    "/settings/roles/",
    "/account/",
    "/account/tokens/",
    "/search/?q=a",
    "/notifications/outbox/",
]
STAFF_API = ["/api/v1/contacts", "/api/v1/companies", "/api/v1/deals", "/api/v1/invoices", "/api/v1/tickets"]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_a_portal_customer_never_reaches_a_staff_screen(customer_a, url):
    response = portal_client(customer_a).get(url)

    assert response.status_code == 404
    # In the portal's layout: nothing of the staff's navigation.
    assert "Main navigation" not in response.content.decode()
    assert "Back to the portal" in response.content.decode()


@pytest.mark.parametrize("url", STAFF_API)
def test_a_portal_customer_never_reaches_the_staff_api(customer_a, url):
    response = portal_client(customer_a).get(url)

    assert response.status_code == 404
    assert response.json()["message"] == "Not found."


def test_a_partner_never_reaches_a_staff_screen(partner):
    client = portal_client(partner)

    assert client.get("/sales/leads/").status_code == 404
    assert client.get("/api/v1/leads").status_code == 404


def test_the_django_admin_is_closed_to_a_portal_user(customer_a, settings):
    assert portal_client(customer_a).get(f"/{settings.ADMIN_URL}").status_code == 404


def test_the_site_root_and_the_staff_login_send_a_portal_user_to_the_portal(customer_a):
    client = portal_client(customer_a)

    assert client.get("/")["Location"] == "/portal/"
    assert client.get("/login/")["Location"] == "/portal/"


def test_a_portal_users_api_token_opens_nothing_of_the_staff_api(customer_a):
    from accord.identity import services as identity

    _, raw = identity.create_token(user=customer_a.user, name="sneaky")
    response = Client().get("/api/v1/contacts", headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 401


def test_a_portal_user_may_still_log_out_and_switch_language(customer_a):
    client = portal_client(customer_a)

    assert client.post("/language/", {"language": "pl", "next": "/portal/"}).status_code == 302
    response = client.post("/logout/", {"next": "/portal/login/"})

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_staff_member_sees_no_portal_page(login, owner, customer_a, make_ticket):
    ticket = make_ticket(customer_a)
    client = login(owner)

    for url in ("/portal/", "/portal/tickets/", f"/portal/tickets/{ticket.pk}/", "/portal/invoices/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "no access to the portal" in response.content.decode()
    assert client.get("/api/v1/portal/tickets").status_code == 401


def test_an_anonymous_visitor_is_sent_to_the_portal_sign_in(db):
    response = Client().get("/portal/tickets/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/tickets/"


def test_a_switched_off_portal_access_sees_nothing(owner, customer_a, make_ticket):
    from accord.portal.services import invitations

    ticket = make_ticket(customer_a)
    invitations.revoke(actor=owner, portal=customer_a.access)
    client = portal_client(customer_a)

    assert client.get(f"/portal/tickets/{ticket.pk}/").status_code == 403
    assert client.get("/api/v1/portal/tickets").status_code == 401
    assert client.get("/contacts/").status_code == 404


def test_portal_roles_see_no_record_through_the_staff_policy(customer_a, make_ticket):
    from accord.core import access
    from accord.service.models import Ticket

    make_ticket(customer_a)

    assert access.scope(customer_a.user, Ticket.objects.all()).count() == 0
    assert not access.can_create(customer_a.user)
    assert not access.can_edit_any(customer_a.user)
