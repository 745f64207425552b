"""Bulk actions too large for one request, run by the worker in chunks.

A marketer who filters 5,029 contacts and adds a tag expects it to work. Adding a tag, editing a
field or deleting goes record by record through the list's services (core/bulk_actions.py), a few
milliseconds each; above ``bulk_actions.sync_limit()`` records that becomes a ``BulkJob``:

* At confirmation the job keeps the action, its inputs and the keys of the records: those the
  selection matched that the user could change then (the access policy and the list's
  ``changeable``), one ``BulkJobItem`` row each, written by one INSERT ... SELECT. Records added
  or brought into reach later are not touched.
* The worker takes the keys after the job's ``cursor``, a chunk at a time. Each chunk is one
  transaction: the job's row is locked (so two runs of one job take turns and never do a record
  twice), the chunk's records are locked in key order, each record goes through the list's service
  as the user, in a savepoint of its own, and the outcomes, the counts and the new cursor commit
  with the changes. A worker that dies mid-chunk loses that chunk's transaction, nothing else; the
  job is taken up again from its cursor (``resume_lost_jobs``, or "Resume" on its page).
* A record a service refuses is listed with the field and the reason, and the others keep their
  change: a large change is not all-or-nothing, and the confirmation says so.
* At the end, in the last chunk's transaction, the list's bulk event is emitted once and messaging
  is asked (``messaging.notify_requested``) to tell the user in the app.

Records are changed as they are when their turn comes, under their row lock (see
core/bulk_actions.py): a version bumped by an unrelated change since the confirmation is not a
conflict, so no version from the confirmation is compared. Two jobs over the same records take
turns record by record; each adds or removes its own tag, and the later edit of one field wins, as
it would had the two users edited the record one after the other. A record deleted meanwhile is
counted as such; one the user may no longer change fails with that reason.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, connections, transaction
from django.db.models import ProtectedError, Q, QuerySet, RestrictedError
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.core import access, bulk_actions, languages, lists
from accord.core.backoff import Backoff
from accord.core.bulk_actions import RowChange, Selection
from accord.core.errors import Conflict, message_dict
from accord.core.event_types import NotifyRequested
from accord.core.events import emit
from accord.core.models import BulkItemOutcome, BulkJob, BulkJobItem, BulkJobState

if TYPE_CHECKING:
    from accord.identity.models import User

log = logging.getLogger(__name__)

# A run hands the worker back after this long and queues the rest of the job behind the tasks
# that waited meanwhile (event dispatch, reminders): one worker is enough for the embedded set-up.
SLICE_SECONDS = 20.0
# A running job whose last chunk committed this long ago lost its worker: it is queued again.
STALE_RUN = datetime.timedelta(minutes=10)
# A job no worker took (a nudge lost between commit and enqueue) is queued again after this long.
LOST_RUN = datetime.timedelta(minutes=5)
FAILURES_SHOWN = 100
# A chunk that fails on a database error (SQLite's "database is locked" behind a long write, a
# lock timeout on PostgreSQL) is tried again this many times in all, waiting longer each time
# (core/backoff.py); only then are its records counted as failed and the job goes on.
CHUNK_ATTEMPTS = 5
RETRY_FIRST_DELAY = 0.5  # seconds
RETRY_LONGEST_DELAY = 8.0

# A record's own refusal: listed with the job's failures. Any other error stops the chunk (its
# transaction is rolled back whole) and the job.
RECORD_ERRORS = (ValidationError, PermissionDenied, Conflict, ObjectDoesNotExist, ProtectedError, RestrictedError)


def chunk_size() -> int:
    return max(1, int(settings.ACCORD_BULK_CHUNK_SIZE))


def visible_jobs(user: Any) -> QuerySet[BulkJob]:
    """A user's own bulk changes; an administrator sees everyone's."""
    jobs = BulkJob.objects.select_related("user")
    return jobs if access.is_admin(user) else jobs.filter(user_id=user.pk)


def job_for(user: Any, pk: Any) -> BulkJob:
    try:
        return visible_jobs(user).get(pk=pk)
    except (BulkJob.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def screen_of(job: BulkJob) -> lists.ListScreen:
    return lists.get(job.list_key)


# --- confirmation --------------------------------------------------------------------------------------


@transaction.atomic
def start(*, actor: User, selection: Selection, change: RowChange) -> BulkJob:
    """Freeze the records ``change`` is to be made to and queue the job for the worker."""
    now = timezone.now()
    job = BulkJob.objects.create(
        user=actor,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        list_key=selection.screen.key,
        action=change.action,
        inputs=change.inputs,
        filters=selection.query.raw,
        selected=selection.queryset.count(),
        state=BulkJobState.QUEUED,
        queued_at=now,
    )
    job.total = _freeze(job, bulk_actions.targets(actor=actor, selection=selection, action=change.action))
    job.save(update_fields=["total", "updated_at"])
    transaction.on_commit(lambda: enqueue(job.pk))
    return job


def _freeze(job: BulkJob, targets: QuerySet[Any]) -> int:
    """One item per record of ``targets``, written by one INSERT ... SELECT: 300,000 keys are one
    statement, not 300,000 round trips."""
    model = targets.model
    connection = connections[targets.db]
    quote = connection.ops.quote_name
    table, pk_column = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql_ids, id_params = targets.order_by().values_list("pk").query.sql_with_params()
    job_id = BulkJobItem._meta.get_field("job").target_field.get_db_prep_value(job.pk, connection)
    sql = (
        f"INSERT INTO {quote(BulkJobItem._meta.db_table)} (job_id, object_id, outcome, label, field, reason) "  # noqa: S608
        f"SELECT %s, t.{pk_column}, '', '', '', '' FROM {table} t WHERE t.{pk_column} IN ({sql_ids})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [job_id, *id_params])
        return int(cursor.rowcount)


def enqueue(pk: Any) -> None:
    from accord.core.tasks import run_bulk_job

    try:
        run_bulk_job.enqueue(str(pk))
    except Exception:
        # The periodic sweep queues it again; losing the nudge costs minutes, not the change.
        log.exception("could not enqueue bulk job %s", pk)


@transaction.atomic
def resume(*, actor: User, job: BulkJob) -> BulkJob:
    """Queue a stopped job again; it goes on from its cursor."""
    locked = visible_jobs(actor).select_for_update(of=("self",)).get(pk=job.pk)
    if locked.state != BulkJobState.STOPPED:
        raise ValidationError({"__all__": [_("Only a change that stopped can be resumed.")]})
    locked.state, locked.message, locked.queued_at = BulkJobState.QUEUED, "", timezone.now()
    locked.version += 1
    locked.save()
    transaction.on_commit(lambda: enqueue(locked.pk))
    return locked


# --- the worker ----------------------------------------------------------------------------------------


def run(pk: Any) -> BulkJob | None:
    """Run a job, as the worker does, for up to ``SLICE_SECONDS``; the rest is queued again. Any
    number of runs of one job may overlap or follow a crash: chunks are taken under the job's
    lock, from its cursor."""
    deadline = time.monotonic() + SLICE_SECONDS
    try:
        while _chunk_with_retries(pk):
            if time.monotonic() > deadline:
                enqueue(pk)
                break
    except (OperationalError, InterfaceError):
        # The database was busy or the connection dropped: nothing of the chunk was kept, and the
        # job, still running, is taken up again by the periodic sweep.
        log.exception("bulk job %s: chunk left for later", pk)
    except Exception:
        log.exception("bulk job %s stopped", pk)
        _stop(pk)
    return BulkJob.objects.filter(pk=pk).first()


def _chunk_with_retries(pk: Any) -> bool:
    """``process_chunk``, tried again with growing waits while the database refuses it; when it
    still fails, its records are counted as failed with the error and the job goes on."""
    backoff = Backoff(first=RETRY_FIRST_DELAY, longest=RETRY_LONGEST_DELAY)
    while True:
        try:
            return process_chunk(pk)
        except OperationalError as exc:
            # The chunk's transaction was rolled back whole: nothing of it was kept.
            if backoff.failures + 1 >= CHUNK_ATTEMPTS:
                log.warning("bulk job %s: a chunk failed %d times, its records count as failed", pk, CHUNK_ATTEMPTS)
                return fail_chunk(pk, exc)
            delay = backoff.next_delay()
            log.info("bulk job %s: database error (%s), trying the chunk again in %.1f s", pk, exc, delay)
            time.sleep(delay)


def _locked_job(pk: Any) -> BulkJob | None:
    """The job, locked for this transaction and marked running, if there is still work in it."""
    job = BulkJob.objects.select_for_update(of=("self",)).select_related("user", "user__role").filter(pk=pk).first()
    if job is None or job.state not in (BulkJobState.QUEUED, BulkJobState.RUNNING):
        return None
    _start_running(job)
    return job


def fail_chunk(pk: Any, exc: Exception) -> bool:
    """Count the next chunk's records as failed because of ``exc`` and move the cursor past
    them; whether there is more to do. Errors here (the database still refusing) go up."""
    with transaction.atomic():
        job = _locked_job(pk)
        if job is None:
            return False
        with translation.override(job.language or settings.LANGUAGE_CODE):
            items = _next_items(job)
            if items:
                screen = screen_of(job)
                model = screen.visible(job.user).model
                found = {obj.pk: obj for obj in model.objects.filter(pk__in=[item.object_id for item in items])}
                reason = _("The database refused the change after %(attempts)d attempts: %(error)s") % {
                    "attempts": CHUNK_ATTEMPTS,
                    "error": str(exc)[:300],
                }
                for item in items:
                    obj = found.get(item.object_id)
                    item.outcome = BulkItemOutcome.FAILED if obj is not None else BulkItemOutcome.GONE
                    if obj is not None:
                        item.label = str(screen.describe(obj))[:200]
                        item.field, item.reason = "", reason[:500]
                _record(job, items)
            more = len(items) == chunk_size() and _next_items(job, limit=1) != []
            if not more:
                _finish(job)
            return more


def process_chunk(pk: Any) -> bool:
    """Do the next chunk of the job in one transaction; whether there is more to do."""
    with transaction.atomic():
        job = _locked_job(pk)
        if job is None:
            return False
        with translation.override(job.language or settings.LANGUAGE_CODE):
            items = _next_items(job)
            if items:
                _apply(job, items)
            more = len(items) == chunk_size() and _next_items(job, limit=1) != []
            if not more:
                _finish(job)
            return more


def _start_running(job: BulkJob) -> None:
    """A queued job's first chunk (of this run) starts it; saved with the chunk, inside the
    transaction the retries cover, so a database busy at that moment only delays it."""
    if job.state == BulkJobState.QUEUED:
        now = timezone.now()
        job.state, job.started_at, job.beat_at = BulkJobState.RUNNING, now, now


def _next_items(job: BulkJob, *, limit: int | None = None) -> list[BulkJobItem]:
    items = BulkJobItem.objects.filter(job=job)
    if job.cursor is not None:
        items = items.filter(object_id__gt=job.cursor)
    return list(items.order_by("object_id")[: limit or chunk_size()])


def _apply(job: BulkJob, items: list[BulkJobItem]) -> None:
    screen = screen_of(job)
    actor = job.user
    change = bulk_actions.row_change(screen, job.action, job.inputs)
    records = bulk_actions.locked_records(screen, actor, [item.object_id for item in items])
    for item in items:
        obj = records.get(item.object_id)
        if obj is None:
            item.outcome = BulkItemOutcome.GONE
        else:
            try:
                with transaction.atomic():
                    changed = change.apply(actor, obj)
            except RECORD_ERRORS as exc:
                item.outcome = BulkItemOutcome.FAILED
                item.label = str(screen.describe(obj))[:200]
                item.field, item.reason = _why(exc)
            except IntegrityError as exc:
                # A constraint of the database refused this record alone (its savepoint is gone).
                item.outcome = BulkItemOutcome.FAILED
                item.label = str(screen.describe(obj))[:200]
                item.field, item.reason = "", str(exc)[:500]
            else:
                item.outcome = BulkItemOutcome.CHANGED if changed else BulkItemOutcome.UNCHANGED
    _record(job, items)


def _record(job: BulkJob, items: list[BulkJobItem]) -> None:
    """Save the outcomes of a chunk's items, and the job's counts and cursor past them."""
    counts = dict.fromkeys(BulkItemOutcome.values, 0)
    for item in items:
        counts[item.outcome] += 1
    BulkJobItem.objects.bulk_update(items, ["outcome", "label", "field", "reason"])
    job.cursor = items[-1].object_id
    job.done += len(items)
    job.changed += counts[BulkItemOutcome.CHANGED]
    job.unchanged += counts[BulkItemOutcome.UNCHANGED]
    job.gone += counts[BulkItemOutcome.GONE]
    job.failed += counts[BulkItemOutcome.FAILED]
    job.state, job.beat_at = BulkJobState.RUNNING, timezone.now()
    job.save()


def _why(exc: Exception) -> tuple[str, str]:
    """(field, reason) of a record's refusal."""
    if isinstance(exc, ValidationError):
        errors = message_dict(exc)
        field = next((key for key in errors if key != "__all__"), "")
        reasons = [message for key in errors for message in errors[key]]
        return field[:100], " ".join(reasons)
    if isinstance(exc, PermissionDenied):
        return "", _("You may no longer change this record.")
    if isinstance(exc, Conflict):
        return "", exc.message
    if isinstance(exc, ProtectedError | RestrictedError):
        return "", _("Other records still refer to this one.")
    return "", _("The record could not be found any more.")


