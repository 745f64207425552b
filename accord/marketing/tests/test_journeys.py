"""Journeys: triggers enrol once per occasion, steps run once whatever the retries, e-mails only
with consent and with one-click unsubscribe, branches follow opens and clicks, and the steps'
statistics say what happened."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.marketing.models import Enrollment, EnrollmentState, JourneyStatus, JourneyStep, StepRun
from accord.marketing.services import journeys
from accord.marketing.services.segments import add_members, create_segment
from accord.marketing.tests.campaign_world import consent
from accord.messaging.models import Message

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(days=3, minutes=1)


def _journey(owner: Any, segment: Any = None, **data: Any) -> Any:
    data.setdefault("name", "Welcome")
    data.setdefault("trigger", "segment_joined" if segment is not None else "deal_won")
    if segment is not None:
        data.setdefault("segment", segment)
    return journeys.create_journey(actor=owner, data=data)


def _steps(owner: Any, journey: Any) -> dict[str, JourneyStep]:
    """E-mail, wait three days, branch on the e-mail's click (no: to the tag), a task, a tag."""
    made: dict[str, JourneyStep] = {}
    made["email"] = journeys.add_step(
        actor=owner,
        journey=journey,
        kind="email",
        config={
            "subject": "Witaj {{ first_name }}",
            "body": "Dzień dobry {{ first_name }}!\n\nMamy coś dla Ciebie.",
            "button_text": "Zobacz",
            "button_url": "https://shop.example.com/start",
        },
    )
    made["wait"] = journeys.add_step(actor=owner, journey=journey, kind="wait", config={"days": 3})
    made["branch"] = journeys.add_step(
        actor=owner, journey=journey, kind="branch", config={"condition": "clicked", "step": made["email"].pk}
    )
    made["task"] = journeys.add_step(
        actor=owner, journey=journey, kind="task", config={"title": "Call {{ full_name }}", "due_days": 2}
    )
    made["tag"] = journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Engaged"})
    journeys.update_step(
        actor=owner,
        step=made["branch"],
        config={"condition": "clicked", "step": made["email"].pk, "otherwise": made["tag"].pk},
    )
    return made


@pytest.fixture
def segment(owner: Any) -> Any:
    return create_segment(actor=owner, data={"name": "Newcomers", "kind": "static"})


def test_a_segment_journey_enrols_who_joins_not_who_was_there(owner: Any, make_contact: Any, segment: Any) -> None:
    before = make_contact(owner, first_name="Ala", emails=[{"email": "ala@example.com"}])
    add_members(actor=owner, segment=segment, contacts=[before])
    journey = _journey(owner, segment)
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Welcomed"})
    journeys.activate(actor=owner, journey=journey)

    newcomer = make_contact(owner, first_name="Ola", emails=[{"email": "ola@example.com"}])
    add_members(actor=owner, segment=segment, contacts=[newcomer])
    assert journeys.sweep_segments() == 1
    assert journeys.sweep_segments() == 0  # met already
    journeys.advance()

    states = dict(Enrollment.objects.filter(journey=journey).values_list("contact_id", "state"))
    assert states == {before.pk: EnrollmentState.SKIPPED, newcomer.pk: EnrollmentState.DONE}
    assert [t.name for t in newcomer.tags.all()] == ["Welcomed"]
    assert not before.tags.exists()


def test_who_is_in_the_segment_may_be_enrolled_at_the_start(owner: Any, make_contact: Any, segment: Any) -> None:
    there = make_contact(owner, first_name="Ala")
    add_members(actor=owner, segment=segment, contacts=[there])
    journey = _journey(owner, segment, include_current=True)
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Welcomed"})
    journeys.activate(actor=owner, journey=journey)

    assert journeys.sweep_segments() == 1
    journeys.advance()
    assert [t.name for t in there.tags.all()] == ["Welcomed"]


