"""Printed letters: the day's batch gathers the queued letters once, prints them as one PDF with each
address in the envelope's window, and posting it sends each letter once onto its customer's
timeline. Workers never take a letter."""

from __future__ import annotations

import datetime
import io
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from pypdf import PdfReader

from accord.activities.models import Interaction
from accord.core.access import AccessDenied
from accord.messaging.letters import ADDRESS_HEIGHT, ADDRESS_LEFT, ADDRESS_TOP, ADDRESS_WIDTH
from accord.messaging.models import Message, PrintBatch
from accord.messaging.services import letters as printing
from accord.messaging.services import queue_message
from accord.messaging.services.delivery import claim
from accord.messaging.tests.test_letters import _positions

DAY = datetime.date(2026, 12, 7)
SELLER = {"name": "Accord Sp. z o.o.", "address": "ul. Prosta 1\n00-001 Warszawa"}


@pytest.fixture(autouse=True)
def _seller(settings: Any) -> None:
    settings.ACCORD_SELLER = SELLER


def letter(actor: Any, key: str, *, to: str, contact: Any = None, company: Any = None, **extra: Any) -> Message:
    values: dict[str, Any] = {
        "actor": actor,
        "channel": "letter",
        "to": to,
        "subject": "Payment reminder",
        "body": "Dear Sir,\n\nplease pay invoice FV/2026/0012.\n\nRegards",
        "idempotency_key": key,
        "contact": contact,
        "company": company,
    }
    values.update(extra)
    return queue_message(**values)


@pytest.fixture
def north_letter(owner: Any, customer: tuple[Any, Any]) -> Message:
    company, contact = customer
    return letter(
        owner,
        "reminder:north",
        to="Zofia Gęślak\nul. Długa 5/7\n31-147 Kraków",
        contact=contact,
        company=company,
        language="pl",
    )


@pytest.fixture
def south_letter(outsider: Any, make_company: Any) -> Message:
    company = make_company(outsider, name="Южный клиент")
    return letter(
        outsider, "reminder:south", to="Южный клиент\nул. Ленина 1\n101000 Москва", company=company, language="ru"
    )


def test_collecting_puts_every_waiting_letter_in_the_days_batch_once(admin_user, north_letter, south_letter):
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    again = printing.collect_batch(actor=admin_user, day=DAY)

    assert batch is not None
    assert again is not None
    assert again.pk == batch.pk
    assert PrintBatch.objects.count() == 1
    stored = PrintBatch.objects.get()
    assert (stored.day, stored.number, stored.state, stored.letter_count) == (DAY, 1, "open", 2)
    assert set(Message.objects.values_list("state", "print_batch_id")) == {("sending", batch.pk)}


def test_collecting_with_nothing_waiting_makes_no_batch(admin_user):
    assert printing.collect_batch(actor=admin_user, day=DAY) is None
    assert not PrintBatch.objects.exists()


def test_workers_never_claim_a_letter(admin_user, north_letter):
    assert claim(worker="w1", limit=10) == []
    printing.collect_batch(actor=admin_user, day=DAY)
    Message.objects.update(claimed_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))

    assert claim(worker="w1", limit=10) == []  # "sending" long ago: still no worker's business
    assert Message.objects.get().state == "sending"


def test_a_letter_queued_after_printing_goes_into_the_days_next_batch(admin_user, owner, customer, north_letter):
    first = printing.collect_batch(actor=admin_user, day=DAY)
    printing.download_batch(actor=admin_user, batch=first)
    later = letter(owner, "reminder:later", to="Zofia Gęślak\nul. Długa 5/7\n31-147 Kraków", contact=customer[1])

    second = printing.collect_batch(actor=admin_user, day=DAY)

    assert second is not None
    assert second.pk != first.pk
    assert (second.number, second.letter_count) == (2, 1)
    assert Message.objects.get(pk=later.pk).print_batch_id == second.pk
    first.refresh_from_db()
    assert (first.state, first.letter_count) == ("printed", 1)


def test_a_batch_a_concurrent_call_committed_first_is_taken_not_duplicated(admin_user, north_letter, monkeypatch):
    # Another call committed the day's open batch after this one looked for it.
    theirs = PrintBatch.objects.create(day=DAY, number=1)
    real = PrintBatch.objects.select_for_update

    class Missed:
        def __init__(self) -> None:
            self.calls = 0

        def __call__(self) -> Any:
            self.calls += 1
            found = real()
            return found.none() if self.calls == 1 else found

    monkeypatch.setattr(PrintBatch.objects, "select_for_update", Missed())

    batch = printing.collect_batch(actor=admin_user, day=DAY)

    assert batch is not None
    assert batch.pk == theirs.pk
    assert PrintBatch.objects.count() == 1
    assert Message.objects.get(pk=north_letter.pk).print_batch_id == theirs.pk


