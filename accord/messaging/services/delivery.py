"""Delivery: workers claim due messages a few at a time, hand them to their backend one by one and
record the outcomes.

A claim takes up to ``ACCORD_MESSAGE_CLAIM`` (100) due messages at once: one conditional UPDATE
(``queued`` and due, or ``sending`` with an expired lease -> ``sending``, claimed now by this
worker), committed before anything is sent. On PostgreSQL the candidates are picked with
``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent workers take different rows; on SQLite, which
has one writer at a time, the conditional UPDATE alone decides.

The worker then sends the batch's messages one by one over one connection to the mail server, and
records each outcome as it comes:

- the server took the message: one UPDATE of its row notes when (``sent_at``) at once; the message
  stays ``sending`` until the batch is through, when one transaction moves the batch's accepted
  messages to ``sent`` and logs them on their customers' timelines, together (``log_sent_many``);
- it did not: the attempt is recorded at once (due again after a backoff, or ``failed`` after the
  last attempt), with the server's words kept as the message's error.

What is guaranteed:

- No message is lost. A worker killed (or its host lost) mid-batch leaves its claimed rows
  ``sending``; once ``ACCORD_MESSAGE_LEASE_SECONDS`` pass, the next sweep takes them again. Those
  the server had taken (``sent_at`` noted) are not sent again: they are recorded ``sent`` and logged
  on the timeline, dated when they went out, and count no new attempt. The others are sent.
- At least once, not exactly once. Between the server accepting a message and the commit of its
  ``sent_at`` there is a window (the SMTP server's "250" on the wire, a worker killed before the
  commit) in which the message was delivered but its row does not say so: after the lease it is
  sent again. A killed worker therefore sends **at most one message twice** (the one on the wire
  when it died), and holds **at most one claim, ``ACCORD_MESSAGE_CLAIM`` messages**, until its
  lease runs out. The copy carries the same Message-ID header, made when the message was queued,
  so mail clients and servers that deduplicate by it, and any reader, recognise it.
- On PostgreSQL the worker's commits do not wait for the disk (``synchronous_commit`` off for its
  connection), except the one that records a batch ``sent``, which waits and with it makes
  everything the worker committed before durable. A database server that crashes can therefore
  forget what a worker committed in its current batch, as if the worker had died before writing
  it: its claim and the ``sent_at`` notes (at most ``ACCORD_MESSAGE_CLAIM`` messages per worker
  are sent again, with the same Message-ID; none is lost) and its failed attempts (tried again
  without their wait). A killed worker loses nothing this way: what it committed is in the
  database server's hands.
- A send that outlasts its lease (a server answering slower than ``ACCORD_MESSAGE_LEASE_SECONDS``,
  kept well above the backends' timeouts) lets another worker take the message meanwhile, and
  only the worker whose claim still stands records the outcome; the message may go out twice,
  with the same Message-ID. A worker starts no send once half the lease has passed since its
  claim (nor after its ``seconds``): it hands the rest of the batch back (``queued``, due at once,
  its attempt not counted) and claims again.
- Outside those windows a message is never sent twice: a claim holds it for one worker, and
  nobody takes a ``sent``, ``delivered``, ``bounced`` or ``failed`` row again (a failed message
  goes out again only when an administrator asks, "Retry now").
- SMS gateways have no Message-ID; a resent SMS is the same text again. The gateway's id of the
  copy that was recorded is kept.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField, Case, F, PositiveIntegerField, Q, When, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.crypto import get_random_string

from accord.core.backoff import Backoff
from accord.messaging.backends import DeliveryError, Sent
from accord.messaging.models import Message, MessageAttachment, MessageChannel, MessageState, check_transition

log = logging.getLogger(__name__)

# Channels a worker sends. Letters are never claimed: people print and post them in batches
# (services/letters.py), and a letter in a batch stays ``sending`` until its batch is posted.
SENT_BY_WORKERS = (MessageChannel.EMAIL, MessageChannel.SMS)


def _waiting(now: datetime.datetime) -> Q:
    """Queued and due."""
    return Q(channel__in=SENT_BY_WORKERS, state=MessageState.QUEUED, next_attempt_at__lte=now)


def _abandoned(now: datetime.datetime) -> Q:
    """Held by a worker whose lease ran out (it died, or its send outlasted the lease)."""
    lease = datetime.timedelta(seconds=settings.ACCORD_MESSAGE_LEASE_SECONDS)
    return Q(channel__in=SENT_BY_WORKERS, state=MessageState.SENDING, claimed_at__lt=now - lease)


def _due(now: datetime.datetime) -> Q:
    return _waiting(now) | _abandoned(now)


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
        # A message its server took already (from a worker that died before recording it) is
        # not handed to a server again: no new attempt.
        "attempts": Case(
            When(sent_at__isnull=True, then=F("attempts") + 1),
            default=F("attempts"),
            output_field=PositiveIntegerField(),
        ),
        "version": F("version") + 1,
    }
    with transaction.atomic():
        keys: list[Any] = []
        # What dead workers left, then the queue, each read in the order of the due index
        # (state, next_attempt_at): a claim reads the few rows it takes, not every due one.
        for kind in (_abandoned(now), _waiting(now)):
            candidates = Message.objects.filter(kind if only is None else kind & Q(pk=only)).filter(_in_due_index())
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            keys += candidates.order_by("next_attempt_at").values_list("pk", flat=True)[: limit - len(keys)]
            if len(keys) >= limit:
                break
        if not keys:
            return []
        # The condition is checked again in the UPDATE itself: a row another worker claimed
        # since we read it is no longer due, and the UPDATE leaves it alone.
        if Message.objects.filter(due, pk__in=keys).update(**values) != len(keys):
            mine = Message.objects.filter(pk__in=keys, state=MessageState.SENDING, claimed_by=worker, claimed_at=now)
            keys = list(mine.values_list("pk", flat=True))
    return keys


def _in_due_index() -> RawSQL:
    """The condition of the due index (partial: ``state IN ('queued', 'sending')``), written out.
    SQLite uses a partial index only for a query that repeats its condition literally (a bound
    parameter does not count); without it, every claim read and sorted all the queued rows."""
    quote = connection.ops.quote_name
    column = f"{quote(Message._meta.db_table)}.{quote('state')}"
    return RawSQL(f"{column} IN ('queued', 'sending')", [], output_field=BooleanField())  # noqa: S611 - constant SQL


def _send(message: Message) -> Sent:
    from accord.messaging.services.templates import personalise

    personalise(message)  # shared words made this message's own (its timeline entry shows them too)
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
    return _deliver([pk], worker=worker).get(pk, "")


def _claimed(keys: Sequence[Any], worker: str) -> list[Message]:
    """The messages of a claim that are still this worker's, with what sending and logging them
    reads (customers, authors; attachments where there are any): two or three queries a batch.
    Django's prefetch of the (mostly absent) attachments cost more than reading the messages."""
    from accord.messaging.services.timeline import WITH_AUTHORS

    batch = list(
        Message.objects.filter(pk__in=keys, state=MessageState.SENDING, claimed_by=worker)
        .select_related(*WITH_AUTHORS)
        .order_by("next_attempt_at", "id")
    )
    with_files = set(
        MessageAttachment.objects.filter(message_id__in=[m.pk for m in batch]).values_list("message_id", flat=True)
    )
    if with_files:
        prefetch_related_objects([m for m in batch if m.pk in with_files], "attachments")
    none = MessageAttachment.objects.none()
    for message in batch:
        if message.pk not in with_files:
            # What a prefetch leaves: ``message.attachments.all()`` answers from it, with no query.
            setattr(message, "_prefetched_objects_cache", {"attachments": none})  # noqa: B010
    return batch