def test_the_steps_run_once_each_with_the_wait_and_the_branch(
    owner: Any, make_contact: Any, segment: Any, client: Any
) -> None:
    journey = _journey(owner, segment)
    steps = _steps(owner, journey)
    journeys.activate(actor=owner, journey=journey)
    clicker = make_contact(owner, first_name="Zofia", last_name="Gęślak", emails=[{"email": "zofia@example.com"}])
    silent = make_contact(owner, first_name="Jan", emails=[{"email": "jan@example.com"}])
    for person in (clicker, silent):
        consent(owner, person, purpose="offers")
    add_members(actor=owner, segment=segment, contacts=[clicker, silent])
    journeys.sweep_segments()

    assert journeys.advance() == 2
    assert journeys.advance() == 0  # both are waiting
    sent = Message.objects.filter(kind="journey", contact=clicker).get()
    assert sent.subject == "Witaj Zofia"
    assert sent.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.headers["List-Unsubscribe"].startswith("<https://crm.example.com/")
    assert "Dzień dobry Zofia!" in sent.body

    # The clicker follows the tracked link: redirected to the step's own URL, the click kept.
    link = re.search(r"https://crm\.example\.com(/\S*/t/jc/[^\s\"]+/)", sent.body_html).group(1)
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/start"
    forged = link.replace("/t/jc/", "/t/jc/x")
    assert client.get(forged).status_code == 404

    later = timezone.now() + LATER
    assert journeys.advance(now=later) == 2
    assert journeys.advance(now=later) == 0
    outcomes = {
        (run.enrollment.contact_id, run.step_id): run.outcome for run in StepRun.objects.select_related("enrollment")
    }
    assert outcomes[(clicker.pk, steps["branch"].pk)] == "yes"
    assert outcomes[(silent.pk, steps["branch"].pk)] == "no"
    assert (clicker.pk, steps["task"].pk) in outcomes
    assert (silent.pk, steps["task"].pk) not in outcomes  # jumped over to the tag
    assert {c.tags.get().name for c in (clicker, silent)} == {"Engaged"}
    from accord.activities.models import Task

    task = Task.objects.get(contact=clicker)
    assert task.title == "Call Zofia Gęślak"
    assert task.owner == owner
    assert Message.objects.filter(kind="journey").count() == 2
    assert set(Enrollment.objects.values_list("state", flat=True)) == {EnrollmentState.DONE}

    stats = {row.step.pk: row for row in journeys_stats(owner, journey)}
    assert stats[steps["email"].pk].reached == 2
    assert stats[steps["email"].pk].clicked == 1
    assert stats[steps["branch"].pk].outcomes == {"yes": 1, "no": 1}
    assert stats[steps["task"].pk].reached == 1


def journeys_stats(owner: Any, journey: Any) -> list[Any]:
    from accord.marketing.selectors.journeys import step_stats

    return step_stats(journey)


def test_no_message_without_consent_and_the_journey_goes_on(owner: Any, make_contact: Any, segment: Any) -> None:
    journey = _journey(owner, segment)
    email = journeys.add_step(actor=owner, journey=journey, kind="email", config={"subject": "Hi", "body": "Hello"})
    journeys.add_step(actor=owner, journey=journey, kind="sms", config={"text": "Hi {{ first_name }}"})
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Tried"})
    journeys.activate(actor=owner, journey=journey)
    nobody = make_contact(owner, first_name="Ala", emails=[{"email": "ala@example.com"}])
    add_members(actor=owner, segment=segment, contacts=[nobody])
    journeys.sweep_segments()
    journeys.advance()

    assert not Message.objects.filter(kind="journey").exists()
    outcomes = list(StepRun.objects.order_by("step__position").values_list("outcome", flat=True))
    assert outcomes == ["no_consent", "no_address", "done"]
    assert StepRun.objects.get(step=email).message is None


def test_an_occasion_enrols_once_and_a_paused_journey_neither_enrols_nor_runs(owner: Any, make_contact: Any) -> None:
    journey = _journey(owner)
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Won"})
    person = make_contact(owner, first_name="Ala")
    assert journeys.enroll(trigger="deal_won", contact_ids=[person.pk], key="deal:1") == 0  # a draft

    journeys.activate(actor=owner, journey=journey)
    journeys.enroll(trigger="deal_won", contact_ids=[person.pk], key="deal:1")
    journeys.enroll(trigger="deal_won", contact_ids=[person.pk], key="deal:1")
    journeys.enroll(trigger="deal_won", contact_ids=[person.pk], key="deal:2")
    assert Enrollment.objects.filter(journey=journey).count() == 2

    journeys.pause(actor=owner, journey=journey)
    assert journeys.advance() == 0
    journeys.activate(actor=owner, journey=journey)
    assert journeys.advance() == 2


def test_a_journey_enrols_only_contacts_its_owner_may_see(owner: Any, outsider: Any, make_contact: Any) -> None:
    journey = _journey(owner)
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Won"})
    journeys.activate(actor=owner, journey=journey)
    mine = make_contact(owner, first_name="Ala")
    theirs = make_contact(outsider, first_name="Ela")

    journeys.enroll(trigger="deal_won", contact_ids=[mine.pk, theirs.pk], key="deal:1")

    assert list(Enrollment.objects.values_list("contact_id", flat=True)) == [mine.pk]


def test_a_won_deal_starts_the_journey_of_its_contacts(
    owner: Any, make_contact: Any, make_company: Any, dispatch: Any
) -> None:
    from accord.sales.services import deals

    journey = _journey(owner)
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Customer"})
    journeys.activate(actor=owner, journey=journey)
    person = make_contact(owner, first_name="Ala")
    deal = deals.create_deal(actor=owner, data={"name": "Steel", "company": make_company(owner), "contacts": [person]})
    dispatch()
    assert not Enrollment.objects.exists()  # entering the first stage is not winning

    deals.win_deal(actor=owner, deal=deal)
    dispatch()
    dispatch()
    journeys.advance()

    assert [t.name for t in person.tags.all()] == ["Customer"]
    assert Enrollment.objects.get().key == f"deal:{deal.pk}"


