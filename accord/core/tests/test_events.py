"""The event log: appended with the change it reports, dispatched to consumers after commit."""

import datetime

import pydantic
import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accord.core import events
from accord.core.models import Event, Tag

HAPPENED = "tests.thing.happened"
OTHER = "tests.other.happened"
NOBODY = "tests.nobody.listens"


class Happened(events.EventPayload):
    name = HAPPENED
    n: int = 0
    bad: bool = False
    fields: list[str] = []


class OtherHappened(events.EventPayload):
    name = OTHER
    n: int = 0
    source: str = ""


class NobodyListens(events.EventPayload):
    name = NOBODY


@pytest.fixture
def consumers():
    """Register handlers with ``events.on`` for one test; they are removed from the registry after."""
    registered = []

    def register(*names):
        def decorate(fn):
            registered.append((names, fn))
            return events.on(*names)(fn)

        return decorate

    yield register
    for names, fn in registered:
        for name in names:
            if fn in events._handlers.get(name, []):
                events._handlers[name].remove(fn)
            if not events._handlers.get(name):
                events._handlers.pop(name, None)


def pending():
    return Event.objects.filter(dispatched_at__isnull=True, failed_at__isnull=True)


def test_an_event_records_what_happened_to_which_record_and_who_did_it(owner, make_contact):
    contact = make_contact(owner)

    event = events.emit(Happened(fields=["last_name"]), obj=contact, actor=owner)

    event.refresh_from_db()
    assert (event.name, event.entity, event.object_id) == (HAPPENED, "people.contact", contact.pk)
    assert event.actor == owner
    assert event.payload == {"n": 0, "bad": False, "fields": ["last_name"]}
    assert Happened.of(event) == Happened(fields=["last_name"])
    assert (event.dispatched_at, event.failed_at, event.attempts) == (None, None, 0)


def test_an_event_of_the_system_has_no_actor_or_record(db):
    event = events.emit(NobodyListens(), actor=None)

    event.refresh_from_db()
    assert (event.entity, event.object_id, event.actor, event.payload) == ("", None, None, {})


def test_an_event_emitted_in_a_rolled_back_transaction_leaves_nothing(owner, make_contact):
    contact = make_contact(owner)
    before = Event.objects.count()

    @transaction.atomic
    def write_that_fails():
        events.emit(Happened(), obj=contact, actor=owner)
        raise RuntimeError("the write failed after the event was appended")

    with pytest.raises(RuntimeError):
        write_that_fails()

    assert Event.objects.count() == before
    assert not Event.objects.filter(name=HAPPENED).exists()


def test_dispatch_offers_each_event_to_each_consumer_once_and_marks_it(db, consumers):
    seen = []

    @consumers(HAPPENED)
    def first(event):
        seen.append(("first", event.payload["n"]))

    @consumers(HAPPENED, OTHER)
    def second(event):
        seen.append(("second", event.payload["n"]))

    for n in range(3):
        events.emit(Happened(n=n))
    events.emit(OtherHappened(n=3))

    dispatched = events.dispatch_pending()
    again = events.dispatch_pending()

    assert dispatched == 4
    assert again == 0
    assert seen == [
        ("first", 0),
        ("second", 0),
        ("first", 1),
        ("second", 1),
        ("first", 2),
        ("second", 2),
        ("second", 3),
    ]
    assert not pending().exists()
    assert Event.objects.filter(dispatched_at__isnull=False).count() == 4


def test_registering_a_consumer_twice_still_calls_it_once(db, consumers):
    calls = []

    def count(event):
        calls.append(event.pk)

    consumers(HAPPENED)(count)
    consumers(HAPPENED)(count)
    event = events.emit(Happened())

    events.dispatch_pending()

    assert calls == [event.pk]
    assert events.handlers_for(HAPPENED) == [count]


