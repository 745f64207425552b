"""Every event name has one payload class: checked when emitted, read back typed, old rows load."""

import datetime
import decimal
import types
import typing
import uuid

import pydantic
import pytest
from django.db import transaction

from accord.activities.events import ReminderDue, RemindersDue
from accord.core import events
from accord.core.event_types import NotifyRequested, RecordsReassigned, RecordUpdated
from accord.core.models import Event
from accord.sales.events import QuoteAccepted, StageChanged

pytestmark = pytest.mark.django_db


def sample(annotation):
    """A value of ``annotation`` as a service would pass it (the first non-None choice)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return sample(next(arg for arg in typing.get_args(annotation) if arg is not type(None)))
    if origin is list:
        return [sample(typing.get_args(annotation)[0]), sample(typing.get_args(annotation)[0])]
    if origin is dict:
        return {"owner": ["me"], "q": ["ann"]}
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return annotation(**{name: sample(f.annotation) for name, f in annotation.model_fields.items()})
    values = {
        str: "Trade fair 2026",
        int: 3,
        bool: True,
        uuid.UUID: uuid.uuid4(),
        decimal.Decimal: decimal.Decimal("1234.50"),
        datetime.datetime: datetime.datetime(2026, 12, 6, 18, 30, 15, 120000, tzinfo=datetime.UTC),
        datetime.date: datetime.date(2026, 12, 31),
    }
    return values[annotation]


def filled(cls):
    return cls(**{name: sample(field.annotation) for name, field in cls.model_fields.items()})


@pytest.mark.parametrize("name", sorted(events.registered()))
def test_every_registered_event_round_trips_through_the_event_table(name, owner):
    cls = events.registered()[name]
    payload = filled(cls)
    entity = "people.contact" if name.startswith("*.") else None

    emitted = events.emit(payload, actor=owner, entity=entity)

    stored = Event.objects.get(pk=emitted.pk)
    assert stored.name == (f"people.contact.{cls.suffix}" if entity else name)
    assert cls.of(stored) == payload
    assert events.load(stored) == payload


def test_the_event_classes_cover_every_name_the_services_emit():
    # A name with no class cannot be emitted at all (emit takes a payload instance), and a family
    # stands only for installed models.
    assert events.payload_type("people.contact.created").suffix == "created"
    assert events.payload_type("sales.deal.bulk_tag_add").suffix == "bulk_tag_add"
    with pytest.raises(events.UnknownEvent):
        events.payload_type("nosuch.model.created")
    with pytest.raises(events.UnknownEvent):
        events.payload_type("sales.deal.renamed")


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: StageChanged(to_stage_id=uuid.uuid4()), id="missing field"),
        pytest.param(
            lambda: StageChanged(change_id=uuid.uuid4(), from_stage_id=None, to_stage_id=uuid.uuid4(), colour="red"),
            id="unknown field",
        ),
        pytest.param(
            lambda: StageChanged(change_id=uuid.uuid4(), from_stage_id=None, to_stage_id="not-a-stage"),
            id="wrongly typed field",
        ),
        pytest.param(
            lambda: QuoteAccepted(deal_id=uuid.uuid4(), number="Q/1", net_total="12.50"),
            id="a string for a decimal",
        ),
        pytest.param(lambda: RecordUpdated(fields="name"), id="a string for a list"),
        pytest.param(
            lambda: NotifyRequested(user_id=uuid.uuid4(), subject="s", body="b", url="", idempotency_key=""),
            id="an empty idempotency key",
        ),
    ],
)
def test_an_emit_with_a_bad_payload_raises_and_the_write_around_it_stores_nothing(build, owner, make_contact):
    before = Event.objects.count()

    @transaction.atomic
    def service():
        contact = make_contact(owner, last_name="Rolled-back")  # its own created event, then ours
        events.emit(build(), obj=contact, actor=owner)

    with pytest.raises(pydantic.ValidationError):
        service()

    assert Event.objects.count() == before
    assert not Event.objects.filter(entity="people.contact").exists()


def test_an_emit_of_a_bare_dict_or_an_unchecked_instance_raises_and_stores_nothing(owner):
    before = Event.objects.count()
    unchecked = StageChanged.model_construct(change_id="x", from_stage_id=None, to_stage_id=1)

    with pytest.raises(TypeError):
        events.emit({"fields": ["name"]}, entity="people.contact")  # type: ignore[arg-type]
    with pytest.raises(pydantic.ValidationError):
        events.emit(unchecked)
    with pytest.raises(TypeError):
        events.emit(RecordUpdated(fields=["name"]))  # a family event needs its entity
    with pytest.raises(events.UnknownEvent):
        events.emit(RecordUpdated(fields=["name"]), entity="nosuch.model")

    assert Event.objects.count() == before


def test_reading_an_event_as_another_kind_is_refused(owner):
    event = events.emit(RecordUpdated(fields=["name"]), entity="people.contact")

    with pytest.raises(TypeError):
        StageChanged.of(event)


OLD_ROWS = [
    # Payloads as the services stored them before the events were typed.
    ("people.contact.updated", {"fields": ["first_name", "tags"]}),
    ("people.contact.created", {}),
    ("people.company.merged", {"merged_ids": [str(uuid.uuid4())]}),
    ("people.contact.reassigned", {"count": 3, "owner_id": str(uuid.uuid4()), "team_id": None}),
    ("people.contact.bulk_tag_add", {"count": 2, "filters": {"q": ["ann"]}, "tag": "VIP"}),
    ("people.contact.bulk_field", {"count": 9, "filters": {}, "job_id": str(uuid.uuid4()), "field": "source"}),
    ("people.contact.bulk_delete", {"count": 1, "filters": {"id": [str(uuid.uuid4())]}}),
    ("people.contact.imported", {"count": 1, "ids": [str(uuid.uuid4())]}),
    ("people.contact.upserted", {"count": 1, "ids": [str(uuid.uuid4())]}),
    (
        "core.import.finished",
        {"importer": "contacts", "dry_run": False, "written": True, "created": 2, "updated": 0, "failed": 0},
    ),
    (
        "sales.deal.stage_changed",
        {"change_id": str(uuid.uuid4()), "from_stage_id": None, "to_stage_id": str(uuid.uuid4())},
    ),
    ("sales.lead.converted", {"contact_id": str(uuid.uuid4()), "company_id": None, "deal_id": None}),
    ("sales.quote.accepted", {"deal_id": str(uuid.uuid4()), "number": "Q/2026/1", "net_total": "1200.00"}),
    ("sales.quote.sent", {"deal_id": str(uuid.uuid4()), "to": "anna@example.com"}),
    (
        "activities.task.reminder_due",
        {
            "id": str(uuid.uuid4()),
            "title": "Call back",
            "owner_id": str(uuid.uuid4()),
            "due_at": None,
            "remind_at": "2026-12-06T18:00:00.250000+00:00",
        },
    ),
    (
        "messaging.notify_requested",
        {"user_id": str(uuid.uuid4()), "subject": "s", "body": "b", "url": "/", "idempotency_key": "k"},
    ),
    ("identity.user.password_reset_sent", {}),
]


@pytest.mark.parametrize(("name", "payload"), OLD_ROWS, ids=[name for name, _ in OLD_ROWS])
def test_rows_stored_before_the_events_were_typed_still_load(name, payload):
    row = Event.objects.create(name=name, payload=payload)

    loaded = events.load(Event.objects.get(pk=row.pk))

    assert type(loaded) is events.payload_type(name)
    assert loaded.model_fields_set == set(payload)
    # Stored again, it reads the same: nothing of the old row was lost on the way.
    assert type(loaded).model_validate(loaded.model_dump(mode="json"), strict=False) == loaded


def test_an_old_reminder_keeps_its_time_as_the_consumer_keyed_it():
    remind_at = "2026-12-06T18:00:00.250000+00:00"
    row = Event.objects.create(
        name="activities.task.reminder_due",
        payload={
            "id": str(uuid.uuid4()),
            "title": "t",
            "owner_id": str(uuid.uuid4()),
            "due_at": None,
            "remind_at": remind_at,
        },
    )

    assert ReminderDue.of(row).remind_at.isoformat() == remind_at


def test_a_digest_of_reminders_reads_its_tasks_typed():
    task_id = uuid.uuid4()
    row = Event.objects.create(
        name="activities.task.reminders_due",
        payload={
            "owner_id": str(uuid.uuid4()),
            "tasks": [
                {"id": str(task_id), "title": "t", "owner_id": str(uuid.uuid4()), "due_at": None, "remind_at": None}
            ],
        },
    )

    assert [task.id for task in RemindersDue.of(row).tasks] == [task_id]


def test_a_reassignment_stored_before_the_audit_batch_loads_without_one():
    row = Event.objects.create(
        name="people.contact.reassigned", payload={"count": 3, "owner_id": str(uuid.uuid4()), "team_id": None}
    )

    assert RecordsReassigned.of(row).audit_batch is None
