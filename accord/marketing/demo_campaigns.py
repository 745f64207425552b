"""Demo data of campaigns: a newsletter sent ten days ago with an A/B test of its subject, and
its results (deliveries, bounces, opens, clicks and a few unsubscribes through its links).

Nothing is mailed: the demo marks the messages as sent itself, as if a worker had sent them."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from accord.core.demos import DemoContext

BLOCKS = {
    "en": [
        {"type": "heading", "text": "Hello {{ first_name }}!"},
        {"type": "paragraph", "text": "Our winter catalogue is out, with prices held until March."},
        {"type": "button", "text": "See the catalogue", "url": "https://www.example.com/winter"},
        {"type": "divider"},
        {"type": "footer", "text": "Accord Demo Sp. z o.o."},
    ],
    "pl": [
        {"type": "heading", "text": "Dzień dobry, {{ first_name }}!"},
        {"type": "paragraph", "text": "Nasz zimowy katalog już jest, z cenami gwarantowanymi do marca."},
        {"type": "button", "text": "Zobacz katalog", "url": "https://www.example.com/winter"},
        {"type": "divider"},
        {"type": "footer", "text": "Accord Demo Sp. z o.o."},
    ],
}
SUBJECTS = {
    "en": ("Winter catalogue for {{ first_name }}", "Prices held until March"),
    "pl": ("Zimowy katalog dla {{ first_name }}", "Ceny gwarantowane do marca"),
}


def generate(ctx: DemoContext) -> None:
    from accord.marketing.models import Campaign, CampaignRecipient, ConsentPurpose, RecipientState
    from accord.marketing.services import Proof, give
    from accord.marketing.services import campaign_content as content
    from accord.marketing.services import campaigns as services
    from accord.marketing.services.segments import add_members, create_segment
    from accord.marketing.services.unsubscribe import unsubscribe, unsubscribe_token
    from accord.messaging.models import Message

    rng = random.Random(f"marketing-campaigns:{ctx.seed}")
    users: dict[str, Any] = ctx.data.get("users", {})
    marketer = users.get("marketer") or users.get("admin")
    contacts = [c for c in ctx.data.get("contacts", []) if c.primary_email]
    if marketer is None or not contacts:
        return
    chosen = rng.sample(contacts, min(len(contacts), ctx.count(400)))
    for contact in chosen:
        if rng.random() < 0.8:
            give(
                actor=marketer,
                contact=contact,
                channel="email",
                purpose=ConsentPurpose.NEWSLETTER,
                proof=Proof(method="form", text="I want the newsletter.", source="Demo: website newsletter form"),
            )
    segment = create_segment(actor=marketer, data={"name": "Newsletter readers", "kind": "static"})
    add_members(actor=marketer, segment=segment, contacts=chosen)
    campaign = services.create_campaign(
        actor=marketer,
        data={
            "name": "Winter catalogue",
            "channel": "email",
            "purpose": ConsentPurpose.NEWSLETTER,
            "segment": str(segment.pk),
            "ab_share": 20,
            "ab_wait_hours": 4,
            "cost": "450.00",
            "versions": {
                code: {"subject": SUBJECTS[code][0], "subject_b": SUBJECTS[code][1], "blocks": blocks}
                for code, blocks in BLOCKS.items()
            },
        },
    )
    services.launch(actor=marketer, campaign=campaign)
    services.run(campaign.pk)
    sent_at = timezone.now() - datetime.timedelta(days=10)
    Campaign.objects.filter(pk=campaign.pk).update(launched_at=sent_at)

    def mark_sent() -> None:
        queued = CampaignRecipient.objects.filter(campaign=campaign, message__state="queued").values("message_id")
        Message.objects.filter(pk__in=queued).update(state="sent", sent_at=sent_at, next_attempt_at=None)

    mark_sent()
    # The test's readers: B's subject does better.
    for row in CampaignRecipient.objects.filter(campaign=campaign, state=RecipientState.QUEUED):
        rate = 0.45 if row.variant == "b" else 0.3
        if rng.random() < rate:
            services.record_open(content.open_token(row.pk))
    services.decide_winner(campaign.pk, sent_at + datetime.timedelta(hours=5))
    Campaign.objects.filter(pk=campaign.pk).update(throttle_next_at=None)
    services.run(campaign.pk)
    mark_sent()
    campaign.refresh_from_db()
    rows = list(
        CampaignRecipient.objects.filter(campaign=campaign, state=RecipientState.QUEUED).select_related("contact")
    )
    for row in rows:
        roll = rng.random()
        if roll < 0.03:
            Message.objects.filter(pk=str(row.message_id)).update(state="bounced", error="550 5.1.1 No such user")
            continue
        if row.opened_at is None and rng.random() < 0.35:
            for _ in range(rng.choice((1, 1, 2, 3))):
                services.record_open(content.open_token(row.pk))
        if rng.random() < 0.12:
            services.record_click(content.click_token(row.pk, 0))
        if rng.random() < 0.02:
            unsubscribe(
                token=unsubscribe_token(
                    contact=row.contact, channel="email", purpose=campaign.purpose, ref=services.ref(campaign)
                )
            )
    # First opens and clicks spread over the days after the send, not all at once.
    for row in CampaignRecipient.objects.filter(campaign=campaign, opened_at__isnull=False):
        opened = sent_at + datetime.timedelta(minutes=rng.randint(5, 72 * 60))
        clicked = opened + datetime.timedelta(minutes=rng.randint(1, 30)) if row.clicked_at else None
        CampaignRecipient.objects.filter(pk=row.pk).update(opened_at=opened, clicked_at=clicked)
    Campaign.objects.filter(pk=campaign.pk).update(finished_at=sent_at + datetime.timedelta(hours=5))
    ctx.log(f"  campaigns: 1 sent to {len(rows)} of {len(chosen)} contacts")
