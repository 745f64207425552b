"""The pieces every domain app builds on: the base model, ownership, tags, custom fields, the audit
trail, the event log, attachments, saved views, idempotency records and the scheduler's claimed slots."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.ids import uuid7


class BaseModel(models.Model):
    """Every business record: a time-ordered UUID key, timestamps and a version.

    ``version`` grows by one on every write; a writer that read version N and finds N+1 in the
    database lost a race and gets a conflict instead of overwriting someone else's change.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True

    # Fields the audit trail never records (bookkeeping, or derived from other fields).
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"id", "created_at", "updated_at", "version"})


class OwnedModel(BaseModel):
    """A record that belongs to someone: the access policy reads these three columns.

    Visibility is decided from them at query time, never from per-record permission rows, so a
    change to a role's rules takes effect at once whatever the number of records.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    team = models.ForeignKey(
        "identity.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    territory = models.ForeignKey(
        "identity.Territory",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("territory"),
    )

    class Meta:
        abstract = True


class Tag(models.Model):
    """A label shared by companies and contacts ("VIP", "trade fair 2026")."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    name = models.CharField(_("name"), max_length=60, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#64748b")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    BOOLEAN = "boolean", _("Yes / no")
    MONEY = "money", _("Money")


class CustomFieldDefinition(BaseModel):
    """A field an admin adds to an entity; values live in the entity's ``custom`` JSON column."""

    entity = models.CharField(_("entity"), max_length=60, db_index=True)  # e.g. "people.contact"
    key = models.SlugField(_("key"), max_length=40, help_text=_("Used in the API, imports and exports."))
    label = models.CharField(_("label"), max_length=80)
    field_type = models.CharField(_("type"), max_length=20, choices=CustomFieldType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["entity", "position", "label"]
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="custom_field_unique_key")]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label

    @property
    def entity_name(self) -> str:
        """The records the field belongs to as people read them ("Contacts"), not ``people.contact``."""
        from django.apps import apps

        try:
            model = apps.get_model(self.entity)
        except (LookupError, ValueError):
            return self.entity
        return str(model._meta.verbose_name_plural).capitalize()


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    MERGE = "merge", _("merged")


class AuditEntry(models.Model):
    """Who changed what, when: one row per create, update, delete or merge of a record.

    ``changes`` maps a field to ``[before, after]``; a delete keeps the last values so the record
    can be told apart (and restored by hand) long after it is gone.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    entity = models.CharField(max_length=60)
    object_id = models.UUIDField()
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["entity", "object_id", "-at"], name="audit_object_idx")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.action} {self.entity} {self.object_id}"


class Event(models.Model):
    """The transactional outbox: appended in the same transaction as the change it reports.

    Consumers (notifications, webhooks, sync feed) run after commit from the worker, so a
    rolled-back write emits nothing and a crash after commit loses nothing: undelivered events are
    simply still here with ``dispatched_at`` empty.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    name = models.CharField(max_length=80)  # "people.contact.created"
    entity = models.CharField(max_length=60, blank=True)
    object_id = models.UUIDField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # After a failed dispatch the event waits (1, 2, 4... minutes) so a consumer whose mail server
    # is down for a while does not burn every attempt in the first seconds.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"],
                name="event_pending_idx",
                condition=models.Q(dispatched_at__isnull=True, failed_at__isnull=True),
            ),
            models.Index(fields=["entity", "object_id"], name="event_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.object_id}"


class Attachment(BaseModel):
    """A file attached to a record of any app (a contact, a deal, a quote...).

    The bytes live in the default storage (``var/files`` or an S3-compatible bucket) under a random
    name that says nothing about the file; the name the user gave is kept here. Files are never
    served from the storage directly: a download asks the access policy about the record first.
    """

    record_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    record_id = models.UUIDField()
    record = GenericForeignKey("record_type", "record_id")
    file_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    # Guessed from the file name, never taken from the browser; served only if it is a harmless one.
    mime_type = models.CharField(_("type"), max_length=100)
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    audit_exclude: ClassVar[frozenset[str]] = BaseModel.audit_exclude | {"storage_name"}
    # The timeline lists attachments among interactions and tells them apart by this.
    is_attachment: ClassVar[bool] = True

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["record_type", "record_id", "-created_at", "-id"], name="attachment_record_idx"),
        ]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.file_name


