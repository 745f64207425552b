"""Marketing → Campaigns screens: the list by status, the editor's blocks and versions, preview
as a recipient, test send, the launch confirmation with its count, launch, results, cancel."""

from __future__ import annotations

from typing import Any

import pytest

from accord.marketing.models import Campaign
from accord.marketing.services import campaigns as services
from accord.marketing.tests.campaign_world import build, make_campaign
from accord.messaging.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(owner: Any, make_contact: Any) -> Any:
    return build(owner, make_contact)


def form(world: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "name": "Spring",
        "channel": "email",
        "purpose": "newsletter",
        "segment": str(world.segment.pk),
        "throttle_per_hour": "0",
        "ab_share": "0",
        "ab_wait_hours": "4",
        "ab_metric": "opens",
        "track_opens": "1",
        "track_clicks": "1",
        "cost": "12,50",
        "v-en-subject": "Spring, {{ first_name }}",
        "b-en-0-type": "paragraph",
        "b-en-0-text": "Second",
        "b-en-0-pos": "2",
        "b-en-1-type": "heading",
        "b-en-1-text": "First",
        "b-en-1-pos": "1",
        "b-en-2-type": "button",
        "b-en-2-text": "Shop",
        "b-en-2-url": "https://shop.example.com/spring",
        "b-en-2-pos": "3",
        "b-en-3-type": "",
    }
    data.update(extra)
    return data


def test_the_editor_saves_blocks_in_their_order_and_shows_errors_by_field(world: Any, owner: Any, login: Any) -> None:
    client = login(owner)
    page = client.get("/marketing/campaigns/new/")
    assert page.status_code == 200
    assert b'name="b-en-0-type"' in page.content

    bad = client.post("/marketing/campaigns/new/", form(world, **{"b-en-2-url": "not a link", "ab_share": "70"}))
    assert bad.status_code == 422
    assert "Enter a full web address" in bad.content.decode()
    assert "Enter a number from 0 to 50." in bad.content.decode()
    assert not Campaign.objects.exists()

    saved = client.post("/marketing/campaigns/new/", form(world))
    assert saved.status_code == 302
    campaign = Campaign.objects.get()
    assert [b["type"] for b in campaign.versions["en"]["blocks"]] == ["heading", "paragraph", "button"]
    assert str(campaign.cost) == "12.50"

    edited = client.get(f"/marketing/campaigns/{campaign.pk}/edit/")
    assert 'value="https://shop.example.com/spring"' in edited.content.decode()


def test_list_filters_by_status(world: Any, owner: Any, login: Any) -> None:
    make_campaign(owner, world.segment, name="Draft one")
    sent = make_campaign(owner, world.segment, name="Sent one")
    services.launch(actor=owner, campaign=sent)
    services.run(sent.pk)
    client = login(owner)
    everything = client.get("/marketing/campaigns/").content.decode()
    assert "Draft one" in everything
    assert "Sent one" in everything
    only_sent = client.get("/marketing/campaigns/?status=sent").content.decode()
    assert "Sent one" in only_sent
    assert "Draft one" not in only_sent
    assert 'href="/marketing/campaigns/"' in everything  # the sidebar link


def test_preview_test_send_launch_results_and_cancel(marketer: Any, world: Any, owner: Any, login: Any) -> None:
    campaign = make_campaign(owner, world.segment)
    client = login(owner)

    preview = client.get(f"/marketing/campaigns/{campaign.pk}/preview/?contact={world.john.pk}").content.decode()
    assert "December, John" in preview
    assert "News from Leeds." in preview
    sent = client.post(f"/marketing/campaigns/{campaign.pk}/test/", {"to": "me@accord.example"})
    assert sent.status_code == 302
    assert Message.objects.filter(kind="campaign_test", to_address="me@accord.example").exists()
    client.post(f"/marketing/campaigns/{campaign.pk}/test/", {"to": "piotr@blok.example"}, follow=True)
    assert not Message.objects.filter(to_address="piotr@blok.example").exists()

    confirm = client.get(f"/marketing/campaigns/{campaign.pk}/launch/").content.decode()
    assert 'data-recipient-count="2"' in confirm
    launched = client.post(f"/marketing/campaigns/{campaign.pk}/launch/", {"version": campaign.version})
    assert launched.status_code == 302
    services.run(campaign.pk)
    detail = client.get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert 'data-stat="sent"' in detail
    assert "campaign-chart-data" in detail
    assert 'data-stat="revenue"' in detail  # a sales rep sees amounts
    marketer_view = login(marketer).get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert 'data-stat="sent"' in marketer_view
    assert 'data-stat="revenue"' not in marketer_view  # a marketer does not
    client = login(owner)

    client.post(f"/marketing/campaigns/{campaign.pk}/cancel/")
    assert Campaign.objects.get(pk=campaign.pk).status == "cancelled"


def test_someone_who_cannot_see_it_gets_404(world: Any, owner: Any, outsider: Any, login: Any) -> None:
    campaign = make_campaign(owner, world.segment)
    client = login(outsider)
    assert client.get(f"/marketing/campaigns/{campaign.pk}/").status_code == 404
    assert client.post(f"/marketing/campaigns/{campaign.pk}/launch/").status_code == 404
