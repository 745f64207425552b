"""A body over the limit gets 413 with the limit stated, on the API and the screens, and nothing is
stored."""

from django.test import override_settings

from accord.people.models import Contact


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
def test_an_api_body_over_the_limit_is_413_in_the_apis_error_shape(api, owner):
    response = api(owner).post("/contacts", {"last_name": "x" * (2 * 1024 * 1024)})

    assert response.status_code == 413
    assert response.json() == {"message": "The request is too large: the limit is 1.0 MB.", "errors": {}}
    assert not Contact.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024)
def test_a_form_post_over_the_limit_is_413_in_the_users_language(login, owner):
    response = login(owner).post(
        "/contacts/new/", {"last_name": "x" * (2 * 1024 * 1024)}, headers={"Accept-Language": "pl"}
    )

    assert response.status_code == 413
    assert "1,0 MB" in response.content.decode()
    assert not Contact.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024 * 1024, ACCORD_MAX_UPLOAD_MB=3)
def test_an_upload_may_be_as_large_as_the_upload_setting(storage_dir, login, owner, make_contact):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from accord.core.models import Attachment

    contact = make_contact(owner)
    url = reverse("core:attachment-upload", args=["people.contact", contact.pk])
    fits = SimpleUploadedFile("offer.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024), content_type="application/pdf")
    too_big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), content_type="application/pdf")

    client = login(owner)
    assert client.post(url, {"file": fits}).status_code in (200, 302)
    refused = client.post(url, {"file": too_big})

    # Within the body limit of uploads, so the attachment rules answer: the file is over its limit.
    assert refused.status_code < 500
    assert [a.file_name for a in Attachment.objects.all()] == ["offer.pdf"]
