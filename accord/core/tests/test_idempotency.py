"""Idempotency-Key: an answer holding ids, times and amounts is stored as answered and replayed alike."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from typing import Any

from django.test import RequestFactory

from accord.core import idempotency
from accord.core.models import IdempotencyRecord


def test_an_answer_with_ids_times_and_amounts_is_stored_and_replayed_the_same(owner: Any) -> None:
    body = {
        "id": uuid.UUID("0191d4a2-0000-7000-8000-000000000001"),
        "at": datetime.datetime(2026, 12, 6, 8, 30, tzinfo=datetime.UTC),
        "amount": decimal.Decimal("12.50"),
        "warnings": [{"id": uuid.UUID("0191d4a2-0000-7000-8000-000000000002")}],
    }
    runs: list[int] = []

    def answer() -> Any:
        request = RequestFactory().post("/api/v1/things", headers={"Idempotency-Key": "k-1"})
        request.user = owner
        return idempotency.respond(
            request, payload={"name": "x"}, run=lambda: runs.append(1), serialize=lambda _result: body
        )

    first, again = answer(), answer()

    assert (first.status_code, again.status_code) == (201, 201)
    assert json.loads(first.content) == {
        "id": "0191d4a2-0000-7000-8000-000000000001",
        "at": "2026-12-06T08:30:00Z",
        "amount": "12.50",
        "warnings": [{"id": "0191d4a2-0000-7000-8000-000000000002"}],
    }
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert runs == [1]
    assert IdempotencyRecord.objects.count() == 1
