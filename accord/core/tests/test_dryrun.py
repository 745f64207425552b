"""A dry run leaves the database free for everyone else (SQLite has one writer at a time)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections, transaction

from accord.core import dryrun, import_jobs, importers
from accord.identity.models import User
from accord.people.models import Company, Contact
from accord.people.services import create_company

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_files")]

PEOPLE = "Imię;Nazwisko;E-mail\nAnna;Nowak;anna@example.pl\nPiotr;Lis;piotr@example.pl\nEwa;Wrona;ewa@example.pl\n"


def write_from_another_connection(actor: User, name: str) -> list[BaseException]:
    """Save a company as a web request would, on its own connection and thread; the errors it met."""
    errors: list[BaseException] = []

    def save() -> None:
        try:
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:  # fail fast instead of waiting 20 s for the lock
                    cursor.execute("PRAGMA busy_timeout = 300")
            with transaction.atomic():
                create_company(actor=actor, data={"name": name})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=save)
    thread.start()
    thread.join(timeout=30)
    return errors


def test_others_save_while_a_dry_run_import_is_in_progress(owner, monkeypatch):
    met: list[BaseException | None] = []
    publish = import_jobs.publish_progress

    def publish_and_meanwhile_save(pk: Any, read: int) -> None:
        if read and not met:  # the run's rows are written, not yet rolled back
            errors = write_from_another_connection(owner, "Saved during the dry run")
            met.append(errors[0] if errors else None)
        publish(pk, read)

    monkeypatch.setattr(import_jobs, "publish_progress", publish_and_meanwhile_save)
    importer = importers.get("contacts")
    assert importer is not None
    job = import_jobs.upload(actor=owner, importer=importer, file=SimpleUploadedFile("people.csv", PEOPLE.encode()))

    import_jobs.start(actor=owner, job=job, dry_run=True)

    job.refresh_from_db()
    assert met == [None], met
    assert (job.state, job.created, job.failed, job.written) == ("finished", 3, 0, False)
    assert list(Company.objects.values_list("name", flat=True)) == ["Saved during the dry run"]
    assert not Contact.objects.exists()


def test_what_runs_isolated_is_thrown_away_and_the_database_stays_writable(owner):
    with dryrun.isolated() as on_copy, transaction.atomic():
        create_company(actor=owner, data={"name": "Only in the copy"})
        assert Company.objects.filter(name="Only in the copy").exists()
        errors = write_from_another_connection(owner, "In the database")
        transaction.set_rollback(True)

    assert on_copy is (connection.vendor == "sqlite")
    assert errors == []
    assert list(Company.objects.values_list("name", flat=True)) == ["In the database"]


def test_the_copy_sees_what_was_committed_before(owner):
    create_company(actor=owner, data={"name": "Committed before"})

    with dryrun.isolated():
        seen = list(Company.objects.values_list("name", flat=True))

    assert seen == ["Committed before"]


def test_inside_an_open_transaction_the_block_runs_in_place(owner):
    with transaction.atomic():
        create_company(actor=owner, data={"name": "Not committed yet"})
        with dryrun.isolated() as on_copy:
            seen = Company.objects.filter(name="Not committed yet").exists()
        transaction.set_rollback(True)

    assert (on_copy, seen) == (False, True)


def test_without_room_for_the_copy_the_block_runs_in_place_and_says_so(owner, monkeypatch, caplog):
    monkeypatch.setattr(dryrun, "HEADROOM", 10**12)

    before = connection.settings_dict["NAME"]
    with caplog.at_level(logging.WARNING, logger="accord.core.dryrun"), dryrun.isolated() as on_copy:
        inside = connections["default"].settings_dict["NAME"]

    assert on_copy is False
    assert inside == before  # the block ran on the database itself
    # PostgreSQL needs no copy, so it never looks for room.
    assert ("no room" in caplog.text) is (connection.vendor == "sqlite")
