"""Double opt-in: the consent waits, a confirmation e-mail goes through the real outbox to a real
SMTP server, and following its signed link (no sign-in) grants the consent."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client

from accord.marketing.models import Consent, ConsentEvent
from accord.marketing.selectors.consent import reachable_q
from accord.marketing.services import Proof, may_send, request_confirmation, withdraw
from accord.messaging.models import Message
from accord.messaging.services.delivery import deliver_due
from accord.people.models import Contact

pytestmark = pytest.mark.django_db

FORM_TEXT = "Chcę otrzymywać newsletter Accord. Mogę w każdej chwili wycofać zgodę."


def ask(owner, contact):
    return request_confirmation(
        actor=owner, contact=contact, purpose="newsletter", proof=Proof(method="form", text=FORM_TEXT, source="site")
    )


def link_in(smtp) -> str:
    [received] = smtp.messages
    body = received.get_body(preferencelist=("plain",)).get_content()
    [url] = re.findall(r"https://crm\.example\.com(/marketing/c/[^\s]+/)", body)
    return url


def test_until_confirmed_the_consent_is_pending_and_nothing_marketing_may_go(owner, contact, smtp):
    consent = ask(owner, contact)

    assert consent.state == "pending"
    assert not may_send(contact=contact, channel="email", purpose="newsletter", address="zofia@zolta.example")
    assert not Contact.objects.filter(reachable_q(channel="email", purpose="newsletter")).exists()
    message = Message.objects.get(kind="consent_confirmation")
    assert (message.to_address, message.contact_id, message.language) == ("zofia@zolta.example", contact.pk, "pl")


def test_the_link_in_the_e_mail_confirms_without_signing_in(owner, contact, smtp):
    ask(owner, contact)
    deliver_due()
    path = link_in(smtp)
    assert smtp.messages[0]["To"] == "zofia@zolta.example"
    visitor = Client(enforce_csrf_checks=False)

    shown = visitor.get(path)
    assert shown.status_code == 200
    assert FORM_TEXT in shown.content.decode()
    assert Consent.objects.get().state == "pending"  # a link scanner opening it confirms nothing

    done = visitor.post(path, REMOTE_ADDR="203.0.113.7")

    assert done.status_code == 200
    consent = Consent.objects.get()
    assert (consent.state, consent.method, consent.text, consent.ip_address) == (
        "granted",
        "double_opt_in",
        FORM_TEXT,
        "203.0.113.7",
    )
    assert list(ConsentEvent.objects.order_by("at").values_list("action", flat=True)) == ["requested", "confirmed"]
    assert may_send(contact=contact, channel="email", purpose="newsletter", address="zofia@zolta.example")
    # Following it again changes nothing.
    assert visitor.post(path).status_code == 200
    assert ConsentEvent.objects.count() == 2


def test_a_forged_or_damaged_link_is_a_clear_400(owner, contact, smtp):
    ask(owner, contact)
    deliver_due()
    path = link_in(smtp)
    token = path.split("/")[3]
    forged = path.replace(token, token[:-3] + ("abc" if not token.endswith("abc") else "xyz"))

    for bad in (forged, "/marketing/c/nonsense/", "/marketing/c/e30:1vX:abc/"):
        response = Client().post(bad)
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert Consent.objects.get().state == "pending"


def test_a_link_no_longer_works_once_the_consent_was_withdrawn(owner, contact, smtp):
    ask(owner, contact)
    deliver_due()
    path = link_in(smtp)

    withdraw(actor=owner, contact=contact, channel="email", purpose="newsletter", proof=Proof(method="user"))

    assert Client().post(path).status_code == 400
    assert Consent.objects.get().state == "withdrawn"


def test_an_expired_link_is_refused(owner, contact, smtp, settings):
    ask(owner, contact)
    deliver_due()
    path = link_in(smtp)
    settings.ACCORD_CONSENT_CONFIRM_DAYS = 0
    time.sleep(1.1)

    response = Client().post(path)

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert Consent.objects.get().state == "pending"


def test_asking_again_for_a_granted_consent_sends_nothing(owner, contact, smtp):
    ask(owner, contact)
    deliver_due()
    Client().post(link_in(smtp))

    again = ask(owner, contact)

    assert again.state == "granted"
    assert Message.objects.filter(kind="consent_confirmation").count() == 1