def _deliver(keys: Sequence[Any], *, worker: str, deadline: float | None = None) -> dict[Any, str]:
    """Send the claimed messages ``keys`` one by one, recording each outcome, then record those the
    server took as ``sent`` together. Returns the new state of each message tried ("" when the
    claim was lost meanwhile); a message handed back untried is left out."""
    batch = _claimed(keys, worker)
    outcomes: dict[Any, str] = dict.fromkeys(keys, "")
    # Taken by a server already (a dead worker's batch): only their recording was left to do.
    accepted = [m for m in batch if m.sent_at is not None]
    waiting = [m for m in batch if m.sent_at is None]
    lease = datetime.timedelta(seconds=settings.ACCORD_MESSAGE_LEASE_SECONDS)
    try:
        for i, message in enumerate(waiting):
            late = message.claimed_at is not None and timezone.now() >= message.claimed_at + lease / 2
            if i and (late or (deadline is not None and time.monotonic() >= deadline)):
                for pk in _hand_back(waiting[i:], worker=worker):
                    outcomes.pop(pk, None)
                break
            outcomes[message.pk] = _attempt(message, worker=worker)
            if outcomes[message.pk] == MessageState.SENDING:
                accepted.append(message)
    finally:
        # Also when the loop is interrupted: what the server took is recorded now, not after
        # the lease.
        outcomes.update(_record_sent(accepted, worker=worker))
    return outcomes


def _attempt(message: Message, *, worker: str) -> str:
    """Hand one message to its backend and note the outcome at once: ``sending`` with its
    ``sent_at`` (the server took it), ``queued`` or ``failed``, or "" if the claim was lost."""
    try:
        result = _send(message)
    except DeliveryError as exc:
        return _failed(message, worker=worker, error=exc.message, permanent=exc.permanent)
    except Exception as exc:  # a backend's bug must not leave the message held until the lease ends
        log.exception("message %s: the backend failed", message.pk)
        return _failed(message, worker=worker, error=f"{exc.__class__.__name__}: {exc}", permanent=False)
    now = timezone.now()
    values: dict[str, Any] = {"sent_at": now}
    if result.external_id and message.channel != MessageChannel.EMAIL:
        values["external_id"] = result.external_id
    if not _note(message, worker, values):
        # Our lease ran out while the server was answering and another worker took the message:
        # it may go out twice (the same Message-ID); the other worker records the outcome.
        log.warning("message %s: sent after its lease ran out; another worker has it", message.pk)
        return ""
    for name, value in values.items():
        setattr(message, name, value)
    return MessageState.SENDING


