"""The outbox: queueing once per key, the delivery state machine, retries, bounces, the timeline."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accord.activities.models import Interaction
from accord.messaging.models import IllegalTransition, Message, check_transition
from accord.messaging.services import OutgoingAttachment, mark_delivered, queue_message, record_bounce, retry_now
from accord.messaging.services.delivery import claim, deliver, deliver_due


def queue(owner, customer, **extra):
    company, contact = customer
    values = {
        "actor": owner,
        "channel": "email",
        "to": "zofia@zolta.example",
        "subject": "Your order",
        "body": "It is on its way.",
        "idempotency_key": "order:1:shipped",
        "contact": contact,
        "company": company,
    }
    values.update(extra)
    return queue_message(**values)


def test_a_repeated_key_returns_the_message_already_queued(owner, customer):
    first = queue(owner, customer)
    second = queue(owner, customer, subject="Something else", to="other@example.com")

    assert second.pk == first.pk
    assert Message.objects.count() == 1
    assert (second.subject, second.to_address) == ("Your order", "zofia@zolta.example")


def test_a_queued_e_mail_records_language_message_id_from_and_reply_to(owner, customer, settings):
    settings.ACCORD_EMAIL_FROM = "Biuro <biuro@accord.example>"
    settings.ACCORD_EMAIL_REPLY_TO = "sprzedaz@accord.example"
    settings.ACCORD_MESSAGE_DOMAIN = "accord.example"

    message = queue(owner, customer)

    assert (message.state, message.attempts, message.language) == ("queued", 0, "pl")  # the contact's language
    assert (message.from_address, message.reply_to) == ("Biuro <biuro@accord.example>", "sprzedaz@accord.example")
    assert message.external_id.startswith("<")
    assert message.external_id.endswith("@accord.example>")


def test_without_a_contact_the_companys_language_is_recorded(owner, customer):
    company, _contact = customer

    message = queue(owner, (company, None))

    assert message.language == "ro"


@pytest.mark.parametrize(
    ("channel", "to", "field"),
    [("email", "not an address", "to"), ("sms", "12", "to"), ("in_app", "x@example.com", "channel")],
)
def test_bad_input_names_the_field_and_queues_nothing(owner, customer, channel, to, field):
    with pytest.raises(ValidationError) as caught:
        queue(owner, customer, channel=channel, to=to)

    assert set(caught.value.message_dict) == {field}
    assert Message.objects.count() == 0


def test_an_sms_number_is_stored_in_e164(owner, customer):
    message = queue(owner, customer, channel="sms", to="601 234 567", subject="")

    assert message.to_address == "+48601234567"


def test_illegal_transitions_raise():
    check_transition("queued", "sending")
    check_transition("sending", "sent")
    for current, target in [("queued", "sent"), ("sent", "queued"), ("bounced", "sent"), ("failed", "sent")]:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)


def test_delivery_sends_through_smtp_with_our_message_id_html_and_attachment(owner, customer, smtp, settings):
    settings.ACCORD_EMAIL_REPLY_TO = "sprzedaz@accord.example"
    message = queue(
        owner,
        customer,
        body_html="<p>It is <b>on its way</b>.</p>",
        attachments=[OutgoingAttachment("order.pdf", b"%PDF-1.4 test", "application/pdf")],
    )

    assert deliver_due() == 1

    stored = Message.objects.get(pk=message.pk)
    assert (stored.state, stored.attempts, stored.error) == ("sent", 1, "")
    received = smtp.messages[0]
    assert received["Message-ID"] == stored.external_id
    assert received["Reply-To"] == "sprzedaz@accord.example"
    assert received["Content-Language"] == "pl"
    assert received.get_body(preferencelist=("plain",)).get_content().strip() == "It is on its way."
    assert "<b>on its way</b>" in received.get_body(preferencelist=("html",)).get_content()
    assert [(a.get_filename(), a.get_content()) for a in received.iter_attachments()] == [
        ("order.pdf", b"%PDF-1.4 test")
    ]


def test_a_sent_message_lands_on_the_customers_timeline_once(owner, customer, smtp):
    company, contact = customer
    message = queue(owner, customer, timeline_subject="Shipping notice sent")

    deliver_due()
    deliver_due()
    from accord.messaging.services.timeline import log_sent

    log_sent(Message.objects.get(pk=message.pk))  # asked again: finds the entry it made

    logged = Interaction.objects.get()
    assert (logged.channel, logged.direction, logged.subject, logged.body) == (
        "email",
        "out",
        "Shipping notice sent",
        "It is on its way.",
    )
    assert (logged.contact, logged.company, logged.author) == (contact, company, owner)
    assert Message.objects.get(pk=message.pk).interaction_id == logged.pk


def test_a_failed_attempt_waits_longer_each_time_then_fails_with_the_error_kept(owner, customer, settings):
    from accord.messaging.tests.conftest import free_port, smtp_settings

    settings.ACCORD_MESSAGE_MAX_ATTEMPTS = 3
    settings.ACCORD_MESSAGE_RETRY_FIRST = 60
    message = queue(owner, customer)
    waits = []
    with smtp_settings(free_port()):  # nothing listens there
        for _attempt in range(3):
            before = timezone.now()
            deliver_due()
            stored = Message.objects.get(pk=message.pk)
            if stored.state == "queued":
                waits.append(round((stored.next_attempt_at - before).total_seconds() / 60))
            Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    stored = Message.objects.get(pk=message.pk)
    assert waits == [1, 2]  # minutes: 60 s, then doubled
    assert (stored.state, stored.attempts) == ("failed", 3)
    assert "ConnectionRefusedError" in stored.error
    assert not Interaction.objects.exists()


def test_a_message_not_yet_due_is_not_taken(owner, customer, smtp):
    message = queue(owner, customer)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() + datetime.timedelta(minutes=5))

    assert deliver_due() == 0
    assert smtp.messages == []


def test_retry_now_queues_a_failed_message_again_and_it_goes_out(owner, admin_user, customer, smtp):
    message = queue(owner, customer)
    Message.objects.filter(pk=message.pk).update(state="failed", attempts=6, error="gave up")

    retry_now(actor=admin_user, message=message)
    deliver_due()

    stored = Message.objects.get(pk=message.pk)
    assert (stored.state, stored.attempts, stored.error) == ("sent", 1, "")
    assert len(smtp.messages) == 1


def test_retry_now_refuses_a_message_that_did_not_fail(owner, admin_user, customer):
    message = queue(owner, customer)

    with pytest.raises(IllegalTransition):
        retry_now(actor=admin_user, message=message)


def test_a_bounce_is_recorded_by_message_id_with_its_reason(owner, customer, smtp):
    message = queue(owner, customer)
    deliver_due()

    bounced = record_bounce(message_id=message.external_id.strip("<>"), reason="550 5.1.1 mailbox unknown")

    assert bounced is not None
    stored = Message.objects.get(pk=message.pk)
    assert (stored.state, stored.error) == ("bounced", "550 5.1.1 mailbox unknown")
    assert record_bounce(message_id="<nobody@nowhere>", reason="x") is None


def test_delivered_then_bounced_is_allowed_but_a_queued_message_cannot_bounce(owner, customer, smtp):
    message = queue(owner, customer)
    with pytest.raises(IllegalTransition):
        record_bounce(message_id=message.external_id, reason="too early")
    deliver_due()

    mark_delivered(message_id=message.external_id)
    record_bounce(message_id=message.external_id, reason="late bounce")

    assert Message.objects.get(pk=message.pk).state == "bounced"


def test_an_expired_lease_lets_another_worker_take_the_message_and_the_first_cannot_record_it(
    owner, customer, smtp, settings
):
    settings.ACCORD_MESSAGE_LEASE_SECONDS = 60
    message = queue(owner, customer)
    assert claim(worker="first") == [message.pk]
    assert claim(worker="second") == []  # held

    later = timezone.now() + datetime.timedelta(seconds=61)
    assert claim(worker="second", now=later) == [message.pk]
    assert deliver(message.pk, worker="first") == ""  # its claim was taken over: it sends nothing
    assert deliver(message.pk, worker="second") == "sent"

    stored = Message.objects.get(pk=message.pk)
    assert (stored.state, stored.attempts) == ("sent", 2)
    assert len(smtp.messages) == 1
    assert claim(worker="third", now=later + datetime.timedelta(hours=1)) == []  # sent is never taken again


def test_letters_wait_in_the_queue(owner, customer):
    queue(owner, customer, channel="letter", to="ul. Długa 5\n31-147 Kraków")

    assert deliver_due() == 0
    assert Message.objects.get().state == "queued"


def test_the_worker_is_nudged_when_the_queueing_transaction_commits(
    owner, customer, smtp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(owner, customer)

    assert Message.objects.get(pk=message.pk).state == "sent"  # the immediate task backend ran it
    assert len(smtp.messages) == 1


def test_the_sweep_task_and_the_worker_find_the_messaging_tasks():
    from django.utils.module_loading import autodiscover_modules

    from accord.core.scheduler import jobs

    autodiscover_modules("tasks")

    assert "accord.messaging.tasks.send_due_messages" in [job.name for job in jobs()]