def test_events_nobody_consumes_are_marked_dispatched(db):
    event = events.emit(NobodyListens())

    events.dispatch_pending()

    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_dispatch_works_through_more_events_than_one_batch(db, consumers):
    seen = []
    consumers(HAPPENED)(lambda event: seen.append(event.payload["n"]))
    for n in range(7):
        events.emit(Happened(n=n))

    dispatched = events.dispatch_pending(batch_size=3)

    assert dispatched == 7
    assert seen == list(range(7))


def test_a_failing_consumer_leaves_its_event_pending_and_others_are_dispatched(db, consumers):
    @consumers(HAPPENED)
    def fragile(event):
        if Happened.of(event).bad:
            raise ValueError("the mail server said no")

    good_before = events.emit(Happened(n=1))
    bad = events.emit(Happened(bad=True))
    good_after = events.emit(Happened(n=2))

    dispatched = events.dispatch_pending()

    assert dispatched == 2
    bad.refresh_from_db()
    assert bad.dispatched_at is None
    assert bad.failed_at is None
    assert bad.attempts == 1
    assert "ValueError: the mail server said no" in bad.last_error
    assert list(pending()) == [bad]
    for event in (good_before, good_after):
        event.refresh_from_db()
        assert event.dispatched_at is not None
        assert event.attempts == 0


def test_a_failed_event_is_offered_again_on_the_next_dispatch(db, consumers):
    outcomes = iter([ValueError("first try"), None])
    calls = []

    @consumers(HAPPENED)
    def flaky(event):
        calls.append(event.pk)
        outcome = next(outcomes)
        if outcome is not None:
            raise outcome

    event = events.emit(Happened())
    now = timezone.now()

    assert events.dispatch_pending(now=now) == 0
    assert events.dispatch_pending(now=now + datetime.timedelta(seconds=30)) == 0  # still waiting
    assert events.dispatch_pending(now=now + datetime.timedelta(minutes=1)) == 1

    event.refresh_from_db()
    assert calls == [event.pk, event.pk]
    assert event.attempts == 1
    assert event.next_attempt_at == now + datetime.timedelta(minutes=1)
    assert event.dispatched_at is not None


def test_retries_wait_longer_after_each_failure():
    assert [events.retry_delay(n) for n in (1, 2, 3, 4, 10)] == [
        datetime.timedelta(minutes=m) for m in (1, 2, 4, 8, 360)
    ]


@override_settings(ACCORD_EVENT_MAX_ATTEMPTS=3)
def test_after_the_last_allowed_attempt_the_event_is_marked_failed(db, consumers):
    calls = []

    @consumers(HAPPENED)
    def broken(event):
        calls.append(event.pk)
        raise RuntimeError(f"attempt {len(calls)}")

    event = events.emit(Happened())

    for hour in range(5):
        events.dispatch_pending(now=timezone.now() + datetime.timedelta(hours=7 * hour))

    event.refresh_from_db()
    assert len(calls) == 3
    assert event.attempts == 3
    assert event.failed_at is not None
    assert event.dispatched_at is None
    assert "RuntimeError: attempt 3" in event.last_error
    assert not pending().exists()


def test_a_consumers_writes_roll_back_when_its_dispatch_fails(db, consumers):
    @consumers(HAPPENED)
    def writes_then_fails(event):
        Tag.objects.create(name=f"written-{event.payload['n']}")
        if event.payload["n"] == 2:
            raise RuntimeError("half-way")

    events.emit(Happened(n=1))
    events.emit(Happened(n=2))

    events.dispatch_pending()

    assert list(Tag.objects.values_list("name", flat=True)) == ["written-1"]


def test_an_earlier_consumers_writes_roll_back_when_a_later_one_fails(db, consumers):
    @consumers(HAPPENED)
    def writes(event):
        Tag.objects.create(name="written")

    @consumers(HAPPENED)
    def fails(event):
        raise RuntimeError("second consumer failed")

    event = events.emit(Happened())

    events.dispatch_pending()

    assert not Tag.objects.exists()
    event.refresh_from_db()
    assert event.attempts == 1


