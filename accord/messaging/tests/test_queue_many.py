"""Many messages queued at once: the same rows and checks as one by one, one event, no repeats."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from accord.core.models import AuditEntry, Event
from accord.messaging.models import Message
from accord.messaging.services import Outgoing, queue_many

pytestmark = pytest.mark.django_db


def _items(n: int, **changes: Any) -> list[Outgoing]:
    values: dict[str, Any] = {"channel": "email", "subject": "Reminder", "body": "Please pay."}
    values.update(changes)
    return [Outgoing(to=f"client{i}@example.com", idempotency_key=f"bulk:{i}", **values) for i in range(n)]


def test_queued_together_like_one_by_one() -> None:
    with transaction.atomic():
        messages = queue_many(actor=None, items=[*_items(3), Outgoing("sms", "+48 601 234 567", "", "bulk:sms")])
    assert [m.state for m in messages] == ["queued"] * 4
    stored = Message.objects.get(idempotency_key="bulk:0")
    assert stored.to_address == "client0@example.com"
    assert stored.external_id.startswith("<")
    assert stored.from_address
    assert Message.objects.get(idempotency_key="bulk:sms").to_address == "+48601234567"
    assert AuditEntry.objects.filter(entity="messaging.message", action="create").count() == 4
    assert Event.objects.filter(name="messaging.messages_queued").count() == 1


def test_a_key_queued_before_is_not_queued_again() -> None:
    with transaction.atomic():
        first = queue_many(actor=None, items=_items(2))
    with transaction.atomic():
        again = queue_many(actor=None, items=_items(3))
    assert [m.pk for m in again[:2]] == [m.pk for m in first]
    assert Message.objects.count() == 3


def test_a_bad_address_names_the_item_and_nothing_is_written() -> None:
    items = [*_items(2), Outgoing("email", "not an address", "Reminder", "bulk:bad")]
    with pytest.raises(ValidationError) as raised, transaction.atomic():
        queue_many(actor=None, items=items)
    assert "2.to" in raised.value.message_dict
    assert not Message.objects.exists()