def test_birthdays_enrol_once_a_year_on_the_local_day(owner: Any, make_contact: Any) -> None:
    journey = _journey(owner, trigger="birthday")
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Birthday"})
    journeys.activate(actor=owner, journey=journey)
    today = datetime.date(2026, 5, 4)
    ala = make_contact(owner, first_name="Ala", birthday=datetime.date(1990, 5, 4))
    make_contact(owner, first_name="Ela", birthday=datetime.date(1990, 5, 5))
    noon = datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC)

    assert journeys.sweep_birthdays(now=noon) == 1
    journeys.sweep_birthdays(now=noon + datetime.timedelta(minutes=15))
    assert list(Enrollment.objects.values_list("contact_id", "key")) == [(ala.pk, "birthday:2026")]


def test_bad_steps_are_refused_naming_the_field(owner: Any, segment: Any) -> None:
    journey = _journey(owner, segment)
    cases = [
        ("wait", {"days": "x"}, "days"),
        ("wait", {"days": 0, "hours": 0}, "days"),
        ("wait", {"days": 400}, "days"),
        ("email", {"subject": "", "body": "x"}, "subject"),
        ("email", {"subject": "x", "body": "{% load x %}"}, "body"),
        ("email", {"subject": "x", "body": "y", "button_text": "Go"}, "button_url"),
        (
            "email",
            {"subject": "x", "body": "y", "button_text": "Go", "button_url": "javascript:alert(1)"},
            "button_url",
        ),
        ("sms", {"text": ""}, "text"),
        ("branch", {"condition": "opened", "step": 999}, "step"),
        ("branch", {"condition": "read"}, "condition"),
        ("task", {"title": ""}, "title"),
        ("tag", {"tag": ""}, "tag"),
        ("tag", {"tag": ["a", "b"]}, "tag"),
        ("sms", {"text": {"x": 1}}, "text"),
        ("nothing", {}, "kind"),
        ("wait", ["days"], "config"),
    ]
    for kind, config, field in cases:
        with pytest.raises(ValidationError) as caught:
            journeys.add_step(actor=owner, journey=journey, kind=kind, config=config)
        assert field in caught.value.message_dict, (kind, config, caught.value.message_dict)
    assert not journey.steps.exists()


def test_a_journey_starts_only_when_whole_and_changes_only_when_paused(owner: Any, segment: Any) -> None:
    journey = _journey(owner, segment)
    with pytest.raises(ValidationError) as caught:
        journeys.activate(actor=owner, journey=journey)
    assert "steps" in caught.value.message_dict

    journeys.add_step(actor=owner, journey=journey, kind="wait", config={"hours": 1})
    journey = journeys.activate(actor=owner, journey=journey)
    assert journey.status == JourneyStatus.ACTIVE
    with pytest.raises(ValidationError):
        journeys.add_step(actor=owner, journey=journey, kind="wait", config={"hours": 2})
    with pytest.raises(ValidationError):
        journeys.delete_journey(actor=owner, journey=journey)
    with pytest.raises(ValidationError) as caught:
        journeys.create_journey(actor=owner, data={"name": "", "trigger": "segment_joined"})
    assert set(caught.value.message_dict) == {"name", "segment"}


def test_a_branch_may_not_ask_about_a_later_email(owner: Any, segment: Any) -> None:
    journey = _journey(owner, segment)
    journeys.add_step(actor=owner, journey=journey, kind="wait", config={"hours": 1})
    email = journeys.add_step(actor=owner, journey=journey, kind="email", config={"subject": "a", "body": "b"})
    branch = journeys.add_step(actor=owner, journey=journey, kind="branch", config={"step": email.pk})
    journeys.move_step(actor=owner, step=branch, up=True)
    journeys.move_step(actor=owner, step=branch, up=True)  # now first, before the e-mail

    with pytest.raises(ValidationError) as caught:
        journeys.activate(actor=owner, journey=journey)
    assert "steps" in caught.value.message_dict
    with pytest.raises(ValidationError):
        journeys.remove_step(actor=owner, step=email)  # the branch asks about it


def test_removing_the_step_they_wait_for_ends_their_journey_not_restarts_it(owner: Any, make_contact: Any) -> None:
    journey = _journey(owner)
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "First"})
    journeys.add_step(actor=owner, journey=journey, kind="wait", config={"days": 1})
    last = journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Last"})
    journeys.activate(actor=owner, journey=journey)
    person = make_contact(owner, first_name="Ala")
    journeys.enroll(trigger="deal_won", contact_ids=[person.pk], key="deal:1")
    journeys.advance()
    journeys.pause(actor=owner, journey=journey)

    journeys.remove_step(actor=owner, step=last)
    journeys.activate(actor=owner, journey=journey)
    journeys.advance(now=timezone.now() + LATER)

    enrollment = Enrollment.objects.get()
    assert enrollment.state == EnrollmentState.DONE
    assert StepRun.objects.filter(enrollment=enrollment).count() == 2  # the first tag ran once
