"""The print batch screens: administrators and managers prepare today's batch, download its PDF,
mark it posted and take a letter out; a sales rep sees none of it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from accord.activities.models import Interaction
from accord.messaging.models import Message, PrintBatch
from accord.messaging.services import letters as printing
from accord.messaging.services import queue_message


def letter(actor: Any, key: str, *, to: str, **extra: Any) -> Message:
    values: dict[str, Any] = {
        "actor": actor,
        "channel": "letter",
        "to": to,
        "subject": "Payment reminder",
        "body": "Please pay.",
        "idempotency_key": key,
    }
    values.update(extra)
    return queue_message(**values)


@pytest.fixture
def north_letter(owner: Any, customer: tuple[Any, Any]) -> Message:
    company, contact = customer
    return letter(owner, "n", to="Zofia Gęślak\nul. Długa 5/7\n31-147 Kraków", contact=contact, company=company)


@pytest.fixture
def south_letter(outsider: Any, make_company: Any) -> Message:
    return letter(
        outsider, "s", to="South Ltd\nHigh St 1\n00-002 Gdańsk", company=make_company(outsider, name="South Ltd")
    )


def test_the_list_says_how_many_letters_wait_and_prepare_gathers_them(login, admin_user, north_letter, south_letter):
    client = login(admin_user)

    page = client.get(reverse("messaging:print-batches")).content.decode()
    prepared = client.post(reverse("messaging:print-prepare"), follow=True)

    assert 'data-count="waiting">2<' in page
    assert "Prepare today&#x27;s batch" in page or "Prepare today's batch" in page
    batch = PrintBatch.objects.get()
    assert prepared.redirect_chain[-1][0] == reverse("messaging:print-batch", args=[batch.pk])
    body = prepared.content.decode()
    assert "Today&#x27;s batch holds 2 letters." in body
    assert "Zofia Gęślak" in body
    assert "South Ltd" in body
    assert reverse("people:contact-detail", args=[north_letter.contact_id]) in body
    listed = client.get(reverse("messaging:print-batches")).content.decode()
    assert 'data-count="waiting">0<' in listed
    assert f'data-letters="{batch.pk}">2<' in listed


def test_downloading_gives_the_pdf_and_marks_the_batch_printed(login, admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user)
    assert batch is not None

    response = login(admin_user).post(reverse("messaging:print-batch-pdf", args=[batch.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="letters-')
    assert response.content.startswith(b"%PDF")
    assert PrintBatch.objects.get().state == "printed"


def test_the_pdf_is_not_handed_out_on_a_get(login, admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user)
    assert batch is not None

    assert login(admin_user).get(reverse("messaging:print-batch-pdf", args=[batch.pk])).status_code == 405
    assert PrintBatch.objects.get().state == "open"


def test_marking_posted_sends_the_letters_and_a_second_time_says_so(login, admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user)
    assert batch is not None
    printing.download_batch(actor=admin_user, batch=batch)
    client = login(admin_user)

    first = client.post(reverse("messaging:print-batch-post", args=[batch.pk]), follow=True).content.decode()
    second = client.post(reverse("messaging:print-batch-post", args=[batch.pk]), follow=True).content.decode()

    assert "marked as posted: 1 letter is sent" in first
    assert "already marked as posted" in second
    assert Message.objects.get().state == "sent"
    assert Interaction.objects.filter(channel="letter").count() == 1


def test_removing_a_letter_asks_why_and_cancels_it(login, admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user)
    assert batch is not None
    client = login(admin_user)
    url = reverse("messaging:print-letter-remove", args=[north_letter.pk])

    refused = client.post(url, {"reason": ""}, follow=True).content.decode()
    assert Message.objects.get().state == "sending"
    removed = client.post(url, {"reason": "Moved away"}, follow=True).content.decode()

    assert "Say why the letter is taken out" in refused
    assert "taken out of the batch" in removed
    stored = Message.objects.get()
    assert (stored.state, stored.error, stored.print_batch_id) == ("failed", "Moved away", None)
    assert PrintBatch.objects.get().letter_count == 0


def test_a_sales_rep_sees_no_print_screen_and_cannot_download(login, owner, admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user)
    assert batch is not None
    client = login(owner)

    assert client.get(reverse("messaging:print-batches")).status_code == 403
    assert client.get(reverse("messaging:print-batch", args=[batch.pk])).status_code == 403
    assert client.post(reverse("messaging:print-batch-pdf", args=[batch.pk])).status_code == 403
    assert client.post(reverse("messaging:print-prepare")).status_code == 403
    assert reverse("messaging:print-batches") not in client.get(reverse("activities:my-day")).content.decode()
    assert PrintBatch.objects.get().state == "open"


def test_a_manager_sees_their_teams_letters_but_not_another_teams(
    login, manager, admin_user, north_letter, south_letter
):
    batch = printing.collect_batch(actor=admin_user)
    assert batch is not None
    client = login(manager)

    page = client.get(reverse("messaging:print-batch", args=[batch.pk])).content.decode()
    download = client.post(reverse("messaging:print-batch-pdf", args=[batch.pk]))

    assert "Zofia Gęślak" in page
    assert "South Ltd" not in page
    assert "1 more letter in this batch is to a customer you may not see" in page
    assert download.status_code == 403
    assert PrintBatch.objects.get().state == "open"
    assert reverse("messaging:print-batches") in client.get(reverse("activities:my-day")).content.decode()


def test_a_manager_prints_a_batch_of_their_own_teams_letters(login, manager, north_letter, south_letter):
    client = login(manager)

    client.post(reverse("messaging:print-prepare"))
    batch = PrintBatch.objects.get()
    download = client.post(reverse("messaging:print-batch-pdf", args=[batch.pk]))

    assert download.status_code == 200
    assert batch.letters.count() == 1
    assert Message.objects.get(pk=south_letter.pk).state == "queued"


def test_an_unknown_batch_is_not_found(login, admin_user):
    client = login(admin_user)

    assert (
        client.get(reverse("messaging:print-batch", args=["0193a4f2-0000-7000-8000-000000000000"])).status_code == 404
    )


def test_the_batch_page_reads_the_same_number_of_queries_for_one_letter_or_many(
    login, admin_user, owner, customer, django_assert_max_num_queries
):
    company, contact = customer
    letter(owner, "first", to="Zofia Gęślak\nul. Długa 5/7\n31-147 Kraków", contact=contact, company=company)
    batch = printing.collect_batch(actor=admin_user)
    assert batch is not None
    client = login(admin_user)
    url = reverse("messaging:print-batch", args=[batch.pk])
    client.get(url)

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(5):
        letter(owner, f"more:{n}", to=f"Customer {n}\nStreet {n}\n00-00{n} Town", contact=contact, company=company)
    printing.collect_batch(actor=admin_user)

    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def test_a_double_sided_download_leaves_the_back_of_each_one_page_letter_blank(login, admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user)
    assert batch is not None
    client = login(admin_user)

    page = client.get(reverse("messaging:print-batch", args=[batch.pk])).content.decode()
    single = client.post(reverse("messaging:print-batch-pdf", args=[batch.pk]))
    double = client.post(reverse("messaging:print-batch-pdf", args=[batch.pk]), {"duplex": "1"})

    assert 'name="duplex"' in page
    assert len(PdfReader(io.BytesIO(single.content)).pages) == 1
    assert len(PdfReader(io.BytesIO(double.content)).pages) == 2


def test_the_outbox_shows_a_letters_print_batch(login, admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user)
    assert batch is not None

    page = login(admin_user).get(reverse("messaging:outbox-message", args=[north_letter.pk])).content.decode()

    assert reverse("messaging:print-batch", args=[batch.pk]) in page
