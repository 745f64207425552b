"""Bulk inserts write the same rows a save() would, on both databases."""

import datetime
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accord.core import bulk, changes, search, tasks
from accord.core.models import AuditEntry, Event, Tag
from accord.people.models import Contact, EmailAddress


def test_bulk_insert_writes_rows_that_read_back_identically(owner):
    when = timezone.now() - datetime.timedelta(days=3)
    contacts = [
        Contact(
            first_name=f"Ola{i}",
            last_name="Łęcka",
            sort_name=f"lecka ola{i}",
            owner=owner,
            team_id=owner.primary_team_id,
            custom={"segment": "SMB", "n": i},
            preferences=["Cloud"],
            search_text=search.document(f"Ola{i} Łęcka"),
            created_at=when,
        )
        for i in range(3)
    ]

    written = bulk.insert(Contact, contacts)
    bulk.insert(EmailAddress, [EmailAddress(contact=c, email=f"{c.first_name}@example.com") for c in contacts])

    assert written == 3
    stored = {c.pk: c for c in Contact.objects.all()}
    for original in contacts:
        copy = stored[original.pk]
        assert (copy.first_name, copy.custom, copy.preferences, copy.created_at) == (
            original.first_name,
            original.custom,
            ["Cloud"],
            when,
        )
        assert copy.version == 1
    assert EmailAddress.objects.filter(contact__in=contacts).count() == 3
    assert list(search.matching(Contact.objects.all(), "ola1 lecka")) == [stored[contacts[1].pk]]


def test_bulk_insert_of_nothing_writes_nothing(db):
    assert bulk.insert(Tag, []) == 0
    assert bulk.insert(Tag, [Tag(id=uuid.uuid4(), name="x")]) == 1


def test_insert_values_writes_plain_tuples(owner):
    pk = uuid.uuid4()
    when = timezone.now().replace(microsecond=123000)

    bulk.insert_values(
        Contact,
        [
            "id",
            "first_name",
            "last_name",
            "sort_name",
            "owner",
            "custom",
            "preferences",
            "created_at",
            "updated_at",
            "search_text",
            "birthday",
        ],
        [(pk, "Ana", "Pop", "pop ana", owner.pk, {"a": 1}, [], when, when, "ana pop", datetime.date(1990, 5, 4))],
    )

    stored = Contact.objects.get(pk=pk)
    assert (stored.first_name, stored.custom, stored.created_at, str(stored.birthday)) == (
        "Ana",
        {"a": 1},
        when,
        "1990-05-04",
    )
    assert stored.owner == owner
    assert stored.version == 1


def test_insert_values_fills_defaults_and_takes_json_already_written(owner):
    first, second = uuid.uuid4(), uuid.uuid4()

    bulk.insert_values(
        Event,
        ["name", "object_id", "payload"],
        [
            ("billing.payment.recorded", first, bulk.JsonText('{"amount": "12.50", "currency": "PLN"}')),
            ("billing.payment.created", second, {"text": '{"not": "parsed"}'}),
        ],
    )

    recorded, created = Event.objects.get(object_id=first), Event.objects.get(object_id=second)
    assert recorded.payload == {"amount": "12.50", "currency": "PLN"}
    assert created.payload == {"text": '{"not": "parsed"}'}  # a plain string stays a string
    # Left out: a key made for each row, the plain defaults the model gives.
    assert recorded.pk != created.pk
    assert (recorded.attempts, recorded.last_error, recorded.dispatched_at, recorded.entity) == (0, "", None, "")


def _contact_row(owner, name):
    return (uuid.uuid4(), name, "Bulk", f"bulk {name}", owner.pk, search.document(f"{name} Bulk"))


CONTACT_NAMES = ["id", "first_name", "last_name", "sort_name", "owner", "search_text"]