def _finish(job: BulkJob) -> None:
    job.state, job.finished_at, job.beat_at = BulkJobState.FINISHED, timezone.now(), timezone.now()
    job.version += 1
    job.save()
    screen = screen_of(job)
    payload = {k: v for k, v in job.inputs.items() if k in ("tag", "field")}
    bulk_actions.announce(job.user, screen, job.action, job.changed, job.filters, job_id=job.pk, **payload)
    _notify(job, finished=True)


def _stop(pk: Any) -> None:
    with transaction.atomic():
        job = BulkJob.objects.select_for_update(of=("self",)).select_related("user").filter(pk=pk).first()
        if job is None or job.state not in (BulkJobState.QUEUED, BulkJobState.RUNNING):
            return
        with translation.override(job.language or settings.LANGUAGE_CODE):
            message = ngettext(
                "The change stopped on an unexpected error after %(done)d of %(total)d record. "
                "The records done keep their change; resume it to go on.",
                "The change stopped on an unexpected error after %(done)d of %(total)d records. "
                "The records done keep their change; resume it to go on.",
                job.total,
            ) % {"done": job.done, "total": job.total}
            job.state, job.message, job.finished_at = BulkJobState.STOPPED, message, timezone.now()
            job.version += 1
            job.save()
            _notify(job, finished=False)


