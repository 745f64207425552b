"""The journey screens: settings, steps by kind, start and pause, the figures per step; the same
rules as the service, the same refusals as the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accord.marketing.models import Journey, JourneyStatus, StepKind
from accord.marketing.services import journeys
from accord.marketing.services.segments import add_members, create_segment
from accord.marketing.tests.campaign_world import consent

pytestmark = pytest.mark.django_db


def test_a_marketer_builds_starts_and_watches_a_journey(
    marketer: Any, login: Any, make_contact: Any, owner: Any
) -> None:
    segment = create_segment(actor=marketer, data={"name": "Newcomers", "kind": "static"})
    client = login(marketer)

    page = client.post(
        reverse("marketing:journey-create"),
        {"name": "Welcome", "trigger": "segment_joined", "segment": str(segment.pk), "purpose": "offers"},
    )
    journey = Journey.objects.get()
    assert page.status_code == 302
    assert page["Location"] == reverse("marketing:journey-detail", args=[journey.pk])

    add = reverse("marketing:journey-step-create", args=[journey.pk, "email"])
    assert client.get(add).status_code == 200
    refused = client.post(add, {"subject": "", "body": "Hi", "version": journey.version})
    assert refused.status_code == 422
    assert "This field is required." in refused.content.decode()
    journey.refresh_from_db()
    client.post(add, {"subject": "Witaj {{ first_name }}", "body": "Dzień dobry", "version": journey.version})
    journey.refresh_from_db()
    client.post(
        reverse("marketing:journey-step-create", args=[journey.pk, "wait"]),
        {"days": "2", "hours": "", "version": journey.version},
    )
    assert [s.kind for s in journey.steps.order_by("position")] == [StepKind.EMAIL, StepKind.WAIT]

    journey.refresh_from_db()
    client.post(reverse("marketing:journey-activate", args=[journey.pk]), {"version": journey.version})
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.ACTIVE

    newcomer = make_contact(marketer, first_name="Zofia", emails=[{"email": "zofia@example.com"}])
    consent(marketer, newcomer, purpose="offers")
    add_members(actor=marketer, segment=segment, contacts=[newcomer])
    journeys.sweep_segments()
    journeys.advance()

    detail = client.get(reverse("marketing:journey-detail", args=[journey.pk])).content.decode()
    assert 'data-stat="enrolled">1<' in detail
    assert "E-mail “Witaj {{ first_name }}”" in detail
    assert 'data-stat="reached">1<' in detail
    assert "Zofia" in detail
    # While it runs its steps cannot change: no step buttons, and a POST is refused.
    assert reverse("marketing:journey-step-create", args=[journey.pk, "tag"]) not in detail
    client.post(
        reverse("marketing:journey-step-create", args=[journey.pk, "tag"]), {"tag": "X", "version": journey.version}
    )
    assert journey.steps.count() == 2

    client.post(reverse("marketing:journey-pause", args=[journey.pk]), {"version": journey.version})
    journey.refresh_from_db()
    assert journey.status == JourneyStatus.PAUSED
    listed = client.get(reverse("marketing:journey-list")).content.decode()
    assert "Welcome" in listed


def test_settings_are_checked_and_a_stale_form_is_told(owner: Any, login: Any) -> None:
    client = login(owner)
    refused = client.post(reverse("marketing:journey-create"), {"name": "", "trigger": "segment_joined"})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "A journey started by a segment needs the segment." in body
    assert not Journey.objects.exists()

    journey = journeys.create_journey(actor=owner, data={"name": "Thanks", "trigger": "deal_won"})
    stale = journey.version
    journeys.update_journey(actor=owner, journey=journey, data={"name": "Thank you"})
    answer = client.post(
        reverse("marketing:journey-edit", args=[journey.pk]),
        {"name": "Mine", "trigger": "deal_won", "purpose": "offers", "version": stale},
    )
    assert answer.status_code == 409
    journey.refresh_from_db()
    assert journey.name == "Thank you"


def test_a_journey_of_another_team_is_not_found(owner: Any, outsider: Any, login: Any) -> None:
    journey = journeys.create_journey(actor=owner, data={"name": "Thanks", "trigger": "deal_won"})
    client = login(outsider)
    for name, args in (
        ("marketing:journey-detail", [journey.pk]),
        ("marketing:journey-edit", [journey.pk]),
        ("marketing:journey-step-create", [journey.pk, "wait"]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404
    assert client.post(reverse("marketing:journey-activate", args=[journey.pk])).status_code == 404
    assert "Thanks" not in client.get(reverse("marketing:journey-list")).content.decode()


def test_steps_are_moved_edited_and_removed(owner: Any, login: Any) -> None:
    journey = journeys.create_journey(actor=owner, data={"name": "Thanks", "trigger": "deal_won"})
    wait = journeys.add_step(actor=owner, journey=journey, kind="wait", config={"days": 1})
    tag = journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Customer"})
    client = login(owner)

    client.post(reverse("marketing:journey-step-move", args=[journey.pk, tag.pk]), {"to": "up"})
    assert list(journey.steps.order_by("position").values_list("kind", flat=True)) == ["tag", "wait"]
    edit = reverse("marketing:journey-step-edit", args=[journey.pk, wait.pk])
    assert 'value="1"' in client.get(edit).content.decode()
    journey.refresh_from_db()
    bad = client.post(edit, {"days": "999", "hours": "0", "version": journey.version})
    assert bad.status_code == 422
    assert "Enter a number from 0 to 366." in bad.content.decode()
    client.post(edit, {"days": "4", "hours": "6", "version": journey.version})
    wait.refresh_from_db()
    assert wait.config == {"days": 4, "hours": 6}
    client.post(reverse("marketing:journey-step-remove", args=[journey.pk, tag.pk]))
    assert list(journey.steps.values_list("kind", "position")) == [("wait", 1)]
    assert client.get(reverse("marketing:journey-step-create", args=[journey.pk, "nothing"])).status_code == 404


def test_the_contact_page_lists_the_campaigns_and_journeys_that_reached_them(
    owner: Any, login: Any, make_contact: Any
) -> None:
    from accord.marketing.models import CampaignRecipient
    from accord.marketing.tests.campaign_world import make_campaign

    person = make_contact(owner, first_name="Ala")
    segment = create_segment(actor=owner, data={"name": "All", "kind": "static"})
    campaign = make_campaign(owner, segment, name="December news")
    CampaignRecipient.objects.create(campaign=campaign, contact=person, state="skipped", reason="no_consent")
    journey = journeys.create_journey(actor=owner, data={"name": "Thank you for the order", "trigger": "deal_won"})
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Customer"})
    journeys.activate(actor=owner, journey=journey)
    journeys.enroll(trigger="deal_won", contact_ids=[person.pk], key="deal:1")
    journeys.advance()

    page = login(owner).get(reverse("people:contact-detail", args=[person.pk])).content.decode()

    assert "Thank you for the order" in page
    assert "December news" in page
    assert "No consent" in page
    assert reverse("marketing:journey-detail", args=[journey.pk]) in page
