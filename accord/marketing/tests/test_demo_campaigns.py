"""The demo's campaign: sent ten days ago with an A/B test decided, results to show, and no
message left waiting in the outbox (the demo mails nobody)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_a_sent_campaign_with_results() -> None:
    from accord.identity.models import User
    from accord.marketing.models import Campaign
    from accord.marketing.selectors.campaigns import results
    from accord.messaging.models import Message

    out = io.StringIO()
    call_command("demo", "--size", "0.1", "--seed", "7", stdout=out)
    assert "campaigns: 1 sent" in out.getvalue()

    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.ab_winner in ("a", "b")) == ("sent", True)
    found = results(user=User.objects.get(username="admin"), campaign=campaign)
    assert found.total.sent > 0
    assert found.total.opened > 0
    assert set(found.variants) == {"a", "b", "r"}
    assert not Message.objects.filter(kind="campaign", state="queued").exists()
