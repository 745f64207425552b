"""The payloads of the core's events: what happens to any record, to many records at once, and
the in-app notifications other apps ask messaging for (core/events.py explains the mechanism).

Events about many records say which records changed, so a consumer (a sync feed, a search refresh,
a webhook) need not guess from the filters:

* when the operation is bounded (a bulk action done in the request, at most
  ``ACCORD_BULK_SYNC_LIMIT`` records; a merge; one batch of an import or an upsert) the event lists
  the ``ids``;
* when it is not (a mass reassignment hands 300,000 contacts over in a few statements; an import
  job of a million rows), the event names the ``audit_batch`` its audit entries were written in,
  and ``core.changes.batch_entries(audit_batch)`` finds exactly those entries, one per record
  changed (``object_id``), created or updated (``action``);
* a bulk change done by the worker in chunks names its ``job_id``: the job's items with the
  outcome "changed" are the records it changed (``core.bulk_jobs.changed_ids``).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from pydantic import Field

from accord.core.events import EventPayload

# --- any record ---------------------------------------------------------------------------------------


class RecordCreated(EventPayload):
    """``<app>.<model>.created``: the record is the event's object."""

    suffix = "created"


class RecordUpdated(EventPayload):
    """``<app>.<model>.updated``: the audited fields that changed."""

    suffix = "updated"
    fields: list[str]


class RecordDeleted(EventPayload):
    """``<app>.<model>.deleted``; the audit trail keeps the record's last values."""

    suffix = "deleted"


class RecordsMerged(EventPayload):
    """``<app>.<model>.merged``: the event's object survived; ``merged_ids`` were merged into it
    and deleted."""

    suffix = "merged"
    merged_ids: list[uuid.UUID]


# --- many records at once -----------------------------------------------------------------------------


class RecordsReassigned(EventPayload):
    """``<app>.<model>.reassigned``: ``count`` records went to ``owner_id`` (and ``team_id``).

    Set-based and unbounded, so the records are not listed: ``audit_batch`` names their audit
    entries (``core.changes.batch_entries``), one per record, saying the owner and team before and
    after. Events stored before the batch was recorded have none.
    """

    suffix = "reassigned"
    count: int
    owner_id: uuid.UUID
    team_id: uuid.UUID | None
    audit_batch: str | None = None


class BulkChanged(EventPayload):
    """A bulk action on a list changed ``count`` records selected by ``filters`` (the list's
    parameters). Done in the request, it lists their ``ids``; done by the worker, it names the
    ``job_id`` whose "changed" items they are. Events stored before either was recorded have
    neither."""

    count: int
    filters: dict[str, Any]
    ids: list[uuid.UUID] | None = None
    job_id: uuid.UUID | None = None


class BulkTagAdded(BulkChanged):
    suffix = "bulk_tag_add"
    tag: str


class BulkTagRemoved(BulkChanged):
    suffix = "bulk_tag_remove"
    tag: str


class BulkFieldSet(BulkChanged):
    suffix = "bulk_field"
    field: str


class BulkDeleted(BulkChanged):
    suffix = "bulk_delete"


BULK_EVENTS: dict[str, type[BulkChanged]] = {
    "tag_add": BulkTagAdded,
    "tag_remove": BulkTagRemoved,
    "field": BulkFieldSet,
    "delete": BulkDeleted,
}


class ImportFinished(EventPayload):
    """An import job ended (``written``: its records were kept, not a dry run or a run a bad row
    stopped). ``audit_batch`` names the audit entries of every record it created or updated
    (``core.changes.batch_entries``); an unwritten run leaves none. Events stored before the batch
    was recorded have none."""

    name = "core.import.finished"
    importer: str
    dry_run: bool
    written: bool
    created: int
    updated: int
    failed: int
    audit_batch: str | None = None


# --- requests to messaging ----------------------------------------------------------------------------


class NotifyRequested(EventPayload):
    """An app asks messaging (which it may not import) for an in-app notification, delivered once
    per ``idempotency_key``; ``related_entity`` ("sales.deal") and ``related_id`` name the record
    it is about, if any."""

    name = "messaging.notify_requested"
    user_id: uuid.UUID
    subject: str
    body: str
    url: str
    idempotency_key: str = Field(min_length=1)
    related_entity: str = ""
    related_id: uuid.UUID | None = None


# --- requests to collections ------------------------------------------------------------------


class CollectionsPauseRequested(EventPayload):
    """An app (service, for an open complaint) asks collections to hold back for a customer while
    ``source`` lasts ("service.ticket:<id>"); one pause per source, lifted by
    ``CollectionsPauseLifted`` or on ``until``."""

    name = "collections.pause_requested"
    source: str = Field(min_length=1, max_length=120)
    reason: str
    company_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    until: datetime.date | None = None


class CollectionsPauseLifted(EventPayload):
    """What ``source`` asked collections to hold back for is over (the ticket was resolved)."""

    name = "collections.pause_lifted"
    source: str = Field(min_length=1, max_length=120)