def _search_index_is_sound():
    """On SQLite, FTS5's own check that the index matches the table; PostgreSQL's index is native."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO people_contact_fts(people_contact_fts) VALUES ('integrity-check')")


def test_rows_inserted_in_bulk_are_searchable_and_later_rows_too(owner):
    bulk.insert_values(Contact, CONTACT_NAMES, [_contact_row(owner, f"Zofia{i}") for i in range(50)])
    later = Contact.objects.create(
        first_name="Zuzanna", last_name="Later", sort_name="later zuzanna", owner=owner, search_text="zuzanna later"
    )

    assert search.matching(Contact.objects.all(), "zofia4").count() == 11  # zofia4 and zofia40-49
    assert list(search.matching(Contact.objects.all(), "zuzanna")) == [later]
    _search_index_is_sound()


def test_a_bulk_insert_that_fails_leaves_the_search_index_as_it_was(owner):
    first = _contact_row(owner, "Wanda")
    bulk.insert_values(Contact, CONTACT_NAMES, [first])

    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_values(Contact, CONTACT_NAMES, [_contact_row(owner, "Wiesia"), first])  # the same key twice

    later = Contact.objects.create(
        first_name="Wera", last_name="Later", sort_name="later wera", owner=owner, search_text="wera later"
    )
    assert not search.matching(Contact.objects.all(), "wiesia").exists()
    assert list(search.matching(Contact.objects.all(), "wera")) == [later]
    assert search.matching(Contact.objects.all(), "wanda").count() == 1
    _search_index_is_sound()


def test_planner_statistics_keep_external_id_lookups_on_their_index(owner):
    """Most contacts have no external id; after the statistics are refreshed, finding the few that
    do still goes through the unique index rather than reading the whole table."""
    rows = [_contact_row(owner, f"Stat{i}") for i in range(1000)]
    bulk.insert_values(Contact, CONTACT_NAMES, rows)
    Contact.objects.filter(first_name="Stat7").update(external_id=F("first_name"))

    tasks.refresh_planner_statistics.call()

    wanted = Contact.objects.filter(external_id__in=["Stat7", "Stat8", "Stat9"])
    assert list(wanted.values_list("external_id", flat=True)) == ["Stat7"]
    if connection.vendor == "sqlite":
        sql, params = wanted.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "USING INDEX sqlite_autoindex_people_contact" in plan, plan


def test_update_rows_sets_each_row_its_own_values_where_the_condition_holds(owner, make_contact):
    first, second, third = (make_contact(owner) for _ in range(3))
    early = timezone.now() - datetime.timedelta(days=2)
    late = timezone.now() - datetime.timedelta(days=1)
    Contact.objects.filter(pk=second.pk).update(last_interaction_at=late)

    changed = bulk.update_rows(
        Contact,
        ["last_interaction_at", "first_name"],
        [(first.pk, early, "Ola"), (second.pk, early, "Ewa"), (third.pk, late, "Iza")],
        where="t.last_interaction_at IS NULL OR t.last_interaction_at < v.last_interaction_at",
    )

    assert changed == 2
    stored = {c.pk: (c.last_interaction_at, c.first_name) for c in Contact.objects.all()}
    assert stored[first.pk] == (early, "Ola")
    assert stored[second.pk] == (late, second.first_name)  # already later: left alone
    assert stored[third.pk] == (late, "Iza")
    assert bulk.update_rows(Contact, ["first_name"], []) == 0


def test_audit_entries_written_in_bulk_take_the_batch_keys(owner):
    contact = Contact.objects.create(first_name="Ala", last_name="Batch", sort_name="batch ala", owner=owner)
    with changes.audit_batch() as batch:
        keys = changes.new_entry_keys(2)
        rows = [(key, timezone.now(), None, "update", "people.contact", contact.pk, "", {"n": [0, 1]}) for key in keys]
        bulk.insert_values(AuditEntry, changes.AUDIT_COLUMNS, rows)
        changes.record_create(actor=None, obj=contact)  # the next key of the batch, after the reserved ones
    changes.record_create(actor=None, obj=contact)  # outside it

    assert {entry.pk.hex for entry in changes.batch_entries(batch.key)} >= set(keys)
    assert changes.batch_entries(batch.key).count() == 3
    assert AuditEntry.objects.filter(object_id=contact.pk).count() == 4  # no key given out twice


def test_a_row_is_what_the_fields_make_of_the_values(owner):
    """bulk.insert reads plain values off the instance on PostgreSQL: the row is the one the fields'
    own pre_save and get_db_prep_save give, whatever the values (lazy text, an integer given as a
    bool, a time for a date, nothing at all)."""
    from django.utils.translation import gettext_lazy

    from accord.messaging.models import Message

    aware = timezone.now()
    values = [
        {"subject": "Reminder", "attempts": 0, "next_attempt_at": aware, "related_id": uuid.uuid4()},
        {"subject": gettext_lazy("Reminder"), "attempts": True, "next_attempt_at": None, "related_id": None},
        {"subject": "", "attempts": 3, "next_attempt_at": None, "contact_id": None},
    ]
    fields = bulk._fields(Message)
    for given in values:
        message = Message(channel="email", idempotency_key=str(uuid.uuid4()), sent_by=owner, **given)
        message.updated_at = aware  # auto_now: the reference below sets its own time
        expected = [
            (
                field.get_db_prep_save(getattr(message, field.attname), connection)
                if field.name != "updated_at"
                else None
            )
            for field in fields
        ]
        row = bulk._row(message, fields, connection)
        row[[f.name for f in fields].index("updated_at")] = None
        # PostgreSQL's JSON is wrapped (psycopg's Jsonb), which compares by identity.
        assert [getattr(v, "obj", v) for v in row] == [getattr(v, "obj", v) for v in expected]
    contact = Contact(owner=owner, first_name="Ala", custom={"size": "1.5"}, birthday=aware)
    fields = bulk._fields(Contact)
    row = bulk._row(contact, fields, connection)
    for field, value in zip(fields, row, strict=True):
        if field.name != "updated_at":
            expected = field.get_db_prep_save(getattr(contact, field.attname), connection)
            # PostgreSQL's JSON is wrapped (psycopg's Jsonb), which compares by identity.
            assert getattr(value, "obj", value) == getattr(expected, "obj", expected), field.name
