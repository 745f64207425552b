"""Other apps ask for in-app notifications through the event log; messaging delivers each once."""

import uuid

import pydantic
import pytest

from accord.core.event_types import NotifyRequested
from accord.core.events import dispatch_pending, emit
from accord.core.models import Event
from accord.messaging.models import Message, MessageChannel

pytestmark = pytest.mark.django_db


def request(user, key="k-1", **extra):
    payload = {
        "user_id": user.pk,
        "subject": "Call Acme again",
        "body": "Nothing has happened for 7 days.",
        "url": "/sales/deals/1/",
        "idempotency_key": key,
    }
    payload.update(extra)
    return emit(NotifyRequested(**payload))


def test_a_notification_request_lands_in_the_users_inbox_once(owner, teammate, make_company):
    acme = make_company(owner, name="Acme")
    request(owner, related_entity="people.company", related_id=acme.pk)

    dispatch_pending()
    Event.objects.update(dispatched_at=None)  # offered again after a crash
    dispatch_pending()

    message = Message.objects.get()
    assert (message.recipient_user, message.channel, message.state) == (owner, MessageChannel.IN_APP, "delivered")
    assert (message.subject, message.body, message.url) == (
        "Call Acme again",
        "Nothing has happened for 7 days.",
        "/sales/deals/1/",
    )
    assert (message.related_entity, message.related_id) == ("people.company", acme.pk)
    assert not Message.objects.filter(recipient_user=teammate).exists()


def test_requests_for_deactivated_users_are_dropped_and_unknown_records_are_not_linked(owner, teammate):
    teammate.is_active = False
    teammate.save()
    request(teammate)
    request(owner, key="k-2", related_entity="nosuch.model", related_id=uuid.uuid4())
    request(owner, key="k-3", related_entity="people.company", related_id=uuid.uuid4())

    dispatch_pending()

    assert sorted(Message.objects.values_list("idempotency_key", "related_entity")) == [("k-2", ""), ("k-3", "")]
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


@pytest.mark.parametrize(
    "extra", [{"key": ""}, {"related_id": "not-a-uuid"}, {"user_id": "someone"}], ids=["no key", "bad id", "bad user"]
)
def test_a_request_without_a_key_or_with_a_malformed_id_is_refused_when_asked(owner, extra):
    with pytest.raises(pydantic.ValidationError):
        request(owner, **extra)

    assert not Event.objects.exists()
