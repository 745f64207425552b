"""``Idempotency-Key`` for POST: the same key and body give the same answer and one record.

The record and the stored answer commit in one transaction, so a retry after a timeout either
finds the answer or finds nothing was done. Two requests racing with one key: the loser's insert
of the answer fails on the unique (user, key) pair, its whole transaction rolls back, and it
replays the winner's answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from accord.core.errors import BadRequest
from accord.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"


class IdempotencyMismatch(Exception):
    """The key was used before with a different request (HTTP 422)."""

    def __init__(self) -> None:
        self.message = _("This Idempotency-Key was already used with a different request.")
        super().__init__(self.message)


def request_hash(request: HttpRequest, payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> JsonResponse:
    if record.request_hash != digest:
        raise IdempotencyMismatch()
    response = JsonResponse(json.loads(record.response_body), status=record.status_code, safe=False)
    response["Idempotent-Replayed"] = "true"
    return response


def respond(
    request: HttpRequest,
    *,
    payload: Any,
    run: Callable[[], Any],
    serialize: Callable[[Any], Any],
    status: int = 201,
) -> JsonResponse:
    """Run ``run`` once per key; ``serialize`` turns its result into the JSON body."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return JsonResponse(serialize(run()), status=status, safe=False)
    if len(key) > 255:
        raise BadRequest(_("Idempotency-Key is too long."), {HEADER: [_("At most 255 characters.")]})
    user = request.user
    assert user.pk is not None, "idempotent requests are authenticated"
    digest = request_hash(request, payload)
    existing = IdempotencyRecord.objects.filter(user_id=user.pk, key=key).first()
    if existing is not None:
        return _replay(existing, digest)
    try:
        with transaction.atomic():
            # Encoded as the response itself is (ids, dates, decimals as text), so that what is
            # stored is what was answered and a replay gives the same body.
            stored = json.dumps(serialize(run()), cls=DjangoJSONEncoder)
            IdempotencyRecord.objects.create(
                user_id=user.pk, key=key, request_hash=digest, status_code=status, response_body=stored
            )
    except IntegrityError:
        winner = IdempotencyRecord.objects.filter(user_id=user.pk, key=key).first()
        if winner is None:
            raise  # a constraint of the record itself, not a race on the key
        return _replay(winner, digest)
    return JsonResponse(json.loads(stored), status=status, safe=False)
