"""Campaigns: writing, launching (the snapshot, consent, crash and re-run), A/B, throttle,
tracking and results, on the database the tests run against."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accord.marketing.models import Campaign, CampaignRecipient
from accord.marketing.selectors.campaigns import results
from accord.marketing.services import Proof
from accord.marketing.services import campaign_content as content
from accord.marketing.services import campaigns as services
from accord.marketing.tests.campaign_world import build, consent, make_campaign
from accord.messaging.models import Message, MessageContent
from accord.messaging.services.templates import personalise

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(owner, make_contact):
    return build(owner, make_contact)


def launched(owner, campaign, **run):
    services.launch(actor=owner, campaign=campaign)
    return services.run(campaign.pk, **run)


def states(campaign):
    return {r.contact_id: (r.state, r.reason) for r in CampaignRecipient.objects.filter(campaign=campaign)}


# --- writing -----------------------------------------------------------------------------------------


def test_a_bad_block_is_refused_naming_its_field(owner, world):
    with pytest.raises(ValidationError) as caught:
        make_campaign(
            owner,
            world.segment,
            versions={
                "pl": {
                    "subject": "{% if %}",
                    "blocks": [{"type": "button", "text": "Go", "url": "javascript:alert(1)"}, {"type": "video"}],
                }
            },
        )
    errors = caught.value.message_dict
    assert set(errors) == {"versions.pl.subject", "versions.pl.blocks.0.url", "versions.pl.blocks.1.type"}
    assert not Campaign.objects.exists()


def test_a_stale_version_is_a_conflict(owner, world):
    from accord.core.errors import Conflict

    campaign = make_campaign(owner, world.segment)
    services.update_campaign(actor=owner, campaign=campaign, data={"name": "New"}, expected_version=1)
    with pytest.raises(Conflict):
        services.update_campaign(actor=owner, campaign=campaign, data={"name": "Newer"}, expected_version=1)


def test_someone_else_cannot_see_or_change_it(owner, outsider, world):
    from django.http import Http404

    campaign = make_campaign(owner, world.segment)
    with pytest.raises(Http404):
        services.update_campaign(actor=outsider, campaign=campaign, data={"name": "Mine"})


def test_html_escapes_the_texts_but_keeps_the_variables(owner, world):
    campaign = make_campaign(owner, world.segment)
    shown = services.preview(actor=owner, campaign=campaign, contact=world.zofia)
    assert shown.language == "pl"
    assert shown.subject == "Grudzień, Zofia"
    assert "Cześć Zofia!" in shown.html
    assert "&lt;b&gt;w grudniu&lt;/b&gt;" in shown.html  # the marketer's text cannot add markup
    assert "Nowości dla Ciebie" in shown.text
    # The preview's links are the plain ones, the unsubscribe link the recipient's own.
    assert 'href="https://shop.example.com/oferta?a=1&amp;b=2"' in shown.html
    assert "https://crm.example.com/marketing/u/" in shown.text
    english = services.preview(actor=owner, campaign=campaign, contact=world.john)
    assert (english.language, english.subject) == ("en", "December, John")
    assert "News from Leeds." in english.text


def test_a_name_cannot_inject_markup_and_no_model_reaches_the_template(owner, make_contact, world):
    evil = make_contact(owner, first_name="<script>x</script>", last_name="Evil", emails=[{"email": "e@evil.example"}])
    campaign = make_campaign(
        owner,
        world.segment,
        versions={
            "pl": {
                "subject": "{{ contact.owner.password }}{{ first_name }}",
                "blocks": [{"type": "paragraph", "text": "{{ first_name }} {{ contact }} {{ settings.SECRET_KEY }}"}],
            }
        },
    )
    shown = services.preview(actor=owner, campaign=campaign, contact=evil)
    assert "<script>" not in shown.html
    assert "&lt;script&gt;x&lt;/script&gt;" in shown.html
    assert shown.subject == "<script>x</script>"  # a subject is not HTML
    assert "Evil" not in shown.text.split("\n")[0]


# --- launching: snapshot and consent -------------------------------------------------------------------


def test_launch_snapshots_the_segment_and_queues_only_those_with_consent(owner, world):
    campaign = make_campaign(owner, world.segment)
    report = launched(owner, campaign)

    assert (report.recipients, report.queued, report.status) == (5, 2, "sent")
    assert states(campaign) == {
        world.zofia.pk: ("queued", ""),
        world.john.pk: ("queued", ""),
        world.nobody.pk: ("skipped", "no_consent"),
        world.blocked.pk: ("skipped", "suppressed"),
        world.phoneless.pk: ("skipped", "no_address"),
    }
    messages = Message.objects.filter(kind="campaign").order_by("to_address")
    assert [m.to_address for m in messages] == ["john@smith.example", "zofia@zolta.example"]
    # One content per language, and each message only its variables.
    assert MessageContent.objects.count() == 2
    zofia = messages.get(contact=world.zofia)
    assert zofia.body == ""
    assert zofia.body_html == ""
    assert zofia.idempotency_key == f"campaign:{campaign.pk}:{world.zofia.pk}"
    assert zofia.subject == "Grudzień, Zofia"
    assert zofia.context["first_name"] == "Zofia"
    assert set(zofia.context) >= {"link_0", "pixel_url", "unsubscribe_url"}
    assert all(isinstance(v, str | int | float | bool | dict) for v in zofia.context.values())
    assert zofia.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert zofia.headers["List-Unsubscribe"].startswith("<https://crm.example.com/marketing/u/")
    personalise(zofia)
    assert "Cześć Zofia!" in zofia.body_html
    assert "/marketing/t/c/" in zofia.body_html


def test_a_consent_withdrawn_after_the_snapshot_is_not_bypassed_by_the_outbox(owner, world):
    """The snapshot decides who is queued; the consent check happens at the snapshot."""
    campaign = make_campaign(owner, world.segment)
    launched(owner, campaign)
    assert not Message.objects.filter(contact__in=[world.nobody, world.blocked, world.phoneless]).exists()


def test_marketing_mail_does_not_touch_the_contacts_last_interaction(owner, world, settings):
    from accord.activities.models import Interaction
    from accord.messaging.services.delivery import deliver_due

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    before = type(world.zofia).objects.get(pk=world.zofia.pk).last_interaction_at
    campaign = make_campaign(owner, world.segment)
    launched(owner, campaign)
    deliver_due()
    assert set(Message.objects.filter(kind="campaign").values_list("state", flat=True)) == {"sent"}
    assert not Interaction.objects.filter(contact=world.zofia).exists()
    assert type(world.zofia).objects.get(pk=world.zofia.pk).last_interaction_at == before


# --- crash and re-run ----------------------------------------------------------------------------------


def test_a_launch_cut_short_at_any_point_finishes_on_the_next_run_with_nobody_twice(
    owner, make_contact, world, monkeypatch
):
    monkeypatch.setattr(services, "CHUNK", 2)
    for i in range(5):
        extra = make_contact(owner, first_name=f"Extra{i}", emails=[{"email": f"extra{i}@example.com"}])
        consent(owner, extra)
        from accord.marketing.services.segments import add_members

        add_members(actor=owner, segment=world.segment, contacts=[extra])
    campaign = make_campaign(owner, world.segment)
    services.launch(actor=owner, campaign=campaign)

    # Killed during the snapshot, after its first chunk.
    services.run(campaign.pk, max_chunks=1)
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 2
    assert not Message.objects.exists()
    # Killed while queueing, after one chunk.
    services.run(campaign.pk, max_chunks=100)  # snapshot done, all queued
    assert CampaignRecipient.objects.filter(campaign=campaign).count() == 10

    # A chunk whose transaction dies half-way leaves nothing behind.
    second = make_campaign(owner, world.segment, name="Second")
    services.launch(actor=owner, campaign=second)
    services.snapshot(Campaign.objects.get(pk=second.pk))
    services._prepare_contents(second.pk)

    def killed_mid_chunk():
        with transaction.atomic():
            services.queue_chunk(second.pk)
            raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        killed_mid_chunk()
    assert not Message.objects.filter(idempotency_key__startswith=f"campaign:{second.pk}:").exists()

    # Rows marked pending again after their messages were queued (the worst case): re-queued
    # messages are the ones already there.
    services.queue_chunk(second.pk)
    CampaignRecipient.objects.filter(campaign=second).exclude(state="skipped").update(state="pending")
    report = services.run(second.pk)
    assert report.status == "sent"
    keys = list(Message.objects.filter(kind="campaign").values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys)) == 14  # 7 reachable in each campaign
    for one in (campaign, second):
        assert CampaignRecipient.objects.filter(campaign=one, state="queued").count() == 7
        assert Message.objects.filter(idempotency_key__startswith=f"campaign:{one.pk}:").count() == 7


def test_the_minute_job_finishes_a_launch_a_crash_left(owner, world):
    from accord.marketing.tasks import send_campaigns

    campaign = make_campaign(owner, world.segment)
    services.launch(actor=owner, campaign=campaign)  # its task never ran (worker killed)
    assert Campaign.objects.get(pk=campaign.pk).status == "sending"
    send_campaigns.call()
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"
    assert Message.objects.filter(kind="campaign").count() == 2

    # Queued whole, then killed before it was marked sent: the next minute finishes it.
    second = make_campaign(owner, world.segment, name="Second")
    services.launch(actor=owner, campaign=second)
    services.run(second.pk, max_chunks=1)
    Campaign.objects.filter(pk=second.pk).update(status="sending", finished_at=None)
    assert second.pk in services.start_due()
    send_campaigns.call()
    assert Campaign.objects.get(pk=second.pk).status == "sent"
    assert Message.objects.filter(kind="campaign").count() == 4


def test_a_scheduled_campaign_waits_for_its_time(owner, world):
    later = timezone.now() + datetime.timedelta(hours=2)
    campaign = make_campaign(owner, world.segment, scheduled_at=later.isoformat())
    services.launch(actor=owner, campaign=campaign)
    assert Campaign.objects.get(pk=campaign.pk).status == "scheduled"
    assert services.start_due() == []
    assert services.start_due(later + datetime.timedelta(minutes=1)) == [campaign.pk]
    services.run(campaign.pk)
    assert Campaign.objects.get(pk=campaign.pk).status == "sent"


def test_cancel_stops_what_is_not_sent(owner, world):
    campaign = make_campaign(owner, world.segment)
    launched(owner, campaign)
    services.cancel(actor=owner, campaign=Campaign.objects.get(pk=campaign.pk))
    assert set(Message.objects.filter(kind="campaign").values_list("state", flat=True)) == {"failed"}
    with pytest.raises(ValidationError):
        services.cancel(actor=owner, campaign=Campaign.objects.get(pk=campaign.pk))


# --- throttle -------------------------------------------------------------------------------------------


def test_throttle_spreads_the_messages(owner, make_contact, world, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 3)
    for i in range(6):
        extra = make_contact(owner, first_name=f"T{i}", emails=[{"email": f"t{i}@example.com"}])
        consent(owner, extra)
        from accord.marketing.services.segments import add_members

        add_members(actor=owner, segment=world.segment, contacts=[extra])
    campaign = make_campaign(owner, world.segment, throttle_per_hour=360)  # one per 10 seconds
    launched(owner, campaign)
    due = sorted(Message.objects.filter(kind="campaign").values_list("next_attempt_at", flat=True))
    assert len(due) == 8
    gaps = {round((b - a).total_seconds()) for a, b in itertools.pairwise(due)}
    assert gaps == {10}  # across chunks too
    assert due[-1] - due[0] == datetime.timedelta(seconds=70)


# --- A/B ------------------------------------------------------------------------------------------------


def test_ab_split_and_the_automatic_winner(owner, make_contact, world):
    from accord.marketing.services.segments import add_members

    people = []
    for i in range(60):
        extra = make_contact(
            owner, first_name=f"P{i}", emails=[{"email": f"p{i}@example.com"}], preferred_language="en"
        )
        consent(owner, extra)
        people.append(extra)
    add_members(actor=owner, segment=world.segment, contacts=people)
    campaign = make_campaign(owner, world.segment, ab_share=40, ab_wait_hours=2)
    report = launched(owner, campaign)
    assert report.status == "sending"  # the rest wait for the winner

    rows = CampaignRecipient.objects.filter(campaign=campaign).exclude(state="skipped")
    by_variant = {v: rows.filter(variant=v) for v in ("a", "b", "r")}
    a, b, rest = (by_variant[v].count() for v in ("a", "b", "r"))
    assert (a, b, rest) == (13, 12, 37)  # 40 % of 62 tested, half each
    assert set(by_variant["a"].values_list("state", flat=True)) == {"queued"}
    assert set(by_variant["r"].values_list("state", flat=True)) == {"held"}
    b_row = by_variant["b"].filter(contact__preferred_language="en").first()
    assert b_row.message.subject == "Winter news"

    # B's readers open it; A's do not.
    for row in by_variant["b"][:3]:
        assert services.record_open(content.open_token(row.pk))

    assert services.decide_due(timezone.now() + datetime.timedelta(hours=1)) == []  # too early
    assert services.decide_due(timezone.now() + datetime.timedelta(hours=3)) == [campaign.pk]
    assert services.run(campaign.pk).status == "sent"
    campaign.refresh_from_db()
    assert campaign.ab_winner == "b"
    rest_subjects = set(
        Message.objects.filter(pk__in=by_variant["r"].values("message_id")).values_list("subject", flat=True)
    )
    assert rest_subjects <= {"Winter news", "Zimowe nowości"}
    assert "Winter news" in rest_subjects
    counted = results(user=owner, campaign=campaign)
    assert counted.variants["b"].opened == 3
    assert counted.variants["a"].opened == 0
    assert counted.total.queued == 62


def test_the_draw_is_the_same_on_every_run(owner, world):
    campaign = make_campaign(owner, world.segment, ab_share=50)
    assert [services._draw(campaign, c.pk) for c in world.reachable] == [
        services._draw(campaign, c.pk) for c in world.reachable
    ]


# --- tracking -------------------------------------------------------------------------------------------


def test_tracking_counts_once_per_recipient_and_refuses_forgeries(owner, world):
    campaign = make_campaign(owner, world.segment)
    launched(owner, campaign)
    row = CampaignRecipient.objects.get(campaign=campaign, contact=world.zofia)
    message = personalise(row.message)
    campaign.refresh_from_db()
    idx = campaign.links.index("https://shop.example.com/oferta?a=1&b=2")
    link = message.context[f"link_{idx}"]
    assert f'href="{link}"' in message.body_html
    pixel = message.context["pixel_url"]
    assert link.startswith("https://crm.example.com/marketing/t/c/")
    base = "https://crm.example.com"
    client = Client()

    for _ in range(3):
        opened = client.get(pixel.removeprefix(base))
        assert opened.status_code == 200
        assert opened["Content-Type"] == "image/gif"
    clicked = client.get(link.removeprefix(base))
    assert clicked.status_code == 302
    assert clicked["Location"] == "https://shop.example.com/oferta?a=1&b=2"
    client.get(link.removeprefix(base))

    row.refresh_from_db()
    first_open = row.opened_at
    assert (row.open_count, row.click_count) == (3, 2)
    assert first_open
    assert row.clicked_at
    client.get(pixel.removeprefix(base))
    row.refresh_from_db()
    assert row.opened_at == first_open

    # Forged, tampered with, or naming a link the campaign does not hold: 404, no redirect.
    token = content.click_token(row.pk, idx)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/marketing/t/c/{forged}/").status_code == 404
    assert client.get(f"/marketing/t/c/{row.pk}.0:nothing/").status_code == 404
    assert client.get(f"/marketing/t/c/{content.click_token(row.pk, 7)}/").status_code == 404
    assert client.get(f"/marketing/t/c/{content.open_token(row.pk)}/").status_code == 404
    assert client.get(f"/marketing/t/o/{content.click_token(row.pk, idx)}.gif").status_code == 404
    assert client.get("/marketing/t/c/" + link.rsplit("/", 2)[-2] + "/?url=https://evil.example")["Location"] == (
        "https://shop.example.com/oferta?a=1&b=2"
    )
    # Another recipient's token counts for them, not for this one.
    other = CampaignRecipient.objects.get(campaign=campaign, contact=world.john)
    client.get(f"/marketing/t/o/{content.open_token(other.pk)}.gif")
    row.refresh_from_db()
    assert row.open_count == 4


def test_tracking_switched_off_puts_plain_links_and_no_pixel(owner, world):
    campaign = make_campaign(owner, world.segment, track_opens=False, track_clicks=False)
    launched(owner, campaign)
    message = personalise(Message.objects.get(kind="campaign", contact=world.zofia))
    assert "/marketing/t/" not in message.body_html
    assert 'href="https://shop.example.com/oferta?a=1&amp;b=2"' in message.body_html
    row = CampaignRecipient.objects.get(campaign=campaign, contact=world.zofia)
    assert Client().get(f"/marketing/t/o/{content.open_token(row.pk)}.gif").status_code == 404


# --- results ---------------------------------------------------------------------------------------------


def test_results_count_sent_bounced_opened_clicked_unsubscribed_and_revenue(owner, world, admin_user, settings):
    from decimal import Decimal

    from accord.marketing.services.unsubscribe import unsubscribe, unsubscribe_token
    from accord.messaging.services.delivery import deliver_due
    from accord.messaging.services.outbox import record_bounce

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    campaign = make_campaign(owner, world.segment, cost="100.00")
    launched(owner, campaign)
    deliver_due()
    zofia = CampaignRecipient.objects.get(campaign=campaign, contact=world.zofia)
    john = CampaignRecipient.objects.get(campaign=campaign, contact=world.john)
    record_bounce(message_id=john.message.external_id, reason="550 no such user")
    services.record_open(content.open_token(zofia.pk))
    services.record_click(content.click_token(zofia.pk, 0))
    unsubscribe(
        token=unsubscribe_token(contact=world.zofia, channel="email", purpose="newsletter", ref=services.ref(campaign))
    )
    # Not this campaign's link: not counted.
    unsubscribe(token=unsubscribe_token(contact=world.john, channel="email", purpose="newsletter", ref="other"))

    campaign.refresh_from_db()
    counted = results(user=admin_user, campaign=campaign)
    total = counted.total
    assert (total.recipients, total.skipped, total.queued, total.sent) == (5, 3, 2, 2)
    assert (total.delivered, total.bounced, total.opened, total.clicked, total.unsubscribed) == (1, 1, 1, 1, 1)
    assert counted.skipped == {"no_consent": 1, "suppressed": 1, "no_address": 1}
    assert counted.cost == Decimal("100.00")
    assert counted.revenue == 0
    assert counted.roi == -100.0


def test_deals_won_and_payments_of_recipients_within_30_days_are_attributed(
    owner, world, admin_user, marketer, settings
):
    from decimal import Decimal

    from accord.billing.services.payments import record_payment
    from accord.messaging.services.delivery import deliver_due
    from accord.sales.services.deals import create_deal, win_deal

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    campaign = make_campaign(owner, world.segment, cost="200.00")
    launched(owner, campaign)
    deliver_due()
    won = create_deal(actor=owner, data={"name": "Winter order", "amount": "1500.00", "contacts": [world.zofia]})
    win_deal(actor=owner, deal=won)
    create_deal(actor=owner, data={"name": "Still open", "amount": "900.00", "contacts": [world.john]})
    # Someone who got nothing (no consent) is not the campaign's doing.
    other = create_deal(actor=owner, data={"name": "Not reached", "amount": "700.00", "contacts": [world.nobody]})
    win_deal(actor=owner, deal=other)
    today = timezone.localdate()
    record_payment(actor=admin_user, amount="500.00", currency="PLN", received_on=today, contact=world.zofia)
    record_payment(actor=admin_user, amount="80.00", currency="PLN", received_on=today, contact=world.nobody)
    record_payment(
        actor=admin_user,
        amount="999.00",
        currency="PLN",
        received_on=today + datetime.timedelta(days=45),
        contact=world.john,
    )

    campaign.refresh_from_db()
    seen_by_admin = results(user=admin_user, campaign=campaign)
    assert (seen_by_admin.deals_won, seen_by_admin.deal_value) == (1, Decimal("1500.00"))
    assert seen_by_admin.revenue == Decimal("500.00")
    assert seen_by_admin.roi == 150.0
    seen_by_rep = results(user=owner, campaign=campaign)  # a sales rep sees amounts too
    assert (seen_by_rep.deal_value, seen_by_rep.revenue, seen_by_rep.shows_revenue) == (
        Decimal("1500.00"),
        Decimal("500.00"),
        True,
    )
    seen_by_marketer = results(user=marketer, campaign=campaign)
    assert seen_by_marketer.deals_won == 1
    assert (seen_by_marketer.deal_value, seen_by_marketer.revenue, seen_by_marketer.shows_revenue) == (0, 0, False)


def test_an_sms_campaign_goes_to_those_with_a_phone_and_consent(owner, make_contact, world):
    from accord.marketing.services.segments import add_members

    texter = make_contact(owner, first_name="Tomasz", phones=[{"number": "+48 602 111 222"}], preferred_language="pl")
    consent(owner, texter, channel="sms")
    consent(owner, world.phoneless, channel="sms", purpose="offers")  # another purpose: not enough
    add_members(actor=owner, segment=world.segment, contacts=[texter])
    campaign = make_campaign(
        owner,
        world.segment,
        channel="sms",
        versions={"pl": {"text": "Cześć {{ first_name }}, zimowa oferta czeka."}},
    )
    report = launched(owner, campaign)
    assert (report.queued, report.status) == (1, "sent")
    message = personalise(Message.objects.get(kind="campaign"))
    assert (message.channel, message.to_address, message.headers) == ("sms", "+48602111222", {})
    assert message.body == "Cześć Tomasz, zimowa oferta czeka."
    assert states(campaign)[world.phoneless.pk] == ("skipped", "no_consent")
    assert states(campaign)[world.zofia.pk] == ("skipped", "no_address")  # no phone


def test_consent_withdrawn_or_address_suppressed_after_queueing_stops_the_unsent_message(owner, world, dispatch):
    from accord.marketing.services import withdraw
    from accord.marketing.services.consent import suppress

    campaign = make_campaign(owner, world.segment, throttle_per_hour=1)  # one an hour: hours ahead
    launched(owner, campaign)
    dispatch()
    withdraw(actor=owner, contact=world.zofia, channel="email", purpose="newsletter", proof=Proof(method="phone"))
    dispatch()
    state = dict(Message.objects.filter(kind="campaign").values_list("to_address", "state"))
    assert state == {"zofia@zolta.example": "failed", "john@smith.example": "queued"}
    suppress(channel="email", address="John@Smith.example", reason="complained", source="feedback loop")
    dispatch()
    assert set(Message.objects.filter(kind="campaign").values_list("state", flat=True)) == {"failed"}
    assert results(user=owner, campaign=campaign).total.sent == 0
