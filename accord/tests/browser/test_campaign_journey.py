"""A marketing journey in the browser: a static list built on its page, a campaign written in
the editor and launched after the confirmation, delivered through a real SMTP server (aiosmtpd),
then opened, clicked and unsubscribed from in one click as the recipient, and counted."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from accord.identity.models import User
from accord.marketing.models import Campaign, CampaignRecipient, Consent
from accord.marketing.services import Proof, give
from accord.marketing.services import campaigns as services
from accord.messaging.services.delivery import deliver_due
from accord.messaging.tests.conftest import Inbox, free_port, smtp_settings
from accord.people import services as people
from accord.tests.browser.helpers import log_in

pytestmark = pytest.mark.browser


def test_build_a_list_send_a_campaign_open_click_and_unsubscribe(
    page: Any, live_server: Any, rep: User, server_turn: Any, shot: Any, settings: Any
) -> None:
    settings.ACCORD_BASE_URL = live_server.url
    zofia = people.create_contact(
        actor=rep,
        data=people.contact_data(
            {"first_name": "Zofia", "last_name": "Gęślak", "emails": [{"email": "zofia@zolta.example"}]}
        ),
    )
    people.create_contact(
        actor=rep,
        data=people.contact_data({"first_name": "Anna", "last_name": "Bez", "emails": [{"email": "anna@bez.example"}]}),
    )
    give(actor=rep, contact=zofia, channel="email", purpose="newsletter", proof=Proof(method="paper", text="Yes"))
    log_in(page, live_server.url)

    # The list, on its pages.
    page.goto(f"{live_server.url}/marketing/segments/new/?kind=static")
    page.get_by_label("Name").fill("Readers")
    page.get_by_role("button", name="Save").click()
    for address in ("zofia@zolta.example", "anna@bez.example"):
        page.get_by_label("E-mail address or contact id").fill(address)
        page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("link", name="Anna Bez")).to_be_visible()

    # The campaign, in the editor.
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name").fill("Spring news")
    page.get_by_label("Segment").select_option(label="Readers")
    page.locator("#v-en-subject").fill("Spring, {{ first_name }}")
    page.locator("#b-en-0-type").select_option("heading")
    page.locator("#b-en-0-text").fill("Hello {{ first_name }}!")
    page.locator("#b-en-1-type").select_option("button")
    page.locator("#b-en-1-text").fill("Sign in")
    page.locator("#b-en-1-url").fill(f"{live_server.url}/login/")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Spring news")).to_be_visible()

    page.get_by_role("link", name="Launch").click()
    expect(page.get_by_text("1 of them may receive it", exact=False)).to_be_visible()
    shot(page, "campaign-launch")
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        with smtp_settings(controller.port):
            page.get_by_role("button", name="Launch the campaign").click()
            expect(page.get_by_text("The campaign is being sent.")).to_be_visible()
            campaign = Campaign.objects.get()
            # The worker's part (the tests' task backend already ran it when the launch committed:
            # running it again sends nothing twice).
            with server_turn:
                services.run(campaign.pk)
                deliver_due()
    finally:
        controller.stop()
    [received] = inbox.messages
    assert received["To"] == "zofia@zolta.example"
    assert received["Subject"] == "Spring, Zofia"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = received.get_body(("html",)).get_content()
    [pixel] = re.findall(r'src="([^"]+/marketing/t/o/[^"]+\.gif)"', html)
    [link] = re.findall(r'href="([^"]+/marketing/t/c/[^"]+/)"', html)

    # As the recipient: the pixel loads, the link leads where the campaign said, the one-click
    # POST of the mail client unsubscribes without signing in.
    reader = page.context.browser.new_context()
    visitor = reader.new_page()
    assert visitor.goto(pixel).status == 200
    visitor.goto(link)
    expect(visitor).to_have_url(re.compile(r"/login/"))
    unsubscribe = received["List-Unsubscribe"].strip("<>")
    answer = visitor.request.post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status == 200
    reader.close()
    assert Consent.objects.get(contact=zofia, purpose="newsletter").state == "withdrawn"
    row = CampaignRecipient.objects.get(campaign=campaign, contact=zofia)
    assert (row.open_count, row.click_count) == (1, 1)

    page.goto(f"{live_server.url}/marketing/campaigns/{campaign.pk}/")
    expect(page.locator('[data-stat="sent"]')).to_have_text("1")
    expect(page.locator('[data-stat="opened"]')).to_have_text("1")
    expect(page.locator('[data-stat="clicked"]')).to_have_text("1")
    expect(page.locator('[data-stat="unsubscribed"]')).to_have_text("1")
    expect(page.locator("#chart-variants")).to_be_visible()
    shot(page, "campaign-results")
