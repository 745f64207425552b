"""Files attached to records: who may attach, see, download and delete them; what is refused; what
is left on disk; merges and sweeps."""

from __future__ import annotations

import datetime
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.core import attachments
from accord.core.access import AccessDenied
from accord.core.models import Attachment, AuditEntry, Event
from accord.core.tests.conftest import client_for, stored_files, upload
from accord.identity.models import Role
from accord.people import merging
from accord.people import services as people

# The EICAR test file, which every virus scanner reports as infected; kept in two halves so that
# this source file itself does not look like one to a scanner.
EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode()


def test_a_file_attached_to_a_contact_keeps_its_facts_and_is_stored_under_a_random_name(
    storage_dir, owner, make_contact
):
    contact = make_contact(owner)
    content = b"%PDF-1.4 offer for Acme\n"

    attachment = attachments.attach_file(actor=owner, record=contact, upload=upload("Offer 2026.pdf", content))

    assert attachment.record == contact
    assert attachment.file_name == "Offer 2026.pdf"
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.mime_type == "application/pdf"
    assert attachment.uploaded_by == owner
    [stored] = stored_files(storage_dir)
    assert stored.read_bytes() == content
    assert "Offer" not in stored.name
    assert not stored.name.endswith(".pdf")
    assert stored.relative_to(storage_dir).parts[0] == "attachments"
    assert list(attachments.for_record(contact)) == [attachment]
    entry = AuditEntry.objects.get(entity="core.attachment", object_id=attachment.pk)
    assert (entry.action, entry.actor_id, entry.changes["file_name"]) == ("create", owner.pk, [None, "Offer 2026.pdf"])
    assert "storage_name" not in entry.changes
    assert Event.objects.filter(name="core.attachment.created", object_id=attachment.pk).count() == 1