class SavedView(BaseModel):
    """A list's filters and sort, saved under a name by one user (or shared with everyone)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    entity = models.CharField(max_length=60)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(max_length=1000, blank=True)
    shared = models.BooleanField(_("shared with everyone"), default=False)
    # How the list looks in this view: the columns shown, in order (empty: the list's default), and
    # the row density.
    columns = models.JSONField(default=list, blank=True)
    density = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "entity", "name"], name="saved_view_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Density(models.TextChoices):
    COMFORTABLE = "comfortable", _("Comfortable")
    COMPACT = "compact", _("Compact")


class ListPreference(models.Model):
    """How one user last chose to see one list: its columns and row density."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    entity = models.CharField(max_length=60)
    columns = models.JSONField(default=list, blank=True)
    density = models.CharField(max_length=12, choices=Density.choices, default=Density.COMFORTABLE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "entity"], name="list_preference_unique_list")]

    def __str__(self) -> str:
        return f"{self.entity}: {self.density}"


class IdempotencyRecord(models.Model):
    """The response to a POST that carried ``Idempotency-Key``, so a retry gets the same answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return self.key


class ScheduledRun(models.Model):
    """One periodic job's run for one time slot; the unique pair stops two workers running it twice."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    claimed_at = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduled_run_unique_slot")]
        indexes = [models.Index(fields=["job", "-slot"], name="scheduled_run_latest_idx")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot.isoformat()}"


def entity_label(model: type[models.Model] | models.Model) -> str:
    """The stable name of a model in audit, events and custom fields: ``people.contact``."""
    return model._meta.label_lower


def as_uuid(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class ExchangeRate(models.Model):
    """How many units of the base currency (settings.DEFAULT_CURRENCY) one unit of ``currency``
    was worth on ``day``. Forecasts and reports in one currency convert through it."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    currency = models.CharField(_("currency"), max_length=3)
    day = models.DateField(_("day"))
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)

    class Meta:
        ordering = ["currency", "-day"]
        constraints = [models.UniqueConstraint(fields=["currency", "day"], name="exchange_rate_unique_day")]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")

    def __str__(self) -> str:
        return f"{self.currency} {self.day}: {self.rate}"


class Sequence(models.Model):
    """A named counter for human-facing numbers (quotes Q-2026-0001, invoices): incremented under a
    row lock, so two users never get the same number and a rolled-back write returns it."""

    name = models.CharField(max_length=60, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


def import_file_name(instance: Any, filename: str) -> str:
    """Where an uploaded import file is kept: a random name (the original one is a column), never
    under the static root and never given a URL."""
    suffix = Path(filename).suffix.lower()
    suffix = suffix if suffix in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm") else ".csv"
    return f"imports/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"


class ImportState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    CRASHED = "crashed", _("Stopped by an error")


class ImportJob(BaseModel):
    """A spreadsheet imported from the screens, from upload to summary.

    It keeps the uploaded file (in private storage, under a random name), how the file is read
    (encoding and separator, detected or chosen), which column feeds which field, and what the
    latest run did: a dry run or the import itself, its counts and every bad row's reasons. Runs go
    to the worker; ``written`` says the import wrote records, after which the job is done.
    """

    importer = models.CharField(_("kind"), max_length=40)  # a core.importers name: "contacts"
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=10, blank=True)  # the rows' messages are in it
    file = models.FileField(upload_to=import_file_name, max_length=200, blank=True)
    original_name = models.CharField(_("file"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)  # CSV only
    delimiter = models.CharField(_("separator"), max_length=1, blank=True)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True)  # header -> field, "" for none
    partial = models.BooleanField(_("import the good rows"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=ImportState.choices, default=ImportState.DRAFT)
    dry_run = models.BooleanField(default=False)  # what the queued, running or finished run is
    written = models.BooleanField(default=False)
    total = models.PositiveIntegerField(null=True, blank=True)  # rows in the file, counted by a run
    read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    extra = models.JSONField(default=dict, blank=True)  # an importer's own counts
    errors = models.JSONField(default=list, blank=True)  # [[line, field, message], ...]
    message = models.TextField(blank=True)  # why a run could not read the file
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="import_job_user_idx"),
            models.Index(fields=["state", "queued_at"], name="import_job_state_idx"),
        ]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.importer}: {self.original_name}"

    @property
    def encoding_label(self) -> str:
        from accord.core.tables import encoding_label

        return encoding_label(self.encoding) if self.encoding else ""


class ImportMapping(models.Model):
    """The mapping last chosen for files with this set of headers, offered the next time one comes."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    importer = models.CharField(max_length=40)
    headers_key = models.CharField(max_length=64)  # sha256 of the sorted, normalised headers
    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["importer", "headers_key"], name="import_mapping_unique_headers")
        ]

    def __str__(self) -> str:
        return f"{self.importer} {self.headers_key[:8]}"


