"""One-click unsubscribe (RFC 8058): a marketing e-mail sent through a real SMTP server carries
both headers, and the mail client's POST to the link, without a login or CSRF token, withdraws
the consent and suppresses the address for that purpose."""

from __future__ import annotations

import re

import pytest
from django.core import signing
from django.test import Client

from accord.marketing.models import Consent, ConsentEvent, Suppression
from accord.marketing.services import Proof, give, may_send, unsubscribe_headers
from accord.marketing.services.unsubscribe import UNSUBSCRIBE_SALT, unsubscribe_token
from accord.messaging.services import queue_message
from accord.messaging.services.delivery import deliver_due

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


@pytest.fixture
def subscribed(owner, contact):
    for purpose in ("newsletter", "offers"):
        give(
            actor=owner,
            contact=contact,
            channel="email",
            purpose=purpose,
            proof=Proof(method="paper", text=f"Yes to {purpose}"),
        )
    return contact


def send_newsletter(owner, contact, smtp):
    queue_message(
        actor=owner,
        channel="email",
        to=contact.primary_email,
        subject="Accord news",
        body="News.",
        idempotency_key="newsletter:2026-12:1",
        contact=contact,
        headers=unsubscribe_headers(contact=contact, channel="email", purpose="newsletter", ref="campaign-42"),
    )
    deliver_due()
    [received] = smtp.messages
    return received


def test_the_received_message_carries_both_headers_and_one_click_unsubscribes(owner, subscribed, smtp):
    received = send_newsletter(owner, subscribed, smtp)

    assert received["List-Unsubscribe-Post"] == ONE_CLICK
    [url] = re.fullmatch(r"<(https://crm\.example\.com/marketing/u/[^>]+/)>", received["List-Unsubscribe"]).groups()
    path = url.removeprefix("https://crm.example.com")

    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(path, ONE_CLICK, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    newsletter = Consent.objects.get(contact=subscribed, purpose="newsletter")
    assert (newsletter.state, newsletter.method) == ("withdrawn", "unsubscribe")
    assert "campaign-42" in newsletter.source
    assert list(Suppression.objects.values_list("channel", "address", "purpose", "reason")) == [
        ("email", "zofia@zolta.example", "newsletter", "unsubscribed")
    ]
    assert not may_send(contact=subscribed, channel="email", purpose="newsletter", address="zofia@zolta.example")
    # The other purpose is the person's own business still.
    assert may_send(contact=subscribed, channel="email", purpose="offers", address="zofia@zolta.example")


def test_the_page_shows_a_button_and_a_get_changes_nothing(owner, subscribed, smtp):
    received = send_newsletter(owner, subscribed, smtp)
    path = received["List-Unsubscribe"].strip("<>").removeprefix("https://crm.example.com")

    page = Client().get(path)

    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="List-Unsubscribe" value="One-Click"' in html
    assert Consent.objects.get(contact=subscribed, purpose="newsletter").state == "granted"
    assert not Suppression.objects.exists()


def test_a_second_contact_with_the_address_gets_no_more_newsletters_either(owner, subscribed, make_contact, smtp):
    duplicate = make_contact(owner, first_name="Zofia", last_name="G.", emails=[{"email": "zofia@zolta.example"}])
    give(actor=owner, contact=duplicate, channel="email", purpose="newsletter", proof=Proof(method="paper", text="Yes"))
    token = unsubscribe_token(contact=subscribed, channel="email", purpose="newsletter")

    Client().post(f"/marketing/u/{token}/", ONE_CLICK, content_type="application/x-www-form-urlencoded")

    assert not may_send(contact=duplicate, channel="email", purpose="newsletter", address="zofia@zolta.example")
    assert Consent.objects.get(contact=duplicate).state == "granted"  # their consent is theirs; the address is blocked


def test_one_link_cannot_unsubscribe_another_recipient_or_purpose(owner, subscribed, make_contact):
    other = make_contact(owner, first_name="Jan", last_name="Nowak", emails=[{"email": "jan@example.com"}])
    give(actor=owner, contact=other, channel="email", purpose="newsletter", proof=Proof(method="paper", text="Yes"))
    token = unsubscribe_token(contact=subscribed, channel="email", purpose="newsletter")
    _payload, _dot, signature = token.rpartition(":")
    # The same signature over a payload naming someone else, or a new payload signed with another salt.
    swapped = signing.dumps({"c": str(other.pk), "ch": "email", "p": "newsletter", "r": ""}, salt=UNSUBSCRIBE_SALT)
    tampered = f"{swapped.rpartition(':')[0]}:{signature}"
    wrong_salt = signing.dumps({"c": str(other.pk), "ch": "email", "p": "newsletter", "r": ""}, salt="other")

    for bad in (tampered, wrong_salt, "garbage", token[:-2]):
        response = Client().post(f"/marketing/u/{bad}/", ONE_CLICK, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400, bad
        assert "This link does not work" in response.content.decode()
        assert Client().get(f"/marketing/u/{bad}/").status_code == 400

    assert set(Consent.objects.values_list("state", flat=True)) == {"granted"}
    assert not Suppression.objects.exists()
    assert not ConsentEvent.objects.filter(action="withdrawn").exists()


def test_a_link_for_a_deleted_contact_is_a_clear_400(owner, contact):
    from accord.people import services as people

    token = unsubscribe_token(contact=contact, channel="email", purpose="offers")
    people.delete_contact(actor=owner, contact=contact)

    response = Client().post(f"/marketing/u/{token}/", ONE_CLICK, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400


def test_the_headers_use_the_public_address_of_the_site(contact, settings):
    settings.ACCORD_BASE_URL = "https://accord.firma.pl"

    headers = unsubscribe_headers(contact=contact, channel="email", purpose="greetings")

    assert headers["List-Unsubscribe"].startswith("<https://accord.firma.pl/marketing/u/")
    assert headers["List-Unsubscribe-Post"] == ONE_CLICK


def test_the_page_speaks_the_recipients_language(contact):
    token = unsubscribe_token(contact=contact, channel="email", purpose="newsletter")

    html = Client().get(f"/marketing/u/{token}/", headers={"Accept-Language": "en"}).content.decode()

    assert 'lang="pl"' in html  # Zofia reads Polish, whatever the browser asks for