def job_url(job: BulkJob) -> str:
    try:
        return reverse("core:bulk-job", args=[job.pk])
    except NoReverseMatch:
        return ""


def _notify(job: BulkJob, *, finished: bool) -> None:
    """Ask messaging (through the event log) to tell the user in the app."""
    user = job.user
    screen = screen_of(job)
    with languages.writing_in(languages.first_supported(user.language, job.language)):
        title = str(screen.title)
        if finished:
            values = {"records": title, "changed": intcomma(job.changed), "failed": intcomma(job.failed)}
            if job.failed:
                subject = _("Bulk change finished (%(records)s): %(changed)s changed, %(failed)s failed") % values
            else:
                subject = _("Bulk change finished (%(records)s): %(changed)s changed") % values
            body = describe_action(job)
        else:
            subject = _("Bulk change stopped: %(records)s") % {"records": title}
            body = job.message
    request = NotifyRequested(
        user_id=user.pk,
        subject=subject,
        body=body,
        url=job_url(job),
        # Once per ending: a job stopped, resumed and finished says both.
        idempotency_key=f"bulk-job:{job.pk}:{'finished' if finished else f'stopped:{job.done}'}",
    )
    emit(request, obj=job)


def describe_action(job: BulkJob) -> str:
    """What the job does, in words: "Add tag “Trade fair”"."""
    screen = screen_of(job)
    if job.action == "tag_add":
        return _("Add tag “%(tag)s”") % {"tag": job.inputs.get("tag", "")}
    if job.action == "tag_remove":
        return _("Remove tag “%(tag)s”") % {"tag": job.inputs.get("tag", "")}
    if job.action == "field":
        fields = {f.name: f.label for f in lists.editable_fields(screen)}
        name = job.inputs.get("field", "")
        return _("Set %(field)s") % {"field": str(fields.get(name, name)).lower()}
    return _("Delete")


