"""``accord journeys``: ``run`` enrols who is due and moves them on, printing the counts; ``list``
shows each journey's trigger, status and enrolments."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accord.marketing.models import Enrollment, EnrollmentState
from accord.marketing.services import journeys
from accord.marketing.services.segments import add_members, create_segment

pytestmark = pytest.mark.django_db


def _call(*args: str) -> str:
    out = io.StringIO()
    call_command("journeys", *args, stdout=out)
    return out.getvalue()


def test_run_enrols_and_moves_on_then_list_counts(owner: Any, make_contact: Any) -> None:
    segment = create_segment(actor=owner, data={"name": "Newcomers", "kind": "static"})
    journey = journeys.create_journey(
        actor=owner, data={"name": "Welcome", "trigger": "segment_joined", "segment": segment}
    )
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Welcomed"})
    journeys.add_step(actor=owner, journey=journey, kind="wait", config={"days": 2})
    journeys.add_step(actor=owner, journey=journey, kind="tag", config={"tag": "Settled"})
    journeys.activate(actor=owner, journey=journey)
    journeys.create_journey(actor=owner, data={"name": "Birthday wishes", "trigger": "birthday"})
    ala, ola = make_contact(owner, first_name="Ala"), make_contact(owner, first_name="Ola")
    add_members(actor=owner, segment=segment, contacts=[ala, ola])

    out = _call("run")
    assert "Enrolled from segments: 2." in out
    assert "Enrolled for birthdays: 0." in out
    assert "Enrollments moved on: 2." in out
    assert {t.name for t in ala.tags.all()} == {"Welcomed"}
    assert "Enrollments moved on: 0." in _call("run")  # both wait two days

    Enrollment.objects.filter(contact=ola).update(state=EnrollmentState.DONE)
    lines = [line.split("\t") for line in _call("list").splitlines()]
    assert lines[0] == ["Name", "Trigger", "Status", "Enrolled", "Active", "Done"]
    assert lines[1] == ["Birthday wishes", "Their birthday", "Draft", "0", "0", "0"]
    assert lines[2] == ["Welcome", "Joined a segment", "Active", "2", "1", "1"]


def test_list_without_journeys_and_an_unknown_action() -> None:
    assert "No journeys yet." in _call("list")
    with pytest.raises(CommandError):
        call_command("journeys", "dance")