def test_the_download_is_an_attachment_with_nosniff_and_a_conservative_type(storage_dir, owner, make_contact):
    contact = make_contact(owner)
    pdf = attachments.attach_file(actor=owner, record=contact, upload=upload("offer.pdf", b"%PDF-1.4"))
    page = attachments.attach_file(actor=owner, record=contact, upload=upload("look.html", b"<script>x</script>"))
    client = client_for(owner)

    response = client.get(reverse("core:attachment-download", args=[pdf.pk]))
    html = client.get(reverse("core:attachment-download", args=[page.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename=\"offer.pdf\"; filename*=UTF-8''offer.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == "8"
    assert response["Cache-Control"] == "private, no-store"
    assert html["Content-Type"] == "application/octet-stream"
    assert html["Content-Disposition"].startswith("attachment;")


def test_a_name_cannot_break_out_of_the_content_disposition_header():
    header = attachments.content_disposition('a"; filename="evil.html;\\ż ółw.pdf')

    assert header == (
        'attachment; filename="a__ filename__evil.html__z o_w.pdf"; '
        "filename*=UTF-8''a%22%3B%20filename%3D%22evil.html%3B%5C%C5%BC%20%C3%B3%C5%82w.pdf"
    )


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\anna\\Desktop\\umowa.docx", "umowa.docx"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("line\r\nbreak\x00.txt", "linebreak.txt"),
        ("  ..hidden  ", "hidden"),
        ("...", "file"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_file_names_are_cleaned(given, kept):
    assert attachments.clean_file_name(given) == kept


def test_empty_and_oversized_files_are_refused_with_a_reason_and_nothing_is_stored(
    storage_dir, settings, owner, make_contact
):
    settings.ACCORD_MAX_UPLOAD_MB = 1
    contact = make_contact(owner)

    with pytest.raises(ValidationError) as empty:
        attachments.attach_file(actor=owner, record=contact, upload=upload("empty.txt", b""))
    with pytest.raises(ValidationError) as big:
        attachments.attach_file(actor=owner, record=contact, upload=upload("big.bin", b"x" * (1024 * 1024 + 1)))
    exactly = attachments.attach_file(actor=owner, record=contact, upload=upload("ok.bin", b"x" * 1024 * 1024))

    assert empty.value.message_dict == {"file": ["The file is empty."]}
    assert big.value.message_dict == {"file": ["The file is larger than 1 MB, the most Accord accepts."]}
    assert list(attachments.for_record(contact)) == [exactly]
    assert len(stored_files(storage_dir)) == 1


@pytest.fixture
def eicar_scanner(settings: Any, tmp_path: Path) -> Path:
    """A small scanner that refuses what contains the EICAR test string, as clamdscan would."""
    script = tmp_path / "scan.sh"
    script.write_text(
        "#!/bin/sh\n"
        'for path in "$@"; do :; done  # the file is the last argument\n'
        "if grep -q 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE' \"$path\"; then\n"
        '  echo "$path: Eicar-Test-Signature FOUND"; exit 1\n'
        "fi\n"
        'echo "$path: OK"\n'
    )
    script.chmod(0o755)
    settings.ACCORD_VIRUS_SCAN_COMMAND = f"{script} --no-summary"
    return script


def test_the_virus_scanner_refuses_an_infected_file_and_lets_a_clean_one_through(
    storage_dir, eicar_scanner, owner, make_contact
):
    contact = make_contact(owner)

    with pytest.raises(ValidationError) as refused:
        attachments.attach_file(actor=owner, record=contact, upload=upload("eicar.com", EICAR))
    clean = attachments.attach_file(actor=owner, record=contact, upload=upload("notes.txt", b"all fine"))

    assert refused.value.message_dict == {
        "file": ["The virus scanner refused this file: eicar.com: Eicar-Test-Signature FOUND"]
    }
    assert list(attachments.for_record(contact)) == [clean]
    assert [p.read_bytes() for p in stored_files(storage_dir)] == [b"all fine"]


def test_a_scanner_that_cannot_run_refuses_the_file(storage_dir, settings, owner, make_contact):
    settings.ACCORD_VIRUS_SCAN_COMMAND = "/nonexistent/clamdscan"
    contact = make_contact(owner)

    with pytest.raises(ValidationError) as refused:
        attachments.attach_file(actor=owner, record=contact, upload=upload("notes.txt", b"all fine"))

    assert refused.value.message_dict == {
        "file": ["The file could not be checked for viruses, so it was not stored. Try again later."]
    }
    assert stored_files(storage_dir) == []


def test_a_failed_transaction_leaves_no_file_behind(storage_dir, owner, make_contact):
    contact = make_contact(owner)
    people.delete_contact(actor=owner, contact=contact)  # deleted while the upload was on its way

    with pytest.raises(ValidationError) as gone:
        attachments.attach_file(actor=owner, record=contact, upload=upload("late.pdf", b"%PDF"))

    assert gone.value.message_dict == {"file": ["This record no longer exists."]}
    assert stored_files(storage_dir) == []
    assert Attachment.objects.count() == 0
    assert not Event.objects.filter(name="core.attachment.created").exists()


def test_who_may_attach_see_and_download(storage_dir, owner, teammate, outsider, viewer, make_contact):
    contact = make_contact(owner)
    mine = attachments.attach_file(actor=owner, record=contact, upload=upload("a.txt", b"a"))

    by_teammate = attachments.attach_file(actor=teammate, record=contact, upload=upload("b.txt", b"b"))
    with pytest.raises(AccessDenied):
        attachments.attach_file(actor=viewer, record=contact, upload=upload("c.txt", b"c"))
    with pytest.raises(Http404):
        attachments.attach_file(actor=outsider, record=contact, upload=upload("d.txt", b"d"))

    assert list(attachments.for_record(contact)) == [by_teammate, mine]
    assert client_for(viewer).get(reverse("core:attachment-download", args=[mine.pk])).status_code == 200
    assert client_for(outsider).get(reverse("core:attachment-download", args=[mine.pk])).status_code == 404
    assert Client().get(reverse("core:attachment-download", args=[mine.pk])).status_code == 302
    assert len(stored_files(storage_dir)) == 2


def test_whoever_may_change_the_record_or_the_uploader_may_delete_a_file(
    storage_dir, owner, teammate, viewer, make_contact, django_capture_on_commit_callbacks
):
    contact = make_contact(owner)
    first = attachments.attach_file(actor=teammate, record=contact, upload=upload("first.txt", b"1"))
    second = attachments.attach_file(actor=teammate, record=contact, upload=upload("second.txt", b"2"))

    with pytest.raises(AccessDenied):
        attachments.remove_attachment(actor=viewer, attachment=first)
    with django_capture_on_commit_callbacks(execute=True):
        attachments.remove_attachment(actor=owner, attachment=first)
    # The teammate's role no longer lets them change others' records; their own file they may still take away.
    Role.objects.filter(code=Role.SALES_REP).update(edit_reach="own")
    teammate = type(teammate).objects.get(pk=teammate.pk)
    with django_capture_on_commit_callbacks(execute=True):
        attachments.remove_attachment(actor=teammate, attachment=second)

    assert Attachment.objects.count() == 0
    assert stored_files(storage_dir) == []
    deleted = AuditEntry.objects.filter(entity="core.attachment", action="delete").order_by("at")
    assert [(e.actor_id, e.object_repr) for e in deleted] == [(owner.pk, "first.txt"), (teammate.pk, "second.txt")]


def test_the_file_stays_until_the_deletion_commits(storage_dir, owner, make_contact):
    contact = make_contact(owner)
    attachment = attachments.attach_file(actor=owner, record=contact, upload=upload("keep.txt", b"keep"))

    def delete_in_a_transaction_that_fails() -> None:
        with transaction.atomic():
            attachments.remove_attachment(actor=owner, attachment=attachment)
            raise RuntimeError("the caller's transaction rolls back")

    with pytest.raises(RuntimeError):
        delete_in_a_transaction_that_fails()

    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert [p.read_bytes() for p in stored_files(storage_dir)] == [b"keep"]


def test_merging_contacts_carries_their_files_to_the_survivor(storage_dir, owner, make_contact):
    survivor = make_contact(owner, first_name="Anna", last_name="Nowak")
    duplicate = make_contact(owner, first_name="Anna", last_name="Nowak")
    kept = attachments.attach_file(actor=owner, record=survivor, upload=upload("kept.txt", b"k"))
    moved = attachments.attach_file(actor=owner, record=duplicate, upload=upload("moved.txt", b"m"))

    merging.merge_contacts(actor=owner, survivor=survivor, duplicates=[duplicate])

    assert list(attachments.for_record(survivor)) == [moved, kept]
    merge_entry = AuditEntry.objects.get(entity="people.contact", object_id=survivor.pk, action="merge")
    assert merge_entry.changes["moved"][1]["core.attachment.record"] == 1


def test_the_sweep_removes_files_of_deleted_records_and_stray_files(
    storage_dir, owner, make_contact, django_capture_on_commit_callbacks
):
    staying = make_contact(owner)
    leaving = make_contact(owner)
    kept = attachments.attach_file(actor=owner, record=staying, upload=upload("kept.txt", b"k"))
    attachments.attach_file(actor=owner, record=leaving, upload=upload("gone.txt", b"g"))
    people.delete_contact(actor=owner, contact=leaving)
    now = timezone.now()
    three_days_ago, yesterday = now - datetime.timedelta(days=3), now - datetime.timedelta(days=1)
    old_stray = default_storage.save(f"attachments/{three_days_ago:%Y-%m-%d}/stray", ContentFile(b"s"))
    fresh = default_storage.save(f"attachments/{yesterday:%Y-%m-%d}/inflight", ContentFile(b"f"))

    with django_capture_on_commit_callbacks(execute=True):
        detached = attachments.sweep_detached()
    strays = attachments.sweep_stray_files(now=now)

    assert (detached, strays) == (1, 1)
    assert list(Attachment.objects.all()) == [kept]
    assert not default_storage.exists(old_stray)
    assert default_storage.exists(fresh)
    assert default_storage.exists(kept.storage_name)
    assert sorted(os.path.basename(p) for p in map(str, stored_files(storage_dir))) == sorted(
        [os.path.basename(kept.storage_name), "inflight"]
    )
