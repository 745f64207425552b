"""A campaign end to end through a real SMTP server (aiosmtpd): launched, delivered by the
outbox's worker, received personalised with the RFC 8058 headers and a tracked link; the link
followed (counted) and the one-click POST unsubscribing without a login (counted in results)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accord.marketing.models import CampaignRecipient, Consent, Suppression
from accord.marketing.selectors.campaigns import results
from accord.marketing.services import campaigns as services
from accord.marketing.tests.campaign_world import build, make_campaign
from accord.messaging.services.delivery import deliver_due

pytestmark = pytest.mark.django_db

BASE = "https://crm.example.com"
ONE_CLICK = "List-Unsubscribe=One-Click"


def test_a_campaign_is_received_followed_and_unsubscribed_from(owner, make_contact, admin_user, smtp):
    world = build(owner, make_contact)
    campaign = make_campaign(owner, world.segment)
    services.launch(actor=owner, campaign=campaign)
    services.run(campaign.pk)
    deliver_due()

    assert sorted(m["To"] for m in smtp.messages) == ["john@smith.example", "zofia@zolta.example"]
    received = next(m for m in smtp.messages if m["To"] == "zofia@zolta.example")
    assert received["Subject"] == "Grudzień, Zofia"
    assert received["List-Unsubscribe-Post"] == ONE_CLICK
    [unsubscribe] = re.fullmatch(rf"<{re.escape(BASE)}(/marketing/u/[^>]+/)>", received["List-Unsubscribe"]).groups()
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "Cześć Zofia!" in text
    assert "Cześć Zofia!" in html
    assert "shop.example.com" not in html.replace("shop.example.com/zima.jpg", "")  # links are tracked
    [tracked] = re.findall(rf'href="{re.escape(BASE)}(/marketing/t/c/[^"]+/)"', html)
    [pixel] = re.findall(rf'src="{re.escape(BASE)}(/marketing/t/o/[^"]+\.gif)"', html)

    reader = Client()
    assert reader.get(pixel).status_code == 200
    followed = reader.get(tracked)
    assert followed.status_code == 302
    assert followed["Location"] == "https://shop.example.com/oferta?a=1&b=2"

    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(unsubscribe, ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    consent = Consent.objects.get(contact=world.zofia, channel="email", purpose="newsletter")
    assert consent.state == "withdrawn"
    assert Suppression.objects.filter(address="zofia@zolta.example", purpose="newsletter").exists()

    row = CampaignRecipient.objects.get(campaign=campaign, contact=world.zofia)
    assert (row.open_count, row.click_count) == (1, 1)
    campaign.refresh_from_db()
    counted = results(user=admin_user, campaign=campaign).total
    assert (counted.sent, counted.delivered, counted.opened, counted.clicked, counted.unsubscribed) == (2, 2, 1, 1, 1)

    # The next campaign to the same list leaves her out.
    again = make_campaign(owner, world.segment, name="January")
    services.launch(actor=owner, campaign=again)
    services.run(again.pk)
    assert CampaignRecipient.objects.get(campaign=again, contact=world.zofia).reason == "suppressed"


def test_a_test_send_goes_to_the_typed_address_only_and_never_to_a_suppressed_one(owner, make_contact, smtp):
    from django.core.exceptions import ValidationError

    world = build(owner, make_contact)
    campaign = make_campaign(owner, world.segment)
    services.send_test(actor=owner, campaign=campaign, to="marketer@accord.example", contact=world.john)
    deliver_due()
    [received] = smtp.messages
    assert received["To"] == "marketer@accord.example"
    assert received["Subject"] == "[Test] December, John"
    assert "Hello John!" in received.get_body(("plain",)).get_content()
    assert not CampaignRecipient.objects.exists()
    with pytest.raises(ValidationError) as caught:
        services.send_test(actor=owner, campaign=campaign, to="Piotr@Blok.example")
    assert list(caught.value.message_dict) == ["to"]
