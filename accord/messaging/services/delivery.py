"""Delivery: workers claim due messages, hand them to their backend and record the outcome.

A claim is one conditional UPDATE (``queued`` and due, or ``sending`` with an expired lease ->
``sending``, claimed now by this worker), committed before anything is sent. On PostgreSQL the
candidates are picked with ``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent workers take
different rows; on SQLite, which has one writer at a time, the conditional UPDATE alone decides.

What is guaranteed:

- No message is lost. A worker killed (or its host lost) mid-send leaves the row ``sending``;
  once ``ACCORD_MESSAGE_LEASE_SECONDS`` pass, the next sweep takes it again.
- At least once, not exactly once. Between the server accepting a message and the commit of
  ``sent`` there is a window (the SMTP server's "250" on the wire, a worker killed before its
  commit) in which the message was delivered but the row still says ``sending``: after the lease
  it is sent again. The copy carries the same Message-ID header, made when the message was
  queued, so mail clients and servers that deduplicate by it, and any reader, recognise it.
  The same holds for a send that outlasts its lease (a server answering slower than
  ``ACCORD_MESSAGE_LEASE_SECONDS``, kept well above the backends' timeouts): another worker may
  take the message meanwhile, and only the worker whose claim still stands records the outcome.
- Outside those windows a message is never sent twice: workers claim it one at a time, and
  nobody takes a ``sent``, ``delivered``, ``bounced`` or ``failed`` row again (a failed message
  goes out again only when an administrator asks, "Retry now").
- SMS gateways have no Message-ID; a resent SMS is the same text again. The gateway's id of the
  copy that was recorded is kept.
"""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import get_random_string

from accord.core.backoff import Backoff
from accord.messaging.backends import DeliveryError, Sent
from accord.messaging.models import Message, MessageChannel, MessageState, check_transition

log = logging.getLogger(__name__)

# Channels a worker sends. Letters are never claimed: people print and post them in batches
# (services/letters.py), and a letter in a batch stays ``sending`` until its batch is posted.
SENT_BY_WORKERS = (MessageChannel.EMAIL, MessageChannel.SMS)


def _due(now: datetime.datetime) -> Q:
    lease = datetime.timedelta(seconds=settings.ACCORD_MESSAGE_LEASE_SECONDS)
    return Q(channel__in=SENT_BY_WORKERS) & (
        Q(state=MessageState.QUEUED, next_attempt_at__lte=now)
        | Q(state=MessageState.SENDING, claimed_at__lt=now - lease)
    )


def claim(*, worker: str, limit: int = 1, only: Any = None, now: datetime.datetime | None = None) -> list[Any]:
    """Take up to ``limit`` due messages (only the one with pk ``only`` when given) for
    ``worker``; returns their keys. Committed before it returns: the claim outlives this worker."""
    now = now or timezone.now()
    due = _due(now)
    if only is not None:
        due &= Q(pk=only)
    values = {
        "state": MessageState.SENDING,
        "claimed_at": now,
        "claimed_by": worker,
        "attempts": F("attempts") + 1,
        "version": F("version") + 1,
    }
    claimed: list[Any] = []
    with transaction.atomic():
        candidates = Message.objects.filter(due).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        for pk in list(candidates.values_list("pk", flat=True)[:limit]):
            # The condition is checked again in the UPDATE itself: a row another worker claimed
            # since we read it is no longer due, and the UPDATE changes nothing.
            if Message.objects.filter(due, pk=pk).update(**values) == 1:
                claimed.append(pk)
    return claimed


def _send(message: Message) -> Sent:
    if message.channel == MessageChannel.EMAIL:
        from accord.messaging.backends import email

        return email.send(message)
    from accord.messaging.backends import sms

    return sms.send(message)


def _retry_delay(attempts: int) -> float:
    backoff = Backoff(first=settings.ACCORD_MESSAGE_RETRY_FIRST, longest=settings.ACCORD_MESSAGE_RETRY_LONGEST)
    backoff.failures = max(attempts - 1, 0)
    return backoff.next_delay()


