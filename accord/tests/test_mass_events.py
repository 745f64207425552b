"""Events about many records say which records changed: by their ids when the operation is
bounded, by the audit batch or the job that lists them when it is not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.core import bulk_actions, bulk_jobs, changes, import_jobs, importers, lists
from accord.core.event_types import BulkDeleted, BulkFieldSet, BulkTagAdded, ImportFinished, RecordsReassigned
from accord.core.events import load
from accord.core.models import AuditEntry, Event
from accord.people import bulk, mass, merging
from accord.people.events import CompaniesImported, ContactsImported, ContactsUpserted
from accord.people.importing import import_rows
from accord.people.models import Company, Contact


def only_event(name: str) -> Event:
    return Event.objects.get(name=name)


def select(actor: Any, **params: Any) -> bulk_actions.Selection:
    return bulk_actions.select(actor=actor, screen=lists.get("contact"), params=params)


def test_a_mass_reassignment_names_the_audit_batch_of_exactly_the_records_it_changed(
    manager, owner, teammate, make_contact
):
    # Given three Polish contacts of a rep, one already the teammate's, and an English one
    moved = [make_contact(owner, preferred_language="pl") for _ in range(3)]
    already = make_contact(teammate, preferred_language="pl")
    make_contact(owner, preferred_language="en")

    # When the manager hands the Polish ones to the teammate
    mass.reassign(actor=manager, queryset=Contact.objects.filter(preferred_language="pl"), owner=teammate)

    # Then the event's audit batch resolves to the three records that changed, and nothing else
    event = RecordsReassigned.of(only_event("people.contact.reassigned"))
    entries = changes.batch_entries(event.audit_batch)
    assert (event.count, event.owner_id, event.team_id) == (3, teammate.pk, teammate.primary_team_id)
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(c.pk for c in moved)
    assert already.pk not in set(entries.values_list("object_id", flat=True))
    assert set(entries.values_list("action", flat=True)) == {"update"}


def test_two_reassignments_have_separate_batches(manager, owner, teammate, make_contact):
    first = make_contact(owner)
    mass.reassign(actor=manager, queryset=Contact.objects.filter(pk=first.pk), owner=teammate)
    second = make_contact(owner)
    mass.reassign(actor=manager, queryset=Contact.objects.filter(pk=second.pk), owner=teammate)

    batches = [RecordsReassigned.of(e).audit_batch for e in Event.objects.filter(name="people.contact.reassigned")]

    assert [list(changes.batch_entries(b).values_list("object_id", flat=True)) for b in batches] == [
        [first.pk],
        [second.pk],
    ]


def test_a_bulk_tag_in_the_request_lists_the_records_it_changed_not_those_that_had_it(manager, owner, make_contact):
    has_it = make_contact(owner, tags=["Trade fair"])
    tagged = [make_contact(owner), make_contact(owner)]

    bulk_actions.add_tag(actor=manager, selection=select(manager), tag="Trade fair")

    event = BulkTagAdded.of(only_event("people.contact.bulk_tag_add"))
    assert (event.count, event.tag, event.job_id) == (2, "Trade fair", None)
    assert sorted(event.ids or []) == sorted(c.pk for c in tagged)
    assert has_it.pk not in (event.ids or [])


def test_a_bulk_field_edit_and_a_mass_delete_list_their_records(manager, owner, make_contact):
    edited = [make_contact(owner, source="event") for _ in range(2)]
    kept = make_contact(owner, source="phone")

    bulk_actions.set_field(actor=manager, selection=select(manager, source="event"), field="source", value="referral")
    bulk_actions.delete(actor=manager, selection=select(manager, source="referral"))

    field_event = BulkFieldSet.of(only_event("people.contact.bulk_field"))
    deleted_event = BulkDeleted.of(only_event("people.contact.bulk_delete"))
    assert (field_event.field, sorted(field_event.ids or [])) == ("source", sorted(c.pk for c in edited))
    assert sorted(deleted_event.ids or []) == sorted(c.pk for c in edited)
    assert list(Contact.objects.all()) == [kept]


def test_a_bulk_job_names_itself_and_its_changed_items_are_exactly_the_records_changed(
    settings, manager, owner, make_contact, django_capture_on_commit_callbacks
):
    settings.ACCORD_BULK_SYNC_LIMIT, settings.ACCORD_BULK_CHUNK_SIZE = 1, 2
    has_it = make_contact(owner, tags=["Trade fair"])
    tagged = [make_contact(owner) for _ in range(3)]
    selection = select(manager)
    change = bulk_actions.row_change(selection.screen, "tag_add", {"tag": "Trade fair"})

    with django_capture_on_commit_callbacks(execute=True):
        job = bulk_jobs.start(actor=manager, selection=selection, change=change)

    event = BulkTagAdded.of(only_event("people.contact.bulk_tag_add"))
    assert (event.count, event.job_id, event.ids) == (3, job.pk, None)
    assert sorted(bulk_jobs.changed_ids(event.job_id)) == sorted(c.pk for c in tagged)
    assert has_it.pk not in set(bulk_jobs.changed_ids(event.job_id))


def test_a_merge_names_the_records_merged_into_the_survivor(owner, make_contact):
    survivor, first, second = (make_contact(owner, last_name=name) for name in ("Nowak", "Nowak2", "Nowak3"))

    merging.merge_contacts(actor=owner, survivor=survivor, duplicates=[first, second])

    event = only_event("people.contact.merged")
    assert event.object_id == survivor.pk
    assert sorted(load(event).merged_ids) == sorted([first.pk, second.pk])  # type: ignore[attr-defined]


def test_an_upsert_names_every_contact_it_created_or_updated_and_none_it_left_alone(owner, make_contact):
    unchanged = make_contact(owner, first_name="Ola", last_name="Bez", external_id="shop-1")
    updated = make_contact(owner, first_name="Ela", last_name="Stara", external_id="shop-2")
    records = [
        {"external_id": "shop-1", "first_name": "Ola", "last_name": "Bez"},  # as it is
        {"external_id": "shop-2", "last_name": "Nowa"},  # changed: through the service
        {"external_id": "shop-3", "first_name": "Anna", "last_name": "Fast"},  # new: in bulk
        {"external_id": "shop-4", "last_name": "Slow", "addresses": [{"city": "Łódź"}]},  # new: the service
        {"external_id": "shop-5", "first_name": "", "last_name": ""},  # refused
    ]

    results = bulk.upsert_contacts(actor=owner, records=records)

    statuses = {r.external_id: r.status for r in results}
    assert statuses == {
        "shop-1": "unchanged",
        "shop-2": "updated",
        "shop-3": "created",
        "shop-4": "created",
        "shop-5": "failed",
    }
    event = ContactsUpserted.of(only_event("people.contact.upserted"))
    expected = {r.id for r in results if r.status in ("created", "updated")}
    assert set(event.ids) == expected
    assert updated.pk in expected
    assert unchanged.pk not in set(event.ids)
    assert event.count == len(expected)


def test_an_import_batch_names_the_contacts_and_companies_it_wrote(owner):
    rows = [
        (2, {"first_name": "Anna", "last_name": "Nowak", "company": "Acme"}),
        (3, {"first_name": "Jan", "last_name": "Kowal", "company": "Acme"}),
    ]

    import_rows("contacts", rows, owner=owner, actor=owner)

    contacts = ContactsImported.of(only_event("people.contact.imported"))
    companies = CompaniesImported.of(only_event("people.company.imported"))
    assert sorted(contacts.ids) == sorted(Contact.objects.values_list("pk", flat=True))
    assert companies.ids == [Company.objects.get(name="Acme").pk]


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], Any]], Any]:
    def call(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return call


@pytest.mark.usefixtures("private_files")
def test_an_import_job_names_the_audit_batch_of_every_record_it_created_or_updated(owner, make_contact, run_on_commit):
    # Given a contact the file updates (matched by e-mail), one it leaves as it is, and a bad row
    known = make_contact(owner, first_name="Ewa", last_name="Znana", emails=[{"email": "ewa@example.pl"}])
    same = make_contact(owner, first_name="Olga", last_name="Taka", emails=[{"email": "olga@example.pl"}])
    data = (
        "Imię;Nazwisko;E-mail;Firma\r\n"
        "Anna;Nowa;anna@example.pl;Nowa Firma\r\n"
        "Ewa;Zmieniona;ewa@example.pl;\r\n"
        "Olga;Taka;olga@example.pl;\r\n"
        "Zła;Linia;zla@;\r\n"
    ).encode()
    importer = importers.get("contacts")
    assert importer is not None
    job = import_jobs.upload(
        actor=owner, importer=importer, file=SimpleUploadedFile("k.csv", data, content_type="text/csv")
    )
    before = set(AuditEntry.objects.values_list("pk", flat=True))

    # When it is imported, keeping the good rows
    run_on_commit(lambda: import_jobs.start(actor=owner, job=job, dry_run=False, partial=True))

    # Then the finished event's batch holds exactly the new contact, its new company and the update
    event = ImportFinished.of(only_event("core.import.finished"))
    new = Contact.objects.get(last_name="Nowa")
    company = Company.objects.get(name="Nowa Firma")
    entries = changes.batch_entries(event.audit_batch or "")
    assert (event.written, event.created, event.updated, event.failed) == (True, 1, 1, 1)
    assert sorted(entries.values_list("entity", "object_id", "action")) == sorted(
        [
            ("people.contact", new.pk, "create"),
            ("people.company", company.pk, "create"),
            ("people.contact", known.pk, "update"),
        ]
    )
    assert same.pk not in set(entries.values_list("object_id", flat=True))
    assert set(AuditEntry.objects.exclude(pk__in=before).values_list("pk", flat=True)) == set(
        entries.values_list("pk", flat=True)
    )


@pytest.mark.usefixtures("private_files")
def test_a_dry_run_names_no_batch(owner, run_on_commit):
    importer = importers.get("contacts")
    assert importer is not None
    job = import_jobs.upload(
        actor=owner,
        importer=importer,
        file=SimpleUploadedFile("k.csv", b"First name;Last name\r\nAnna;Nowa\r\n", content_type="text/csv"),
    )

    run_on_commit(lambda: import_jobs.start(actor=owner, job=job, dry_run=True))

    event = ImportFinished.of(only_event("core.import.finished"))
    assert (event.dry_run, event.written, event.audit_batch) == (True, False, None)
    assert not Contact.objects.exists()


def test_an_audit_batch_key_must_be_one(db):
    with pytest.raises(ValueError, match="not an audit batch"):
        changes.batch_entries("'; drop table x")
