"""Extra e-mail headers reach the mail server; bounces and complaints are announced as events."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accord.core.events import EventPayload
from accord.core.models import Event
from accord.messaging.models import Message
from accord.messaging.services import Outgoing, queue_many, queue_message, record_bounce, record_complaint
from accord.messaging.services.delivery import deliver_due
from accord.messaging.services.outbox import MessageBounced, MessageComplained

UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://crm.example/marketing/u/abc/>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def test_extra_headers_are_stored_and_sent(owner, customer, smtp):
    _company, contact = customer
    message = queue_message(
        actor=owner,
        channel="email",
        to="zofia@zolta.example",
        subject="News",
        body="Hello",
        idempotency_key="news:1",
        contact=contact,
        headers=UNSUBSCRIBE,
    )
    assert Message.objects.get(pk=message.pk).headers == UNSUBSCRIBE

    deliver_due()

    [received] = smtp.messages
    assert received["List-Unsubscribe"] == "<https://crm.example/marketing/u/abc/>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Message-ID"] == message.external_id


def test_queue_many_carries_headers_to_the_server(owner, customer, smtp):
    _company, contact = customer
    queue_many(
        actor=owner,
        items=[
            Outgoing(
                channel="email",
                to="zofia@zolta.example",
                subject="Offer",
                body="x",
                idempotency_key="offer:1",
                contact=contact,
                headers=UNSUBSCRIBE,
            )
        ],
    )

    deliver_due()

    [received] = smtp.messages
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize(
    "headers",
    [{"Message-ID": "<forged@x>"}, {"X-Evil": "a\r\nBcc: victim@example.com"}, {"Bad Name": "x"}, {"From": "a@b"}],
)
def test_headers_the_outbox_owns_or_with_line_breaks_are_refused(owner, customer, headers):
    with pytest.raises(ValidationError) as caught:
        queue_message(
            actor=owner, channel="email", to="z@example.com", subject="S", idempotency_key="k", headers=headers
        )

    assert set(caught.value.message_dict) == {"headers"}
    assert Message.objects.count() == 0


def _payload(name: str) -> EventPayload:
    from accord.core.events import load

    return load(Event.objects.filter(name=name).get())


def test_a_bounce_emits_an_event_naming_the_address_and_contact(owner, customer, smtp):
    _company, contact = customer
    message = queue_message(
        actor=owner, channel="email", to="zofia@zolta.example", subject="S", idempotency_key="k", contact=contact
    )
    deliver_due()

    record_bounce(message_id=message.external_id, reason="550 no such user")
    record_bounce(message_id=message.external_id, reason="reported twice")

    payload = _payload("messaging.message.bounced")
    assert isinstance(payload, MessageBounced)
    assert (payload.to_address, payload.channel, payload.reason, payload.contact_id) == (
        "zofia@zolta.example",
        "email",
        "550 no such user",
        contact.pk,
    )


def test_a_complaint_keeps_the_state_and_emits_an_event(owner, customer, smtp):
    message = queue_message(actor=owner, channel="email", to="zofia@zolta.example", subject="S", idempotency_key="k")
    deliver_due()

    assert record_complaint(message_id=message.external_id, reason="abuse report") is not None
    assert record_complaint(message_id="<nobody@nowhere>") is None

    assert Message.objects.get(pk=message.pk).state == "sent"
    payload = _payload("messaging.message.complained")
    assert isinstance(payload, MessageComplained)
    assert (payload.to_address, payload.reason) == ("zofia@zolta.example", "abuse report")


def test_a_providers_complaint_report_is_recorded(owner, customer, smtp):
    from anymail.signals import AnymailTrackingEvent, tracking

    message = queue_message(actor=owner, channel="email", to="zofia@zolta.example", subject="S", idempotency_key="k")
    deliver_due()

    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(event_type="complained", metadata={"accord_message": str(message.pk)}),
        esp_name="Mailgun",
    )

    payload = _payload("messaging.message.complained")
    assert isinstance(payload, MessageComplained)
    assert (payload.to_address, payload.reason) == ("zofia@zolta.example", "Mailgun: complained")