def _mine(message: Message, worker: str) -> Any:
    return Message.objects.filter(pk=message.pk, state=MessageState.SENDING, claimed_by=worker)


def _note(message: Message, worker: str, values: dict[str, Any]) -> bool:
    """``_mine(message, worker).update(**values)``, written out: it runs once for every message
    sent, and the ORM spent more CPU building the statement (0.3 ms) than the database running it.
    On PostgreSQL the statement goes straight to the driver, prepared once per connection (through
    Django's cursor while queries are being logged, so a count of them sees it). False when the
    claim is no longer this worker's."""
    meta = Message._meta
    fields: list[Any] = [meta.get_field(name) for name in values]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE id = %s AND state = %s AND claimed_by = %s"  # noqa: S608 - names from the model
    params = [field.get_db_prep_value(values[field.name], connection) for field in fields]
    params += [meta.pk.get_db_prep_value(message.pk, connection), MessageState.SENDING.value, worker]
    if connection.vendor == "postgresql" and not connection.queries_logged:
        connection.ensure_connection()
        with connection.connection.cursor() as raw:
            raw.execute(sql, params, prepare=True)
            return bool(raw.rowcount == 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _record_sent(accepted: Sequence[Message], *, worker: str) -> dict[Any, str]:
    """Move the messages the server took to ``sent`` and log them on their customers' timelines,
    in one transaction that waits for the disk (and so makes the worker's earlier commits durable)."""
    if not accepted:
        return {}
    check_transition(MessageState.SENDING, MessageState.SENT)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO on")
        keys = [m.pk for m in accepted]
        mine = set(
            Message.objects.select_for_update()
            .filter(pk__in=keys, state=MessageState.SENDING, claimed_by=worker, sent_at__isnull=False)
            .values_list("pk", flat=True)
        )
        if mine:
            Message.objects.filter(pk__in=mine).update(
                state=MessageState.SENT,
                claimed_at=None,
                claimed_by="",
                error="",
                version=F("version") + 1,
            )
        sent = [m for m in accepted if m.pk in mine]
        for message in accepted:
            if message.pk not in mine:
                log.warning("message %s: sent after its lease ran out; another worker has it", message.pk)
        for message in sent:
            message.state = MessageState.SENT
        from accord.messaging.services.timeline import log_sent_many

        log_sent_many(sent)
    return {m.pk: (MessageState.SENT if m.pk in mine else "") for m in accepted}


def _failed(message: Message, *, worker: str, error: str, permanent: bool) -> str:
    attempts = message.attempts  # as claimed: this attempt counted
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


def _hand_back(messages: Sequence[Message], *, worker: str) -> list[Any]:
    """Give back claimed messages this worker will not try now: ``queued`` again, due at once, the
    attempt their claim counted taken back. Returns their keys."""
    check_transition(MessageState.SENDING, MessageState.QUEUED)
    keys = [m.pk for m in messages]
    Message.objects.filter(pk__in=keys, state=MessageState.SENDING, claimed_by=worker, sent_at__isnull=True).update(
        state=MessageState.QUEUED,
        claimed_at=None,
        claimed_by="",
        attempts=F("attempts") - 1,
        version=F("version") + 1,
    )
    return keys


@contextlib.contextmanager
def _commits_not_waiting_for_disk() -> Iterator[None]:
    """PostgreSQL: this connection's commits return before their WAL reaches the disk, except those
    that ask otherwise (``_record_sent``). What such a commit wrote is lost only if the database
    server itself crashes, never when this process dies; see the module's guarantees."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def new_worker_id() -> str:
    return get_random_string(24)


def deliver_one(pk: Any, *, worker: str | None = None) -> str:
    """Claim and send the message ``pk`` if it is due (a nudge after its queueing commits)."""
    worker = worker or new_worker_id()
    with _commits_not_waiting_for_disk():
        if not claim(worker=worker, only=pk):
            return ""
        return deliver(pk, worker=worker)


def deliver_due(*, worker: str | None = None, limit: int | None = None, seconds: float | None = None) -> int:
    """Send due messages, claimed ``ACCORD_MESSAGE_CLAIM`` at a time, up to ``limit`` of them or
    for ``seconds``; returns how many were tried."""
    worker = worker or new_worker_id()
    limit = limit if limit is not None else settings.ACCORD_MESSAGE_BATCH
    deadline = time.monotonic() + seconds if seconds is not None else None
    tried = 0
    from accord.messaging.backends.email import one_connection

    with one_connection(), _commits_not_waiting_for_disk():
        while tried < limit and (deadline is None or time.monotonic() < deadline):
            claimed = claim(worker=worker, limit=min(settings.ACCORD_MESSAGE_CLAIM, limit - tried))
            if not claimed:
                break
            tried += len(_deliver(claimed, worker=worker, deadline=deadline))
    return tried
