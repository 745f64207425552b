"""The demo's marketing, from one demo load (each load takes most of a minute): a campaign sent ten
days ago with an A/B test decided and results to show; three journeys running, the welcome with
opens, clicks, both answers of its branch and some still waiting; offer rules that give demo
customers a next best offer; and no message left waiting in the outbox (the demo mails nobody)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_a_sent_campaign_running_journeys_and_matching_offers() -> None:
    out = io.StringIO()
    call_command("demo", "--size", "0.1", "--seed", "7", stdout=out)
    said = out.getvalue()

    assert "campaigns: 1 sent" in said
    _campaign_has_results()
    assert "journeys: 3 running" in said
    _journeys_have_statistics()
    assert "offer rules" in said
    _offer_rules_match_contacts()


def _campaign_has_results() -> None:
    from accord.identity.models import User
    from accord.marketing.models import Campaign
    from accord.marketing.selectors.campaigns import results
    from accord.messaging.models import Message

    campaign = Campaign.objects.get()
    assert (campaign.status, campaign.ab_winner in ("a", "b")) == ("sent", True)
    found = results(user=User.objects.get(username="admin"), campaign=campaign)
    assert found.total.sent > 0
    assert found.total.opened > 0
    assert set(found.variants) == {"a", "b", "r"}
    assert not Message.objects.filter(kind="campaign", state="queued").exists()


def _journeys_have_statistics() -> None:
    from accord.marketing.models import Journey, JourneyStatus
    from accord.marketing.selectors.journeys import step_stats, totals
    from accord.messaging.models import Message

    assert set(Journey.objects.values_list("status", flat=True)) == {JourneyStatus.ACTIVE}
    welcome = Journey.objects.get(trigger="segment_joined")
    counted = totals(welcome)
    assert counted.enrolled > 0
    assert counted.done > 0
    assert counted.active > 0  # joined yesterday: waiting for the branch
    stats = {row.step.kind: row for row in step_stats(welcome)}
    assert stats["email"].sent > 0
    assert stats["email"].opened >= stats["email"].clicked > 0
    assert set(stats["branch"].outcomes) == {"yes", "no"}
    assert stats["branch"].waiting == counted.active
    assert Journey.objects.get(trigger="birthday").enrollments.exists()
    assert not Message.objects.filter(kind="journey", state="queued").exists()


def _offer_rules_match_contacts() -> None:
    from accord.marketing.models import OfferExposure, OfferRule
    from accord.marketing.selectors import offers as selectors
    from accord.people.models import Contact

    assert OfferRule.objects.count() == 4
    offers = selectors.next_best_offers(Contact.objects.all())
    assert len(offers) >= 10
    assert {o.rule.name for o in offers.values()} >= {"E-learning for the training-minded", "More cloud storage"}
    assert all(o.reason for o in offers.values())
    assert OfferExposure.objects.filter(held_out=False).count() >= len(offers)
