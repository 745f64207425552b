"""The files panel on record pages, and uploading, downloading and deleting from it, with and
without htmx; the same through /api/v1."""

from __future__ import annotations

import hashlib
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accord.core import attachments
from accord.core.models import Attachment
from accord.core.tests.conftest import client_for, stored_files, upload
from accord.sales.services import deals as deal_services
from accord.sales.services import leads as lead_services
from accord.sales.services import quotes as quote_services

HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/contacts/"}


def upload_url(entity: str, record_id: object) -> str:
    return reverse("core:attachment-upload", args=[entity, record_id])


def test_the_contact_page_lists_files_and_offers_an_upload_to_who_may_change_it(
    storage_dir, owner, viewer, make_contact
):
    contact = make_contact(owner)
    attachment = attachments.attach_file(actor=owner, record=contact, upload=upload("offer.pdf", b"%PDF"))
    page = reverse("people:contact-detail", args=[contact.pk])

    as_owner = client_for(owner).get(page).content.decode()
    as_viewer = client_for(viewer).get(page).content.decode()

    download = reverse("core:attachment-download", args=[attachment.pk])
    for html in (as_owner, as_viewer):
        assert f'<a class="attachment-name" href="{download}">offer.pdf</a>' in html
    assert f'action="{upload_url("people.contact", contact.pk)}"' in as_owner
    assert 'aria-label="Delete offer.pdf"' in as_owner
    assert "data-dropzone" not in as_viewer
    assert 'aria-label="Delete offer.pdf"' not in as_viewer


def test_an_upload_without_javascript_comes_back_to_the_page_it_was_made_on(storage_dir, owner, make_company):
    company = make_company(owner)
    page = reverse("people:company-detail", args=[company.pk])
    client = client_for(owner)

    response = client.post(
        upload_url("people.company", company.pk),
        {"file": [SimpleUploadedFile("a.txt", b"a"), SimpleUploadedFile("b.csv", b"x,y")], "next": page},
    )

    assert response.status_code == 302
    assert response["Location"] == page
    assert sorted(a.file_name for a in attachments.for_record(company)) == ["a.txt", "b.csv"]
    assert "2 files attached." in client.get(page).content.decode()


def test_an_upload_with_htmx_answers_with_the_panel_and_explains_a_refusal(storage_dir, settings, owner, make_contact):
    settings.ACCORD_MAX_UPLOAD_MB = 1
    contact = make_contact(owner)
    client = client_for(owner)

    stored = client.post(
        upload_url("people.contact", contact.pk), {"file": SimpleUploadedFile("plan.txt", b"plan")}, headers=HTMX
    )
    refused = client.post(
        upload_url("people.contact", contact.pk),
        {"file": [SimpleUploadedFile("huge.bin", b"0" * (1024 * 1024 + 1)), SimpleUploadedFile("empty.txt", b"")]},
        headers=HTMX,
    )

    assert stored.status_code == 200
    assert stored["HX-Trigger"] == "accord:files-changed"
    assert 'id="attachments-panel"' in stored.content.decode()
    assert ">plan.txt</a>" in stored.content.decode()
    assert refused.status_code == 422
    assert "HX-Trigger" not in refused
    body = refused.content.decode()
    assert "<li>huge.bin: The file is larger than 1 MB, the most Accord accepts.</li>" in body
    assert "<li>empty.txt: The file is empty.</li>" in body
    assert [a.file_name for a in attachments.for_record(contact)] == ["plan.txt"]
    assert len(stored_files(storage_dir)) == 1


def test_uploads_to_records_out_of_reach_are_refused(storage_dir, owner, outsider, viewer, make_contact):
    contact = make_contact(owner)
    url = upload_url("people.contact", contact.pk)

    hidden = client_for(outsider).post(url, {"file": SimpleUploadedFile("a.txt", b"a")})
    denied = client_for(viewer).post(url, {"file": SimpleUploadedFile("a.txt", b"a")})
    unknown = client_for(owner).post(upload_url("identity.user", owner.pk), {"file": SimpleUploadedFile("a", b"a")})
    anonymous = Client().post(url, {"file": SimpleUploadedFile("a.txt", b"a")})

    assert (hidden.status_code, denied.status_code, unknown.status_code) == (404, 403, 404)
    assert anonymous.status_code == 302
    assert Attachment.objects.count() == 0