def resume_lost_jobs() -> int:
    """Queue again the jobs no worker took (a lost nudge) or whose worker died; returns how many."""
    now = timezone.now()
    lost = BulkJob.objects.filter(
        Q(state=BulkJobState.QUEUED, queued_at__lt=now - LOST_RUN)
        | Q(state=BulkJobState.RUNNING, beat_at__lt=now - STALE_RUN)
    ).values_list("pk", flat=True)
    count = 0
    for pk in lost:
        enqueue(pk)
        count += 1
    return count


def prune(*, keep_days: int = 30) -> int:
    """Forget bulk changes that ended a month ago, with their lists of records."""
    cutoff = timezone.now() - datetime.timedelta(days=keep_days)
    ended = BulkJob.objects.filter(state__in=(BulkJobState.FINISHED, BulkJobState.STOPPED), finished_at__lt=cutoff)
    BulkJobItem.objects.filter(job__in=ended).delete()
    count, _deleted = ended.delete()
    return count


# --- the result ----------------------------------------------------------------------------------------


def failures(job: BulkJob, limit: int = FAILURES_SHOWN) -> list[dict[str, Any]]:
    """The records that failed, first ``limit`` in key order: name, link to the record, field (as
    a label), reason."""
    screen = screen_of(job)
    labels: dict[str, Any] = {}
    for editable in lists.editable_fields(screen):
        labels[editable.name] = editable.label
        if editable.custom:
            labels[f"custom.{editable.custom}"] = editable.label  # how the record's service names it
    model = screen.visible(job.user).model
    found = job.items.filter(outcome=BulkItemOutcome.FAILED).order_by("object_id")[:limit]
    return [
        {
            "label": item.label,
            "url": lists.url_or_empty(screen.detail_url, item.object_id),
            "field": _field_label(model, labels, item.field),
            "reason": item.reason,
        }
        for item in found
    ]


def _field_label(model: Any, labels: Mapping[str, Any], name: str) -> str:
    if not name:
        return ""
    if name in labels:
        return str(labels[name])
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name


def changed_ids(job_id: Any) -> QuerySet[Any, Any]:
    """The keys of the records the job changed (its bulk event names the job): its items with
    the outcome "changed". Kept until the job is pruned (``prune``)."""
    return BulkJobItem.objects.filter(job_id=job_id, outcome=BulkItemOutcome.CHANGED).values_list(
        "object_id", flat=True
    )


def percent(job: BulkJob) -> int:
    return min(100, round(100 * job.done / job.total)) if job.total else 0