def test_an_event_emitted_by_a_consumer_is_dispatched_in_the_same_run(db, consumers):
    seen = []

    @consumers(HAPPENED)
    def cascade(event):
        events.emit(OtherHappened(source=str(event.pk)))

    @consumers(OTHER)
    def record(event):
        seen.append(OtherHappened.of(event).source)

    first = events.emit(Happened())

    dispatched = events.dispatch_pending()

    assert dispatched == 2
    assert seen == [str(first.pk)]


def test_a_commit_nudges_one_dispatch_however_many_events_it_appended(
    db, consumers, django_capture_on_commit_callbacks
):
    seen = []
    consumers(HAPPENED)(lambda event: seen.append(event.payload["n"]))

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for n in range(3):
            events.emit(Happened(n=n))

    assert len(callbacks) == 1
    assert seen == [0, 1, 2]
    assert not pending().exists()


def test_events_nobody_consumes_nudge_no_dispatch(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        events.emit(NobodyListens())

    assert callbacks == []


def test_emit_each_appends_one_event_per_record_that_consumers_receive_one_by_one(
    owner, teammate, make_contact, consumers, django_capture_on_commit_callbacks
):
    first, second = make_contact(owner), make_contact(teammate)
    seen = []
    consumers(HAPPENED)(lambda event: seen.append((event.object_id, event.actor_id, event.payload["n"])))

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        emitted = events.emit_each(Happened(n=7), [(first, owner), (second, None)])

    assert [(e.name, e.entity, e.object_id) for e in emitted] == [
        (HAPPENED, "people.contact", first.pk),
        (HAPPENED, "people.contact", second.pk),
    ]
    assert len(callbacks) == 1  # one nudge for all
    assert sorted(seen, key=str) == sorted([(first.pk, owner.pk, 7), (second.pk, None, 7)], key=str)
    assert not pending().exists()


def test_emit_each_checks_the_payload_before_writing(owner, make_contact):
    contact = make_contact(owner)

    with pytest.raises(TypeError):
        events.emit_each({"n": 1}, [(contact, owner)])  # type: ignore[arg-type]

    assert not Event.objects.filter(name=HAPPENED).exists()


def test_emit_rows_writes_events_by_entity_and_id_that_consumers_receive_one_by_one(
    owner, teammate, make_contact, consumers, django_capture_on_commit_callbacks
):
    first, second = make_contact(owner), make_contact(teammate)
    seen = []
    consumers(HAPPENED)(lambda event: seen.append((event.object_id, event.actor_id, event.payload["n"])))

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        count = events.emit_rows(
            [(Happened(n=1), "people.contact", first.pk, owner.pk), (Happened(n=2), "people.contact", second.pk, None)]
        )

    assert count == 2
    stored = sorted(Event.objects.filter(name=HAPPENED), key=lambda e: e.payload["n"])
    assert [(e.entity, e.object_id, e.actor_id, e.payload["n"], e.attempts) for e in stored] == [
        ("people.contact", first.pk, owner.pk, 1, 0),
        ("people.contact", second.pk, None, 2, 0),
    ]
    assert stored[0].payload == Happened(n=1).model_dump(mode="json")
    assert all(e.created_at is not None for e in stored)
    assert len(callbacks) == 1
    assert sorted(seen, key=str) == sorted([(first.pk, owner.pk, 1), (second.pk, None, 2)], key=str)
    assert not pending().exists()


def test_emit_rows_checks_every_payload_and_a_rolled_back_write_leaves_none(owner, make_contact):
    contact = make_contact(owner)

    with pytest.raises(TypeError):
        events.emit_rows([({"n": 1}, "people.contact", contact.pk, None)])  # type: ignore[list-item]
    with pytest.raises(pydantic.ValidationError):
        events.emit_rows([(Happened.model_construct(n="many"), "people.contact", contact.pk, None)])

    def failing_service() -> None:
        with transaction.atomic():
            events.emit_rows([(Happened(n=3), "people.contact", contact.pk, None)])
            raise RuntimeError("the service failed after emitting")

    with pytest.raises(RuntimeError):
        failing_service()

    assert not Event.objects.filter(name=HAPPENED).exists()