def test_deleting_from_the_panel(storage_dir, owner, make_contact, django_capture_on_commit_callbacks):
    contact = make_contact(owner)
    attachment = attachments.attach_file(actor=owner, record=contact, upload=upload("old.txt", b"old"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(reverse("core:attachment-delete", args=[attachment.pk]), headers=HTMX)

    assert response.status_code == 200
    assert "No files yet." in response.content.decode()
    assert stored_files(storage_dir) == []


def test_leads_deals_and_quotes_carry_files_changed_through_the_deal(storage_dir, owner, teammate, viewer):
    lead = lead_services.create_lead(actor=owner, data={"last_name": "Nowak", "company_name": "Acme"})
    line = {"description": "Installation", "quantity": "1", "unit_price": "1000", "vat_rate": "23"}
    deal = deal_services.create_deal(actor=owner, data={"name": "Roll-out", "lines": [line]})
    quote = quote_services.create_from_deal(actor=owner, deal=deal)

    for record, page in (
        (lead, reverse("sales:lead-detail", args=[lead.pk])),
        (deal, reverse("sales:deal-detail", args=[deal.pk])),
        (quote, reverse("sales:quote-detail", args=[quote.pk])),
    ):
        attachments.attach_file(actor=teammate, record=record, upload=upload(f"{record.pk}.txt", b"x"))
        html = client_for(owner).get(page).content.decode()
        assert f">{record.pk}.txt</a>" in html
        assert "data-dropzone" in html
        assert "data-dropzone" not in client_for(viewer).get(page).content.decode()

    assert attachments.can_attach(teammate, quote)
    assert not attachments.can_attach(viewer, quote)


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_uploads_lists_downloads_and_deletes(storage_dir, api, owner, make_contact):
    contact = make_contact(owner)
    client = api(owner)

    created = client.client.post(
        "/api/v1/attachments",
        {"entity": "people.contact", "record_id": str(contact.pk), "file": SimpleUploadedFile("notes.txt", b"hello")},
        headers=client.headers,
    )
    body = created.json()
    listed = client.get("/attachments", {"entity": "people.contact", "record_id": str(contact.pk)})
    downloaded = client.get(body["download_url"])
    deleted = client.delete(f"/attachments/{body['id']}", headers={"If-Match": '"1"'})

    assert created.status_code == 201
    assert {k: body[k] for k in ("entity", "record_id", "file_name", "size", "mime_type", "sha256", "version")} == {
        "entity": "people.contact",
        "record_id": str(contact.pk),
        "file_name": "notes.txt",
        "size": 5,
        "mime_type": "text/plain",
        "sha256": hashlib.sha256(b"hello").hexdigest(),
        "version": 1,
    }
    assert body["uploaded_by"]["username"] == "owner"
    assert body["download_url"] == f"/api/v1/attachments/{body['id']}/download"
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]
    assert downloaded.status_code == 200
    assert b"".join(downloaded.streaming_content) == b"hello"
    assert downloaded["Content-Disposition"] == "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"
    assert downloaded["X-Content-Type-Options"] == "nosniff"
    assert deleted.status_code == 204
    assert Attachment.objects.count() == 0


def test_the_api_refuses_what_the_screens_refuse(storage_dir, settings, api, owner, outsider, viewer, make_contact):
    settings.ACCORD_MAX_UPLOAD_MB = 1
    contact = make_contact(owner)
    attachment = attachments.attach_file(actor=owner, record=contact, upload=upload("a.txt", b"a"))

    def post(user, entity="people.contact", content=b"data"):
        client = api(user)
        data = {"entity": entity, "record_id": str(contact.pk), "file": SimpleUploadedFile("f.bin", content)}
        return client.client.post("/api/v1/attachments", data, headers=client.headers)

    too_big = post(owner, content=b"0" * (1024 * 1024 + 1))
    assert too_big.status_code == 422
    assert too_big.json()["errors"] == {"file": ["The file is larger than 1 MB, the most Accord accepts."]}
    assert post(owner, entity="core.event").status_code == 404
    assert post(outsider).status_code == 404
    assert post(viewer).status_code == 403
    assert api(outsider).get(f"/attachments/{attachment.pk}/download").status_code == 404
    assert api(outsider).get(f"/attachments/{attachment.pk}").status_code == 404
    assert api(viewer).delete(f"/attachments/{attachment.pk}").status_code == 403
    assert api(owner).get(f"/attachments/{uuid.uuid4()}").status_code == 404
    stale = api(owner).delete(f"/attachments/{attachment.pk}", headers={"If-Match": '"7"'})
    assert stale.status_code == 409
    assert list(Attachment.objects.all()) == [attachment]


def test_an_upload_retried_with_its_idempotency_key_is_stored_once(storage_dir, api, owner, make_contact):
    contact = make_contact(owner)
    client = api(owner)

    def post():
        data = {"entity": "people.contact", "record_id": str(contact.pk), "file": SimpleUploadedFile("a.txt", b"a")}
        return client.client.post(
            "/api/v1/attachments", data, headers={**client.headers, "Idempotency-Key": "upload-1"}
        )

    first, again = post(), post()

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Attachment.objects.count() == 1
    assert len(stored_files(storage_dir)) == 1
