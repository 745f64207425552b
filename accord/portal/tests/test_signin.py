"""Signing in: by password (portal users only), or by an e-mailed link that works once and for a
short time; asking for a link tells nobody whether the address has an account."""

from __future__ import annotations

import datetime
import re

from django.test import Client
from django.utils import timezone

from accord.identity.models import PortalSignInLink, hash_token
from accord.messaging.models import Message
from accord.portal.services import signin

PASSWORD = "a-long-portal-password"


def _set_password(customer, password=PASSWORD):
    customer.user.set_password(password)
    customer.user.save()
    return password


def test_a_portal_customer_signs_in_with_their_password(customer_a):
    password = _set_password(customer_a)
    client = Client()

    response = client.post("/portal/login/", {"username": "ewa@alfa.example", "password": password})

    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_a_staff_password_does_not_open_the_portal(owner):
    response = Client().post("/portal/login/", {"username": "owner", "password": "a-long-test-password"})

    assert response.status_code == 400
    assert "Please enter a correct" in response.content.decode()


def test_a_wrong_password_is_refused(customer_a):
    _set_password(customer_a)

    response = Client().post("/portal/login/", {"username": "ewa@alfa.example", "password": "wrong"})

    assert response.status_code == 400


def _link_in(message: Message) -> str:
    return re.search(r"http://\S+/portal/login/link/(\S+)/", message.body).group(1)


def test_a_sign_in_link_is_mailed_through_the_outbox_and_signs_in_once(customer_a):
    before = Message.objects.count()
    client = Client()

    response = client.post("/portal/login/link/", {"email": "EWA@alfa.example"})

    assert response.status_code == 200
    message = Message.objects.order_by("-created_at").first()
    assert Message.objects.count() == before + 1
    assert (message.to_address, message.kind, message.contact_id) == (
        "ewa@alfa.example",
        "portal.sign-in",
        customer_a.contact.pk,
    )
    token = _link_in(message)
    assert client.get(f"/portal/login/link/{token}/").status_code == 200  # opening it spends nothing
    assert client.post(f"/portal/login/link/{token}/")["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200

    stranger = Client()
    assert stranger.post(f"/portal/login/link/{token}/").status_code == 400
    assert "_auth_user_id" not in stranger.session


def test_a_spent_link_signs_nobody_in(customer_a):
    raw = signin.send_link(access=customer_a.access)
    assert signin.redeem(raw=raw) == customer_a.user

    assert signin.redeem(raw=raw) is None
    client = Client()
    assert client.post(f"/portal/login/link/{raw}/").status_code == 400
    assert client.get("/portal/").status_code == 302


def test_an_expired_link_signs_nobody_in(customer_a):
    then = timezone.now() - datetime.timedelta(minutes=31)
    raw = signin.send_link(access=customer_a.access, now=then)

    assert signin.redeem(raw=raw) is None
    assert PortalSignInLink.objects.get(key_hash=hash_token(raw)).used_at is None


def test_a_link_of_a_switched_off_access_signs_nobody_in(owner, customer_a):
    from accord.portal.services import invitations

    raw = signin.send_link(access=customer_a.access)
    invitations.revoke(actor=owner, portal=customer_a.access)

    assert signin.redeem(raw=raw) is None


def test_asking_for_a_link_answers_the_same_for_unknown_addresses(customer_a, owner):
    known = Client().post("/portal/login/link/", {"email": "ewa@alfa.example"})
    count = Message.objects.count()

    unknown = Client().post("/portal/login/link/", {"email": "nobody@nowhere.example"})
    staff = Client().post("/portal/login/link/", {"email": owner.email})
    garbage = Client().post("/portal/login/link/", {"email": "not an address"})

    assert Message.objects.count() == count  # nothing sent for any of them
    for other in (unknown, staff, garbage):
        assert other.status_code == known.status_code == 200
        assert _text(other) == _text(known)
    assert "If this address belongs to a portal account" in known.content.decode()


def _text(response) -> str:
    """The page without its per-request CSRF token."""
    return re.sub(r"csrfmiddlewaretoken\" value=\"[^\"]+\"|X-CSRFToken\": \"[^\"]+\"", "", response.content.decode())


def test_a_forged_link_signs_nobody_in(customer_a):
    assert signin.redeem(raw="made-up") is None
    assert signin.redeem(raw="") is None
    assert signin.redeem(raw="x" * 500) is None


def test_asking_again_and_again_sends_at_most_five_links_an_hour(customer_a):
    for _ in range(8):
        signin.request_link(email="ewa@alfa.example")

    # The invitation's link counts too.
    assert Message.objects.filter(kind__in=["portal.invitation", "portal.sign-in"]).count() == signin.LINKS_PER_HOUR
    assert PortalSignInLink.objects.filter(user=customer_a.user).count() == signin.LINKS_PER_HOUR
