"""The page of a bulk change run in the background: its way back to the list keeps the list's
filters (``all`` on tasks too), each failure links to its record, and a chunk the database
refuses (a lock held by another writer) is tried again with growing waits before its records
count as failed."""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.urls import reverse

from accord.activities import services as activities
from accord.core import bulk_actions, bulk_jobs, lists
from accord.core.models import BulkJob
from accord.people.models import Contact
from accord.sales.models import Lead
from accord.sales.services import leads as lead_services


@pytest.fixture(autouse=True)
def small_limits(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.ACCORD_BULK_SYNC_LIMIT = 1
    settings.ACCORD_BULK_CHUNK_SIZE = 2
    monkeypatch.setattr(bulk_jobs, "RETRY_FIRST_DELAY", 0.05)


def _tag_job(actor: Any, owner: Any) -> BulkJob:
    screen = lists.get("contact")
    selection = bulk_actions.select(actor=actor, screen=screen, params={"owner": str(owner.pk)})
    return bulk_jobs.start(
        actor=actor, selection=selection, change=bulk_actions.row_change(screen, "tag_add", {"tag": "Fair"})
    )


def test_the_way_back_keeps_the_task_lists_filters_and_all(login, admin_user, owner, teammate):
    for who in (owner, teammate):
        activities.create_task(actor=who, data={"title": f"Call for {who}"})
    client = login(admin_user)
    params = {"action": "field", "status": "open", "all": "1", "field": "priority", "value": "high"}

    confirmation = client.get("/lists/task/bulk/", params).content.decode()
    response = client.post("/lists/task/bulk/", {**params, "confirm": "1"})

    job = BulkJob.objects.get()
    assert response["Location"] == f"/lists/jobs/{job.pk}/"
    bulk_jobs.run(job.pk)
    page = client.get(response["Location"]).content.decode()
    assert _list_links(confirmation) == [{"status": ["open"], "all": ["1"]}]
    assert _list_links(page) == [{"status": ["open"], "all": ["1"]}] * 2  # the head's and the result's


def _list_links(page: str) -> list[dict[str, list[str]]]:
    return [parse_qs(html.unescape(query)) for query in re.findall(r'href="/tasks/\?([^"]*)"', page)]


def test_each_failure_links_to_its_record(login, manager, owner):
    lead_services.create_lead(actor=owner, data={"last_name": "Fresh"})
    done = lead_services.create_lead(actor=owner, data={"first_name": "Ola", "last_name": "Converted"})
    Lead.objects.filter(pk=done.pk).update(status="converted")
    screen = lists.get("lead")
    selection = bulk_actions.select(actor=manager, screen=screen, params={"owner": str(owner.pk)})
    change = bulk_actions.row_change(screen, "field", {"field": "status", "value": "qualified"})
    job = bulk_jobs.start(actor=manager, selection=selection, change=change)

    bulk_jobs.run(job.pk)

    page = login(manager).get(f"/lists/jobs/{job.pk}/").content.decode()
    url = reverse("sales:lead-detail", args=[done.pk])
    assert [f["url"] for f in bulk_jobs.failures(job)] == [url]
    assert f'<a href="{url}"><strong>Ola Converted</strong></a>' in page


@contextmanager
def _tag_table_refusing_inserts() -> Iterator[None]:
    """A trigger that makes every new tag of a contact fail with a database error."""
    table = Contact.tags.through._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                f'CREATE TRIGGER refuse_tags BEFORE INSERT ON "{table}" BEGIN SELECT no_such_function(); END'
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_tags() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'database is locked' USING ERRCODE = '55P03'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f'CREATE TRIGGER refuse_tags BEFORE INSERT ON "{table}" FOR EACH ROW EXECUTE FUNCTION refuse_tags()'
            )
    yield


def test_a_chunk_the_database_keeps_refusing_is_tried_again_then_counted_as_failed(
    login, manager, owner, make_contact, caplog
):
    contacts = [make_contact(owner, last_name=f"Nowak{i}") for i in range(3)]
    job = _tag_job(manager, owner)

    with _tag_table_refusing_inserts(), caplog.at_level(logging.INFO, logger="accord.core.bulk_jobs"):
        bulk_jobs.run(job.pk)

    job.refresh_from_db()
    retries = [r for r in caplog.records if "trying the chunk again" in r.getMessage()]
    # Two chunks (2 + 1 records), each tried CHUNK_ATTEMPTS times in all
    assert len(retries) == 2 * (bulk_jobs.CHUNK_ATTEMPTS - 1)
    assert (job.state, job.done, job.changed, job.failed) == ("finished", 3, 0, 3)
    failures = bulk_jobs.failures(job)
    assert sorted(f["label"] for f in failures) == sorted(c.full_name for c in contacts)
    assert all(f["reason"].startswith("The database refused the change after 5 attempts") for f in failures)
    assert not Contact.objects.filter(tags__name="Fair").exists()


@contextmanager
def _records_locked_by_another_writer(pk: Any, seconds: float) -> Iterator[None]:
    """Another connection holds a write lock (SQLite) or the record's row lock (PostgreSQL) for
    ``seconds``, as a long import would; this connection gives up waiting after 50 ms."""
    other = connection.copy()
    other.ensure_connection()
    raw = other.connection
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 50")
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("UPDATE people_contact SET version = version WHERE id = ?", [pk.hex])
        else:
            cursor.execute("SET lock_timeout = '50ms'")
            raw.execute("BEGIN")
            raw.execute("SELECT 1 FROM people_contact WHERE id = %s FOR UPDATE", [pk])
    release = threading.Timer(seconds, lambda: raw.execute("ROLLBACK"))
    release.start()
    try:
        yield
    finally:
        release.join()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 20000" if connection.vendor == "sqlite" else "RESET lock_timeout")


@pytest.mark.django_db(transaction=True)
def test_a_chunk_refused_while_another_writer_holds_the_lock_is_tried_again_and_done(
    manager, owner, make_contact, caplog, settings
):
    # (Queued, not run on commit: the worker's run is the one under test.)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    contacts = [make_contact(owner) for _ in range(2)]
    job = _tag_job(manager, owner)
    assert BulkJob.objects.get(pk=job.pk).state == "queued"

    with (
        _records_locked_by_another_writer(contacts[0].pk, 0.4),
        caplog.at_level(logging.INFO, logger="accord.core.bulk_jobs"),
    ):
        bulk_jobs.run(job.pk)

    job.refresh_from_db()
    assert any("trying the chunk again" in r.getMessage() for r in caplog.records)
    assert (job.state, job.changed, job.failed) == ("finished", 2, 0)
    assert Contact.objects.filter(tags__name="Fair").count() == 2