class WorkerHeartbeat(models.Model):
    """A running ``accord worker`` says every few seconds that it is alive (core/workers.py), so
    an admin learns when no worker runs: then no task, reminder or automation runs either."""

    id = models.CharField(primary_key=True, max_length=64)  # the worker's id
    host = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    beat_at = models.DateTimeField(_("last seen"), default=timezone.now)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-beat_at"]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


class BulkJobState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    STOPPED = "stopped", _("Stopped by an error")


class BulkJob(BaseModel):
    """A bulk action on more records than one request changes (core/bulk_jobs.py): adding or
    removing a tag, editing a field or deleting, run by the worker in chunks.

    The records are frozen when the user confirms (``BulkJobItem`` rows: the keys the user could
    change then), so records added later are not touched. ``cursor`` is the last key done; each
    chunk commits its records' changes, their outcomes, the counts and the cursor together, so a
    run taken up again after a crash starts where the last one committed.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=10, blank=True)  # the records' messages are in it
    list_key = models.CharField(max_length=40)  # a core.lists screen: "contact"
    action = models.CharField(_("action"), max_length=20)  # "tag_add", "tag_remove", "field", "delete"
    inputs = models.JSONField(default=dict, blank=True)  # as confirmed: {"tag": ...}, {"field": ..., "value": ...}
    filters = models.JSONField(default=dict, blank=True)  # the list's parameters the records were selected by
    selected = models.PositiveIntegerField(default=0)  # records the selection matched
    total = models.PositiveIntegerField(default=0)  # of which frozen: those the user could change
    cursor = models.UUIDField(null=True, blank=True)  # the last key done, in key order
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)  # already as asked
    gone = models.PositiveIntegerField(default=0)  # deleted before their turn
    failed = models.PositiveIntegerField(default=0)
    state = models.CharField(_("state"), max_length=10, choices=BulkJobState.choices, default=BulkJobState.QUEUED)
    message = models.TextField(blank=True)  # why a run stopped
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    beat_at = models.DateTimeField(null=True, blank=True)  # the last chunk committed
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="bulk_job_user_idx"),
            models.Index(fields=["state", "beat_at"], name="bulk_job_state_idx"),
        ]
        verbose_name = _("bulk change")
        verbose_name_plural = _("bulk changes")

    def __str__(self) -> str:
        return f"{self.list_key}: {self.action} ({self.total})"


class BulkItemOutcome(models.TextChoices):
    TO_DO = "", _("To do")
    CHANGED = "changed", _("Changed")
    UNCHANGED = "unchanged", _("Already as asked")
    GONE = "gone", _("Deleted meanwhile")
    FAILED = "failed", _("Failed")


class BulkJobItem(models.Model):
    """One record of a bulk job's frozen selection, and what became of it (for a failure: the
    record's name then, the field and the reason)."""

    id = models.BigAutoField(primary_key=True)
    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="items")
    object_id = models.UUIDField()
    outcome = models.CharField(max_length=10, choices=BulkItemOutcome.choices, blank=True, default="")
    label = models.CharField(max_length=200, blank=True)
    field = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "object_id"], name="bulk_job_item_unique_record")]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.object_id}"
