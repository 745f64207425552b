"""The demo's journeys: three running, the welcome with opens, clicks, both answers of its branch
and some still waiting; no message left waiting in the outbox (the demo mails nobody)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_running_journeys_with_statistics() -> None:
    from accord.marketing.models import Journey, JourneyStatus
    from accord.marketing.selectors.journeys import step_stats, totals
    from accord.messaging.models import Message

    out = io.StringIO()
    call_command("demo", "--size", "0.1", "--seed", "7", stdout=out)
    assert "journeys: 3 running" in out.getvalue()

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