@pytest.mark.django_db(transaction=True)
def test_two_collects_at_once_make_one_batch(admin_user, owner, make_contact, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: the two calls cannot overlap")
    contact = make_contact(owner)
    for n in range(6):
        letter(owner, f"r:{n}", to=f"Customer {n}\nStreet {n}\n00-00{n} Town", contact=contact)
    # Both calls have looked for the day's open batch and found none before either inserts one:
    # the second insert waits for the first to commit, meets the constraint, and takes that batch.
    both_looked = threading.Barrier(2, timeout=10)
    real_save = PrintBatch.save

    def save_together(self: PrintBatch, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("force_insert"):
            both_looked.wait()
        real_save(self, *args, **kwargs)

    monkeypatch.setattr(PrintBatch, "save", save_together)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(printing.collect_batch(actor=admin_user, day=DAY))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len({batch.pk for batch in results}) == 1
    batch = PrintBatch.objects.get()
    assert batch.letter_count == 6
    assert Message.objects.filter(print_batch=batch, state="sending").count() == 6


def test_the_pdf_holds_every_letter_with_its_address_in_the_window(admin_user, north_letter, south_letter):
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    assert batch is not None

    reader = PdfReader(io.BytesIO(printing.batch_pdf(batch)))

    assert len(reader.pages) == 2
    addresses = [
        ("Zofia Gęślak", "ul. Długa 5/7", "31-147 Kraków"),
        ("Южный клиент", "ул. Ленина 1", "101000 Москва"),
    ]
    for page, lines in zip(reader.pages, addresses, strict=True):
        positions = _positions(page)
        for line in lines:
            found = [(x, y) for text, x, y in positions if text == line]
            assert found, f"{line!r} not printed"
            x, y = found[0]
            assert ADDRESS_LEFT <= x <= ADDRESS_LEFT + ADDRESS_WIDTH, (line, x)
            assert ADDRESS_TOP + 5 <= y <= ADDRESS_TOP + ADDRESS_HEIGHT, (line, y)
        texts = [text for text, _x, _y in positions]
        assert any(text.startswith("Accord Sp. z o.o., ul. Prosta 1, 00-001 Warszawa") for text in texts)
    # Place and date in each letter's own language.
    first, second = (" ".join(t for t, _x, _y in _positions(p)) for p in reader.pages)
    assert "Warszawa, 7 grudnia 2026" in first
    assert "Warszawa, 7 декабря 2026" in second


def test_a_letter_the_window_cannot_take_is_named_and_nothing_is_marked_printed(admin_user, owner, customer):
    letter(owner, "bad", to="\n".join(f"Line {n}" for n in range(8)), contact=customer[1])
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    assert batch is not None

    with pytest.raises(ValidationError) as raised:
        printing.download_batch(actor=admin_user, batch=batch)

    assert "Line 0" in str(raised.value.message_dict["letters"])
    assert PrintBatch.objects.get().state == "open"


def test_downloading_marks_the_batch_printed_once(admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    assert batch is not None

    printing.download_batch(actor=admin_user, batch=batch)
    printed_at = PrintBatch.objects.get().printed_at
    printing.download_batch(actor=admin_user, batch=batch)

    stored = PrintBatch.objects.get()
    assert stored.state == "printed"
    assert stored.printed_at == printed_at


def test_posting_sends_every_letter_and_logs_it_once_on_the_timeline(admin_user, owner, north_letter, customer):
    company, contact = customer
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    assert batch is not None
    printing.download_batch(actor=admin_user, batch=batch)

    printing.post_batch(actor=admin_user, batch=batch)

    message = Message.objects.get(pk=north_letter.pk)
    assert message.state == "sent"
    assert message.sent_at is not None
    stored = PrintBatch.objects.get()
    assert (stored.state, stored.posted_by_id) == ("posted", admin_user.pk)
    logged = Interaction.objects.get(external_id=f"messaging.message:{message.pk}")
    assert (logged.channel, logged.direction, logged.subject) == ("letter", "out", "Payment reminder")
    assert (logged.contact_id, logged.company_id, logged.author_id) == (contact.pk, company.pk, owner.pk)
    assert message.interaction_id == logged.pk


def test_posting_a_posted_batch_is_refused_and_changes_nothing(admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    assert batch is not None
    printing.download_batch(actor=admin_user, batch=batch)
    printing.post_batch(actor=admin_user, batch=batch)
    before = list(Message.objects.values_list("pk", "version", "sent_at"))
    batch_before = PrintBatch.objects.values_list("version", "posted_at").get()

    with pytest.raises(ValidationError) as raised:
        printing.post_batch(actor=admin_user, batch=batch)

    assert "already marked as posted" in raised.value.message_dict["state"][0]
    assert list(Message.objects.values_list("pk", "version", "sent_at")) == before
    assert PrintBatch.objects.values_list("version", "posted_at").get() == batch_before
    assert Interaction.objects.count() == 1


def test_a_batch_not_printed_cannot_be_posted(admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    assert batch is not None

    with pytest.raises(ValidationError) as raised:
        printing.post_batch(actor=admin_user, batch=batch)

    assert "Download and print" in raised.value.message_dict["state"][0]
    assert Message.objects.get().state == "sending"


def test_a_letter_taken_out_fails_with_the_reason_and_is_not_posted(admin_user, north_letter, south_letter):
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    assert batch is not None
    printing.download_batch(actor=admin_user, batch=batch)

    printing.remove_letter(actor=admin_user, message=north_letter, reason="The street number is wrong")
    printing.post_batch(actor=admin_user, batch=batch)

    removed = Message.objects.get(pk=north_letter.pk)
    assert (removed.state, removed.error, removed.print_batch_id) == ("failed", "The street number is wrong", None)
    assert Message.objects.get(pk=south_letter.pk).state == "sent"
    assert PrintBatch.objects.get().letter_count == 1
    assert not Interaction.objects.filter(external_id=f"messaging.message:{removed.pk}").exists()


def test_taking_a_letter_out_needs_a_reason_and_an_unposted_batch(admin_user, north_letter):
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    assert batch is not None

    with pytest.raises(ValidationError) as no_reason:
        printing.remove_letter(actor=admin_user, message=north_letter, reason="  ")
    printing.download_batch(actor=admin_user, batch=batch)
    printing.post_batch(actor=admin_user, batch=batch)
    with pytest.raises(ValidationError) as posted:
        printing.remove_letter(actor=admin_user, message=north_letter, reason="Too late")

    assert "reason" in no_reason.value.message_dict
    assert "posted" in posted.value.message_dict["letter"][0]
    assert Message.objects.get().state == "sent"


def test_a_sales_rep_may_not_print(owner, north_letter):
    with pytest.raises(AccessDenied):
        printing.collect_batch(actor=owner, day=DAY)
    assert Message.objects.get().state == "queued"


def test_a_manager_gathers_only_letters_to_customers_of_the_teams_they_manage(manager, north_letter, south_letter):
    batch = printing.collect_batch(actor=manager, day=DAY)

    assert batch is not None
    assert batch.letter_count == 1
    assert Message.objects.get(pk=south_letter.pk).state == "queued"


def test_a_manager_may_not_download_or_post_a_batch_holding_another_teams_letters(
    manager, admin_user, north_letter, south_letter
):
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    assert batch is not None

    with pytest.raises(AccessDenied):
        printing.download_batch(actor=manager, batch=batch)
    with pytest.raises(AccessDenied):
        printing.remove_letter(actor=manager, message=south_letter, reason="Not mine")

    assert PrintBatch.objects.get().state == "open"
    assert Message.objects.get(pk=south_letter.pk).state == "sending"


def test_a_letter_about_a_record_names_it_as_its_reference(admin_user, owner, customer):
    company, contact = customer
    letter(owner, "about", to="Zofia Gęślak\nul. Długa 5/7\n31-147 Kraków", contact=contact, related=company)
    batch = printing.collect_batch(actor=admin_user, day=DAY)
    assert batch is not None

    page = PdfReader(io.BytesIO(printing.batch_pdf(batch))).pages[0]

    reference = [(x, y) for text, x, y in _positions(page) if text == "Vinuri Ionescu SRL"]
    assert reference
    x, y = reference[0]
    assert x < 30  # on the left, above the text, where the place and date are on the right
    assert ADDRESS_TOP + ADDRESS_HEIGHT < y < 98.46
