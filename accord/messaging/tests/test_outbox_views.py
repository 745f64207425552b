"""The outbox screen: administrators see every message with its state, attempts and error, and
try a failed one again; nobody else sees it."""

from __future__ import annotations

from django.urls import reverse

from accord.messaging.models import Message
from accord.messaging.services import queue_message


def queued(owner, key="m:1", **extra):
    values = {
        "actor": owner,
        "channel": "email",
        "to": "ewa@example.com",
        "subject": "Your quote",
        "body": "Attached.",
        "idempotency_key": key,
    }
    values.update(extra)
    return queue_message(**values)


def test_the_list_filters_by_state(login, owner, admin_user):
    first = queued(owner, "m:1", subject="Waiting one")
    second = queued(owner, "m:2", subject="Failed one")
    Message.objects.filter(pk=second.pk).update(state="failed", error="550 no such user", attempts=6)
    client = login(admin_user)

    everything = client.get(reverse("messaging:outbox")).content.decode()
    failed = client.get(reverse("messaging:outbox"), {"state": "failed"}).content.decode()

    assert "Waiting one" in everything
    assert "Failed one" in everything
    assert "Failed one" in failed
    assert "Waiting one" not in failed
    assert reverse("messaging:outbox-message", args=[first.pk]) in everything


def test_the_detail_shows_attempts_and_error_and_retry_queues_it_again(login, owner, admin_user):
    message = queued(owner)
    Message.objects.filter(pk=message.pk).update(state="failed", error="550 no such user", attempts=6)
    client = login(admin_user)

    page = client.get(reverse("messaging:outbox-message", args=[message.pk])).content.decode()
    retried = client.post(reverse("messaging:outbox-retry", args=[message.pk]))

    assert "550 no such user" in page
    assert 'data-count="attempts">6<' in page
    assert reverse("messaging:outbox-retry", args=[message.pk]) in page
    assert retried.status_code == 302
    stored = Message.objects.get(pk=message.pk)
    assert (stored.state, stored.attempts) == ("queued", 0)


def test_retrying_a_message_that_did_not_fail_says_so_and_changes_nothing(login, owner, admin_user):
    message = queued(owner)

    response = login(admin_user).post(reverse("messaging:outbox-retry", args=[message.pk]), follow=True)

    assert "Only a failed message can be tried again." in response.content.decode()
    assert Message.objects.get(pk=message.pk).state == "queued"


def test_the_outbox_is_for_administrators_only(login, owner):
    message = queued(owner)
    client = login(owner)

    assert client.get(reverse("messaging:outbox")).status_code == 403
    assert client.get(reverse("messaging:outbox-message", args=[message.pk])).status_code == 403
    assert client.post(reverse("messaging:outbox-retry", args=[message.pk])).status_code == 403
    assert Message.objects.get(pk=message.pk).state == "queued"


def test_in_app_notifications_are_not_in_the_outbox(login, owner, admin_user):
    from accord.messaging.services import notify

    notify(user=owner, subject="Reminder: call Ewa", idempotency_key="n:1")

    page = login(admin_user).get(reverse("messaging:outbox")).content.decode()

    assert "Reminder: call Ewa" not in page


def test_a_providers_bounce_report_marks_the_message_bounced(owner, admin_user):
    from anymail.signals import AnymailTrackingEvent, tracking

    message = queued(owner)
    Message.objects.filter(pk=message.pk).update(state="sent")

    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(
            event_type="bounced",
            message_id="esp-123",
            metadata={"accord_message": str(message.pk)},
            reject_reason="bounced",
            description="mailbox does not exist",
        ),
        esp_name="Mailgun",
    )

    stored = Message.objects.get(pk=message.pk)
    assert (stored.state, stored.error) == ("bounced", "Mailgun: bounced")


def test_the_bounce_command_records_a_bounce(owner):
    from django.core.management import call_command

    message = queued(owner)
    Message.objects.filter(pk=message.pk).update(state="sent")

    call_command("bounce", message.external_id, "550 mailbox full")

    assert Message.objects.get(pk=message.pk).error == "550 mailbox full"