def deliver(pk: Any, *, worker: str) -> str:
    """Send one message this worker has claimed and record the outcome; returns the new state
    (or "" when the claim was lost meanwhile)."""
    message = Message.objects.filter(pk=pk, state=MessageState.SENDING, claimed_by=worker).first()
    if message is None:
        return ""
    try:
        result = _send(message)
    except DeliveryError as exc:
        return _failed(message, worker=worker, error=exc.message, permanent=exc.permanent)
    except Exception as exc:  # a backend's bug must not leave the message held until the lease ends
        log.exception("message %s: the backend failed", pk)
        return _failed(message, worker=worker, error=f"{exc.__class__.__name__}: {exc}", permanent=False)
    return _succeeded(message, worker=worker, result=result)


def _mine(message: Message, worker: str) -> Any:
    return Message.objects.filter(pk=message.pk, state=MessageState.SENDING, claimed_by=worker)


@transaction.atomic
def _succeeded(message: Message, *, worker: str, result: Sent) -> str:
    check_transition(MessageState.SENDING, MessageState.SENT)
    now = timezone.now()
    values: dict[str, Any] = {
        "state": MessageState.SENT,
        "sent_at": now,
        "claimed_at": None,
        "claimed_by": "",
        "error": "",
        "version": F("version") + 1,
    }
    if result.external_id and message.channel != MessageChannel.EMAIL:
        values["external_id"] = result.external_id
    if _mine(message, worker).update(**values) != 1:
        # Our lease ran out while the server was answering and another worker took the message:
        # it may go out twice (the same Message-ID); the other worker records the outcome.
        log.warning("message %s: sent after its lease ran out; another worker has it", message.pk)
        return ""
    from accord.messaging.services.timeline import log_sent

    log_sent(Message.objects.get(pk=message.pk))
    return MessageState.SENT


@transaction.atomic
def _failed(message: Message, *, worker: str, error: str, permanent: bool) -> str:
    attempts = Message.objects.filter(pk=message.pk).values_list("attempts", flat=True).first() or 0
    last = permanent or attempts >= settings.ACCORD_MESSAGE_MAX_ATTEMPTS
    target = MessageState.FAILED if last else MessageState.QUEUED
    check_transition(MessageState.SENDING, target)
    values: dict[str, Any] = {
        "state": target,
        "claimed_at": None,
        "claimed_by": "",
        "error": error[:2000],
        "version": F("version") + 1,
    }
    if not last:
        values["next_attempt_at"] = timezone.now() + datetime.timedelta(seconds=_retry_delay(attempts))
    if _mine(message, worker).update(**values) != 1:
        return ""
    log.warning("message %s: attempt %d failed (%s)%s", message.pk, attempts, error, "; giving up" if last else "")
    return target


def new_worker_id() -> str:
    return get_random_string(24)


def deliver_one(pk: Any, *, worker: str | None = None) -> str:
    """Claim and send the message ``pk`` if it is due (a nudge after its queueing commits)."""
    worker = worker or new_worker_id()
    if not claim(worker=worker, only=pk):
        return ""
    return deliver(pk, worker=worker)


def deliver_due(*, worker: str | None = None, limit: int | None = None, seconds: float | None = None) -> int:
    """Send due messages one claim at a time (so a killed worker holds at most one), up to
    ``limit`` of them or for ``seconds``; returns how many were tried."""
    worker = worker or new_worker_id()
    limit = limit if limit is not None else settings.ACCORD_MESSAGE_BATCH
    deadline = time.monotonic() + seconds if seconds is not None else None
    tried = 0
    from accord.messaging.backends.email import one_connection

    with one_connection():
        while tried < limit and (deadline is None or time.monotonic() < deadline):
            claimed = claim(worker=worker)
            if not claimed:
                break
            deliver(claimed[0], worker=worker)
            tried += 1
    return tried
