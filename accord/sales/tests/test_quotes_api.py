"""The quotes API: scoped through the deal, versions (409), Idempotency-Key, per-field 422s, the PDF."""

from __future__ import annotations

import datetime
import io

from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from accord.core.models import IdempotencyRecord
from accord.messaging.models import Message
from accord.messaging.services.delivery import deliver_due
from accord.sales.models import Deal, Quote
from accord.sales.tests.test_quotes import make_deal


def test_a_quote_is_made_sent_and_accepted_through_the_api(api, owner, make_contact):
    contact = make_contact(owner, first_name="Ewa", last_name="Nowak", emails=[{"email": "ewa@example.com"}])
    deal = make_deal(owner, contacts=[contact])
    client = api(owner)

    created = client.post(f"/deals/{deal.pk}/quotes", {"terms": "Net 14"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["revision"], body["status"], body["terms"], body["expired"]) == (1, "draft", "Net 14", False)
    assert (body["net_total"], body["vat_total"], body["gross_total"]) == ("1955.22", "365.66", "2320.88")
    assert [(r["rate"], r["net"], r["vat"]) for r in body["vat_by_rate"]] == [
        ("23.00", "1554.97", "357.64"),
        ("8.00", "100.25", "8.02"),
        ("0.00", "300.00", "0.00"),
    ]
    quote_id = body["id"]

    sent = client.post(f"/quotes/{quote_id}/send", {"version": 1})
    assert sent.status_code == 200, sent.content
    assert (sent.json()["status"], sent.json()["sent_to"]) == ("sent", "ewa@example.com")
    deliver_due()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments[0].mimetype == "application/pdf"

    accepted = client.post(f"/quotes/{quote_id}/accept", {"note": "Signed", "win_deal": True})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "accepted"
    deal.refresh_from_db()
    assert (deal.status, str(deal.amount)) == ("won", "1955.22")

    listed = client.get("/quotes", {"deal": str(deal.pk), "status": "accepted"})
    assert [q["id"] for q in listed.json()["items"]] == [quote_id]


def test_a_stale_version_is_a_conflict_and_changes_nothing(api, owner):
    client = api(owner)
    quote_id = client.post(f"/deals/{make_deal(owner).pk}/quotes", {}).json()["id"]
    client.post(f"/quotes/{quote_id}/send", {"to": "a@example.com"})

    stale = client.post(f"/quotes/{quote_id}/accept", {"version": 1})
    via_header = client.post(f"/quotes/{quote_id}/decline", {}, headers={"If-Match": '"1"'})

    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    assert via_header.status_code == 409
    assert Quote.objects.get(pk=quote_id).status == "sent"


def test_idempotency_key_makes_one_quote(api, owner):
    client = api(owner)
    deal = make_deal(owner)
    headers = {"Idempotency-Key": "quote-1"}

    first = client.post(f"/deals/{deal.pk}/quotes", {"terms": "A"}, headers=headers)
    again = client.post(f"/deals/{deal.pk}/quotes", {"terms": "A"}, headers=headers)
    other = client.post(f"/deals/{deal.pk}/quotes", {"terms": "B"}, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert Quote.objects.filter(deal=deal).count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_errors_are_per_field_and_store_nothing(api, owner):
    client = api(owner)
    deal = make_deal(owner)
    empty = Deal.objects.create(
        name="Empty",
        pipeline=deal.pipeline,
        stage=deal.stage,
        owner=owner,
        team_id=owner.primary_team_id,
        currency="PLN",
    )

    past = client.post(f"/deals/{deal.pk}/quotes", {"valid_until": "2001-01-01"})
    no_lines = client.post(f"/deals/{empty.pk}/quotes", {})
    unknown = client.post(f"/deals/{deal.pk}/quotes", {"discount": 5})
    quote_id = client.post(f"/deals/{deal.pk}/quotes", {}).json()["id"]
    bad_to = client.post(f"/quotes/{quote_id}/send", {"to": "nobody"})
    no_to = client.post(f"/quotes/{quote_id}/send", {})
    draft_accept = client.post(f"/quotes/{quote_id}/accept", {})

    assert (past.status_code, set(past.json()["errors"])) == (422, {"valid_until"})
    assert (no_lines.status_code, set(no_lines.json()["errors"])) == (422, {"lines"})
    assert (unknown.status_code, set(unknown.json()["errors"])) == (422, {"discount"})
    assert (bad_to.status_code, set(bad_to.json()["errors"])) == (422, {"to"})
    assert (no_to.status_code, set(no_to.json()["errors"])) == (422, {"to"})  # the deal has no contact
    assert (draft_accept.status_code, set(draft_accept.json()["errors"])) == (422, {"status"})
    assert Quote.objects.count() == 1
    assert Quote.objects.get().status == "draft"
    assert mail.outbox == []


def test_another_teams_quotes_are_404_and_writes_change_nothing(api, owner, outsider):
    deal = make_deal(owner)
    quote_id = api(owner).post(f"/deals/{deal.pk}/quotes", {}).json()["id"]
    api(owner).post(f"/quotes/{quote_id}/send", {"to": "a@example.com"})
    client = api(outsider)

    answers = [
        client.get(f"/quotes/{quote_id}").status_code,
        client.get(f"/quotes/{quote_id}/pdf").status_code,
        client.post(f"/quotes/{quote_id}/accept", {}).status_code,
        client.post(f"/quotes/{quote_id}/decline", {}).status_code,
        client.post(f"/quotes/{quote_id}/send", {"to": "x@example.com"}).status_code,
        client.post(f"/quotes/{quote_id}/revise", {}).status_code,
        client.post(f"/deals/{deal.pk}/quotes", {}).status_code,
    ]

    assert answers == [404] * 7
    assert client.get("/quotes").json()["items"] == []
    assert Quote.objects.get(pk=quote_id).status == "sent"
    assert Quote.objects.count() == 1
    deliver_due()
    assert len(mail.outbox) == 1


def test_a_read_only_user_reads_but_cannot_write(api, owner, viewer):
    quote_id = api(owner).post(f"/deals/{make_deal(owner).pk}/quotes", {}).json()["id"]

    assert api(viewer).get(f"/quotes/{quote_id}").status_code == 200
    assert api(viewer).post(f"/quotes/{quote_id}/send", {"to": "a@example.com"}).status_code == 403
    assert Quote.objects.get(pk=quote_id).status == "draft"


def test_revising_supersedes_and_expired_quotes_cannot_be_accepted(api, owner):
    client = api(owner)
    quote_id = client.post(f"/deals/{make_deal(owner).pk}/quotes", {}).json()["id"]
    client.post(f"/quotes/{quote_id}/send", {"to": "a@example.com"})

    revised = client.post(f"/quotes/{quote_id}/revise", {"terms": "Better"})
    new_id = revised.json()["id"]
    client.post(f"/quotes/{new_id}/send", {"to": "a@example.com"})
    Quote.objects.filter(pk=new_id).update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    shown = client.get(f"/quotes/{new_id}").json()
    refused = client.post(f"/quotes/{new_id}/accept", {})

    assert revised.status_code == 201
    assert (revised.json()["revision"], revised.json()["terms"]) == (2, "Better")
    assert client.get(f"/quotes/{quote_id}").json()["status"] == "superseded"
    assert (shown["status"], shown["expired"]) == ("sent", True)
    assert (refused.status_code, set(refused.json()["errors"])) == (422, {"valid_until"})
    assert [q["id"] for q in client.get("/quotes", {"expired": "true"}).json()["items"]] == [new_id]


def test_the_pdf_downloads_as_an_attachment(api, owner):
    client = api(owner)
    quote = client.post(f"/deals/{make_deal(owner).pk}/quotes", {}).json()

    response = client.get(f"/quotes/{quote['id']}/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{quote["number"]}.pdf"'
    assert quote["number"] in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_unknown_list_parameters_are_a_400(api, owner):
    assert api(owner).get("/quotes", {"colour": "red"}).status_code == 400


def test_a_draft_is_patched_with_its_version_and_a_sent_quote_is_not(api, owner):
    client = api(owner)
    quote_id = client.post(f"/deals/{make_deal(owner).pk}/quotes", {}).json()["id"]

    patched = client.patch(f"/quotes/{quote_id}", {"terms": "Net 30", "version": 1})
    stale = client.patch(f"/quotes/{quote_id}", {"terms": "Stale", "version": 1})
    client.post(f"/quotes/{quote_id}/send", {"to": "a@example.com"})
    frozen = client.patch(f"/quotes/{quote_id}", {"terms": "Changed after sending"})

    assert (patched.status_code, patched.json()["terms"], patched["ETag"]) == (200, "Net 30", '"2"')
    assert stale.status_code == 409
    assert (frozen.status_code, set(frozen.json()["errors"])) == (422, {"status"})
    assert Quote.objects.get(pk=quote_id).terms == "Net 30"


def test_a_mail_server_that_is_down_does_not_hold_up_sending_the_quote(api, owner):
    from django.test import override_settings

    from accord.sales.tests.test_quotes_pdf_mail import free_port

    client = api(owner)
    quote_id = client.post(f"/deals/{make_deal(owner).pk}/quotes", {}).json()["id"]
    down = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port()},
        }
    }

    with override_settings(MAILERS=down):
        response = client.post(f"/quotes/{quote_id}/send", {"to": "a@example.com"})
        deliver_due()

    assert response.status_code == 200
    assert Quote.objects.get(pk=quote_id).status == "sent"
    message = Message.objects.get(kind="quote")
    assert (message.state, message.attempts) == ("queued", 1)
    assert "ConnectionRefusedError" in message.error
