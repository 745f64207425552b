"""Delivery in claims of several messages: each noted as the server takes it, the batch recorded
``sent`` and logged on the timelines together; what a dead worker left is taken up without sending
twice what the server already had; what a worker has no time left for is handed back."""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accord.activities.models import Interaction
from accord.messaging.models import Message
from accord.messaging.services import Outgoing, queue_many, queue_message
from accord.messaging.services.delivery import _attempt, _deliver, claim, deliver_due


def _to_customers(owner, make_contact, n: int, *, actor=None, start: int = 0) -> list[Message]:
    items = [
        Outgoing(
            "email",
            f"client{i}@example.com",
            f"Statement {i}",
            f"batch:{i}",
            body="Your statement.",
            contact=make_contact(owner),
            timeline_subject=f"Statement {i} sent",
        )
        for i in range(start, start + n)
    ]
    with transaction.atomic():
        return queue_many(actor=actor, items=items)


def test_a_claim_of_emails_is_sent_recorded_and_logged_on_each_timeline_once_dated_when_sent(
    owner, teammate, make_contact, smtp, settings
):
    settings.ACCORD_MESSAGE_CLAIM = 3
    by_system = _to_customers(owner, make_contact, 4)  # authored on the timeline by the customer's owner
    by_teammate = queue_message(
        actor=teammate,
        channel="email",
        to="jonas@example.com",
        subject="Your quote",
        idempotency_key="quote:1",
        contact=make_contact(teammate),
    )

    assert deliver_due() == 5
    assert deliver_due() == 0

    assert len(smtp.messages) == 5
    for message in Message.objects.all():
        assert (message.state, message.attempts, message.claimed_by, message.claimed_at) == ("sent", 1, "", None)
        logged = Interaction.objects.get(external_id=f"messaging.message:{message.pk}")
        assert message.interaction_id == logged.pk
        assert (logged.occurred_at, logged.contact_id, logged.direction) == (message.sent_at, message.contact_id, "out")
    authors = {i.subject: i.author for i in Interaction.objects.all()}
    assert authors == {**{f"Statement {i} sent": owner for i in range(4)}, "Your quote": teammate}
    assert Interaction.objects.count() == 5
    assert {m.pk for m in by_system} | {by_teammate.pk} == set(Message.objects.values_list("pk", flat=True))


def test_a_claim_costs_one_query_per_message_and_a_few_for_the_whole_claim(owner, make_contact, smtp, settings):
    settings.ACCORD_MESSAGE_CLAIM = 20

    def deliver(n: int, start: int) -> int:
        _to_customers(owner, make_contact, n, start=start)
        with CaptureQueriesContext(connection) as queries:
            assert deliver_due(limit=n) == n
        return len(queries)

    few, many = deliver(5, 0), deliver(20, 100)

    assert many - few == 15  # the note that the server took each message; the rest is per claim
    assert Message.objects.filter(state="sent").count() == Interaction.objects.count() == 25


def test_what_the_server_took_before_its_worker_died_is_recorded_after_the_lease_not_sent_again(
    owner, make_contact, smtp, settings
):
    settings.ACCORD_MESSAGE_LEASE_SECONDS = 60
    messages = _to_customers(owner, make_contact, 3)
    keys = claim(worker="dead", limit=3)
    assert sorted(keys) == sorted(m.pk for m in messages)
    taken = Message.objects.get(pk=keys[0])
    assert _attempt(taken, worker="dead") == "sending"  # the server took it; then the worker died
    Message.objects.update(claimed_at=timezone.now() - datetime.timedelta(seconds=61))

    assert deliver_due() == 3

    assert sorted(m["Message-ID"] for m in smtp.messages) == sorted(m.external_id for m in messages)  # once each
    first = Message.objects.get(pk=taken.pk)
    assert (first.state, first.attempts, first.sent_at) == ("sent", 1, taken.sent_at)  # no second attempt
    assert Interaction.objects.get(external_id=f"messaging.message:{first.pk}").occurred_at == taken.sent_at
    assert sorted(Message.objects.values_list("attempts", flat=True)) == [1, 2, 2]  # the dead worker's claim counted
    assert set(Message.objects.values_list("state", flat=True)) == {"sent"}


def test_a_worker_whose_claim_is_taken_over_after_the_server_took_a_message_does_not_record_it(
    owner, make_contact, smtp, settings
):
    settings.ACCORD_MESSAGE_LEASE_SECONDS = 60
    [message] = _to_customers(owner, make_contact, 1)
    claim(worker="slow")
    assert _attempt(Message.objects.get(pk=message.pk), worker="slow") == "sending"
    later = timezone.now() + datetime.timedelta(seconds=61)
    assert claim(worker="next", now=later) == [message.pk]

    assert _deliver([message.pk], worker="slow") == {message.pk: ""}
    assert _deliver([message.pk], worker="next") == {message.pk: "sent"}

    assert len(smtp.messages) == 1  # the second worker saw that the server had it
    assert Interaction.objects.filter(external_id=f"messaging.message:{message.pk}").count() == 1


def test_a_worker_hands_back_what_it_has_no_time_left_to_send(owner, make_contact, smtp, settings):
    settings.ACCORD_MESSAGE_LEASE_SECONDS = 60
    messages = _to_customers(owner, make_contact, 3)
    Message.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=1))
    # Claimed 40 s ago: more than half the lease has gone, so only the first goes out now.
    keys = claim(worker="w", limit=3, now=timezone.now() - datetime.timedelta(seconds=40))
    assert len(keys) == 3

    outcomes = _deliver(keys, worker="w")

    assert list(outcomes.values()) == ["sent"]
    assert len(smtp.messages) == 1
    rest = Message.objects.exclude(pk__in=outcomes)
    assert {(m.state, m.attempts, m.claimed_by) for m in rest} == {("queued", 0, "")}
    assert deliver_due() == 2
    assert {m.pk: m.attempts for m in Message.objects.all()} == dict.fromkeys((m.pk for m in messages), 1)
