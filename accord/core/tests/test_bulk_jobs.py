"""Bulk actions above the request's limit run in the background: the records are frozen at
confirmation, the worker changes them in chunks (each its own transaction, through the list's
services), lists the records that fail, goes on from its cursor after a crash without doing a
record twice, and tells the user when it is done. A small limit is forced here."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from accord.activities import services as activities
from accord.activities.models import Task
from accord.core import bulk_actions, bulk_jobs, lists
from accord.core.events import dispatch_pending
from accord.core.models import AuditEntry, BulkJob, BulkJobItem, BulkJobState, Event
from accord.messaging.models import Message
from accord.people import services as people
from accord.people.models import Contact
from accord.sales.models import Lead
from accord.sales.services import leads as lead_services


@pytest.fixture(autouse=True)
def small_limits(settings: Any) -> None:
    settings.ACCORD_BULK_SYNC_LIMIT = 3
    settings.ACCORD_BULK_CHUNK_SIZE = 2


def tag_names(contact: Contact) -> list[str]:
    return sorted(t.name for t in Contact.objects.get(pk=contact.pk).tags.all())


def start_tagging(actor: Any, params: dict[str, Any], tag: str = "Trade fair") -> BulkJob:
    """Confirm "Add tag" on a selection, as the confirmation does, without running the job."""
    screen = lists.get("contact")
    selection = bulk_actions.select(actor=actor, screen=screen, params=params)
    change = bulk_actions.row_change(screen, "tag_add", {"tag": tag})
    return bulk_jobs.start(actor=actor, selection=selection, change=change)


def tag_updates(contact: Contact) -> int:
    return AuditEntry.objects.filter(object_id=contact.pk, action="update", changes__has_key="tags").count()


def test_tagging_more_records_than_the_limit_runs_in_the_background_and_notifies(
    login, manager, owner, make_contact, django_capture_on_commit_callbacks
):
    # Given five contacts of a rep, more than the three a request changes
    contacts = [make_contact(owner, source="event") for _ in range(5)]
    client = login(manager)

    # When their manager tags all that match the filter
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/lists/contact/bulk/", {"action": "tag_add", "new_tag": "Trade fair", "source": "event", "confirm": "1"}
        )

    # Then the change became a job, the worker did it, and the page shows its result
    job = BulkJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/lists/jobs/{job.pk}/"
    assert (job.state, job.total, job.done, job.changed, job.unchanged, job.failed) == ("finished", 5, 5, 5, 0, 0)
    assert [tag_names(c) for c in contacts] == [["Trade fair"]] * 5
    assert [tag_updates(c) for c in contacts] == [1] * 5
    event = Event.objects.get(name="people.contact.bulk_tag_add")
    assert (event.payload["count"], event.payload["tag"], event.payload["job_id"]) == (5, "Trade fair", str(job.pk))
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'data-count="changed">5<', page)
    assert re.search(r'data-count="failed">0<', page)

    # ...and the manager finds a notification in the app
    dispatch_pending()
    message = Message.objects.get(recipient_user=manager)
    assert message.subject == "Bulk change finished (contacts): 5 changed"
    assert message.body == "Add tag “Trade fair”"
    assert message.url == f"/lists/jobs/{job.pk}/"


def test_small_selections_and_owner_changes_stay_in_the_request(
    login, manager, owner, teammate, make_contact, django_capture_on_commit_callbacks
):
    three = [make_contact(owner, source="event") for _ in range(3)]
    for _ in range(2):
        make_contact(owner, source="referral")
    client = login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        tagged = client.post(
            "/lists/contact/bulk/", {"action": "tag_add", "new_tag": "VIP", "source": "event", "confirm": "1"}
        )
        moved = client.post(
            "/lists/contact/bulk/",
            {"action": "owner", "new_owner": str(teammate.pk), "owner": str(owner.pk), "confirm": "1"},
        )

    assert tagged.status_code == 302
    assert tagged["Location"] == "/contacts/?source=event"
    assert moved["Location"] == f"/contacts/?owner={owner.pk}"
    assert [tag_names(c) for c in three] == [["VIP"]] * 3
    assert Contact.objects.filter(owner=teammate).count() == 5
    assert not BulkJob.objects.exists()


def test_the_confirmation_says_a_large_change_runs_in_batches_and_lists_failures(login, manager, owner, make_contact):
    for _ in range(4):
        make_contact(owner, source="event")
    make_contact(owner, source="referral")
    client = login(manager)

    large = client.get("/lists/contact/bulk/?action=tag_add&source=event").content.decode()
    small = client.get("/lists/contact/bulk/?action=tag_add&source=referral").content.decode()

    assert "A change this large runs in the background." in large
    assert "It is made in batches of 2 records" in large
    assert "the other records keep their change: nothing is undone" in large
    assert "runs in the background" not in small


def test_only_the_records_in_reach_at_confirmation_are_changed(owner, teammate, make_contact):
    # Given a rep who may delete only their own contacts, and a selection showing a teammate's too
    mine = [make_contact(owner, source="event") for _ in range(4)]
    theirs = [make_contact(teammate, source="event") for _ in range(2)]
    screen = lists.get("contact")
    selection = bulk_actions.select(actor=owner, screen=screen, params={"source": "event"})

    # When the rep deletes them all, and a contact matching the filter is added before the worker runs
    job = bulk_jobs.start(actor=owner, selection=selection, change=bulk_actions.row_change(screen, "delete", {}))
    later = make_contact(owner, source="event")
    bulk_jobs.run(job.pk)

    # Then only the rep's own contacts of that moment are gone; the teammate's are counted as skipped
    job.refresh_from_db()
    assert (job.selected, job.total, job.changed) == (6, 4, 4)
    assert not Contact.objects.filter(pk__in=[c.pk for c in mine]).exists()
    assert Contact.objects.filter(pk__in=[c.pk for c in [*theirs, later]]).count() == 3


def test_a_run_that_dies_is_taken_up_from_its_cursor_without_doing_a_record_twice(
    manager, owner, make_contact, django_capture_on_commit_callbacks
):
    contacts = [make_contact(owner) for _ in range(5)]
    job = start_tagging(manager, {"owner": str(owner.pk)})

    # Given a worker that committed one chunk, then died in the middle of the next one
    assert bulk_jobs.process_chunk(job.pk) is True
    with transaction.atomic():
        bulk_jobs.process_chunk(job.pk)
        transaction.set_rollback(True)  # the second chunk never committed
    job.refresh_from_db()
    assert (job.state, job.done, job.changed) == ("running", 2, 2)
    assert sum(tag_updates(c) for c in contacts) == 2

    # When the job is run again (twice, as a second nudge would)
    with django_capture_on_commit_callbacks(execute=True):
        bulk_jobs.run(job.pk)
        bulk_jobs.run(job.pk)

    # Then every record was tagged exactly once, the job counted each once, and said so once
    job.refresh_from_db()
    assert (job.state, job.done, job.changed) == ("finished", 5, 5)
    assert [tag_updates(c) for c in contacts] == [1] * 5
    assert Event.objects.filter(name="people.contact.bulk_tag_add").count() == 1
    assert Event.objects.filter(name="messaging.notify_requested").count() == 1


def test_a_record_that_fails_is_listed_and_the_others_keep_their_change(login, manager, owner):
    # Given five leads, one already converted (its status cannot be set from a list)
    fresh = [lead_services.create_lead(actor=owner, data={"last_name": f"Fresh {i}"}) for i in range(4)]
    done = lead_services.create_lead(actor=owner, data={"first_name": "Ola", "last_name": "Converted"})
    Lead.objects.filter(pk=done.pk).update(status="converted")
    screen = lists.get("lead")
    selection = bulk_actions.select(actor=manager, screen=screen, params={"owner": str(owner.pk)})

    # When all of them are to be marked qualified in the background
    change = bulk_actions.row_change(screen, "field", {"field": "status", "value": "qualified"})
    job = bulk_jobs.start(actor=manager, selection=selection, change=change)
    bulk_jobs.run(job.pk)

    # Then the four changed, the converted one did not, and the result names it, the field and why
    job.refresh_from_db()
    assert (job.state, job.changed, job.failed) == ("finished", 4, 1)
    assert set(Lead.objects.filter(pk__in=[lead.pk for lead in fresh]).values_list("status", flat=True)) == {
        "qualified"
    }
    assert Lead.objects.get(pk=done.pk).status == "converted"
    [failure] = bulk_jobs.failures(job)
    assert failure["label"] == "Ola Converted"
    assert failure["field"] == "Status"
    assert "converted" in failure["reason"].lower()
    page = login(manager).get(f"/lists/jobs/{job.pk}/").content.decode()
    assert "Finished, with records that failed" in page
    assert "Ola Converted" in page
    assert failure["reason"] in page
    dispatch_pending()
    assert Message.objects.get(recipient_user=manager).subject == "Bulk change finished (leads): 4 changed, 1 failed"


def test_a_change_made_meanwhile_is_kept_and_is_no_conflict(manager, owner, teammate, make_contact):
    # Given a job confirmed on five contacts
    contacts = [make_contact(owner) for _ in range(5)]
    job = start_tagging(manager, {"owner": str(owner.pk)})

    # When, before the worker gets to them, someone edits one and tags it, and another job tags them too
    edited = people.update_contact(
        actor=owner, contact=contacts[4], data={"first_name": "Janina", "tags": ["VIP"]}, expected_version=1
    )
    other = start_tagging(manager, {"owner": str(owner.pk)}, tag="Newsletter")
    bulk_jobs.process_chunk(other.pk)
    bulk_jobs.run(job.pk)
    bulk_jobs.run(other.pk)

    # Then no record failed over the newer version; each kept every tag it was given
    assert edited.version == 2
    job.refresh_from_db()
    assert (job.changed, job.failed) == (5, 0)
    assert [tag_names(c) for c in contacts[:4]] == [["Newsletter", "Trade fair"]] * 4
    assert tag_names(contacts[4]) == ["Newsletter", "Trade fair", "VIP"]
    assert Contact.objects.get(pk=contacts[4].pk).first_name == "Janina"


def test_records_deleted_before_their_turn_are_counted_not_failed(login, admin_user, owner):
    tasks = [activities.create_task(actor=owner, data={"title": f"Call {i}"}) for i in range(5)]
    screen = lists.get("task")
    selection = bulk_actions.select(actor=admin_user, screen=screen, params={"owner": str(owner.pk)})
    job = bulk_jobs.start(actor=admin_user, selection=selection, change=bulk_actions.row_change(screen, "delete", {}))
    activities.delete_task(actor=owner, task=tasks[2])

    bulk_jobs.run(job.pk)

    job.refresh_from_db()
    assert (job.state, job.changed, job.gone, job.failed) == ("finished", 4, 1, 0)
    assert not Task.objects.exists()
    assert AuditEntry.objects.filter(entity="activities.task", action="delete").count() == 5
    page = login(admin_user).get(f"/lists/jobs/{job.pk}/").content.decode()
    assert "1 record was deleted before its turn." in page


def test_the_progress_is_polled_until_the_result_and_only_its_owner_sees_it(
    login, manager, owner, outsider, make_contact
):
    for _ in range(5):
        make_contact(owner)
    job = start_tagging(manager, {"owner": str(owner.pk)})
    client = login(manager)
    htmx = {"HX-Request": "true"}

    waiting = client.get(f"/lists/jobs/{job.pk}/").content.decode()
    bulk_jobs.process_chunk(job.pk)
    running = client.get(f"/lists/jobs/{job.pk}/progress/", headers=htmx).content.decode()
    bulk_jobs.run(job.pk)
    finished = client.get(f"/lists/jobs/{job.pk}/progress/", headers=htmx)

    assert f'hx-get="/lists/jobs/{job.pk}/progress/"' in waiting
    assert "Waiting for the background worker to start." in waiting
    assert "2 of 5 records (40%)" in running
    assert finished.status_code == 204
    assert finished["HX-Redirect"] == f"/lists/jobs/{job.pk}/"
    assert login(outsider).get(f"/lists/jobs/{job.pk}/").status_code == 404


def test_a_job_that_stops_on_an_error_keeps_its_work_and_resumes_where_it_stopped(
    login, manager, owner, make_contact, django_capture_on_commit_callbacks
):
    contacts = [make_contact(owner) for _ in range(5)]
    job = start_tagging(manager, {"owner": str(owner.pk)})
    bulk_jobs.process_chunk(job.pk)
    # Given inputs that no longer hold when the worker comes back (as after a faulty upgrade)
    BulkJob.objects.filter(pk=job.pk).update(inputs={"tag": ""})

    bulk_jobs.run(job.pk)

    job.refresh_from_db()
    assert (job.state, job.done) == ("stopped", 2)
    assert job.message == (
        "The change stopped on an unexpected error after 2 of 5 records. "
        "The records done keep their change; resume it to go on."
    )
    assert sum(tag_updates(c) for c in contacts) == 2

    # When it is put right and resumed from its page, it goes on from the third record
    BulkJob.objects.filter(pk=job.pk).update(inputs={"tag": "Trade fair"})
    with django_capture_on_commit_callbacks(execute=True):
        response = login(manager).post(f"/lists/jobs/{job.pk}/resume/")

    job.refresh_from_db()
    assert response.status_code == 302
    assert (job.state, job.done, job.changed) == ("finished", 5, 5)
    assert [tag_updates(c) for c in contacts] == [1] * 5
    subjects = sorted(
        Event.objects.filter(name="messaging.notify_requested").values_list("payload__subject", flat=True)
    )
    assert subjects == ["Bulk change finished (contacts): 5 changed", "Bulk change stopped: contacts"]


def test_runs_no_worker_took_or_whose_worker_died_are_queued_again(manager, owner, make_contact):
    contacts = [make_contact(owner) for _ in range(5)]
    job = start_tagging(manager, {"owner": str(owner.pk)})
    bulk_jobs.process_chunk(job.pk)
    assert bulk_jobs.resume_lost_jobs() == 0  # it reported a moment ago

    BulkJob.objects.filter(pk=job.pk).update(beat_at=timezone.now() - datetime.timedelta(minutes=11))
    assert bulk_jobs.resume_lost_jobs() == 1

    # The immediate task backend of the tests ran the queued job at once.
    job.refresh_from_db()
    assert job.state == BulkJobState.FINISHED
    assert [tag_updates(c) for c in contacts] == [1] * 5


def test_bulk_changes_are_forgotten_a_month_after_they_ended(manager, owner, make_contact):
    for _ in range(5):
        make_contact(owner)
    old, recent, running = (start_tagging(manager, {"owner": str(owner.pk)}, tag=t) for t in ("A", "B", "C"))
    for job in (old, recent):
        bulk_jobs.run(job.pk)
    BulkJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=31))

    assert bulk_jobs.prune() == 1

    assert set(BulkJob.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert BulkJobItem.objects.filter(job=old.pk).count() == 0
    assert BulkJobItem.objects.filter(job=running.pk).count() == 5
