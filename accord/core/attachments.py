"""Files attached to records (mechanism 9): which records take them, storing, scanning, serving.

An app makes its records attachable with ``enable(Deal)``: their pages get the attachments panel
and the upload, download and delete screens and endpoints accept them. Who may see a file is who
may see its record; who may attach one is who may change the record (or the record that guards it:
a quote is changed through its deal); the uploader may also take their own file away.

Storing a file and recording it are two systems that share no transaction. The bytes are written
first, under a random name, and the row, its audit entry and its event commit together after; if
that transaction fails, the file is deleted before the error goes on. A process killed between
the two (or an enclosing transaction of the caller rolled back) leaves a file that nothing refers
to: ``sweep_stray_files`` removes those once they are two days old. The other way round (writing
after the commit) would leave, on a failed write, a row for a file that does not exist.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import mimetypes
import re
import shlex
import subprocess
import tempfile
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, changes, panels
from accord.core.access import AccessDenied, Action
from accord.core.errors import check_version
from accord.core.models import Attachment, entity_label

if TYPE_CHECKING:
    from accord.identity.models import User

log = logging.getLogger(__name__)

STORAGE_PREFIX = "attachments"
PANEL_LIMIT = 100
CHUNK = 64 * 1024

# Types a download may be labelled with. Anything else (HTML, SVG, XML, scripts: what a browser
# might run) goes out as application/octet-stream; every download is an attachment with nosniff.
SERVED_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "audio/mpeg",
        "video/mp4",
    }
)


# --- which records take attachments ---------------------------------------------------------------


@dataclass(frozen=True)
class Attachable:
    model: type[models.Model]
    # The attribute naming the record whose change permission decides (a quote's "deal"), if not itself.
    change_via: str = ""


_attachable: dict[str, Attachable] = {}


def enable(model: type[models.Model], *, change_via: str = "", slot: str = "side", order: int = 30) -> None:
    """Let ``model``'s records carry files, and show the attachments panel on their pages."""
    entity = entity_label(model)
    _attachable[entity] = Attachable(model=model, change_via=change_via)
    panels.register(
        entity,
        panels.Panel(
            name="attachments", template="core/_attachments_panel.html", context=panel_context, slot=slot, order=order
        ),
    )


def _spec(entity: str) -> Attachable:
    spec = _attachable.get(entity)
    if spec is None:
        raise Http404
    return spec


def visible_record(user: Any, entity: str, record_id: Any) -> models.Model:
    """The record files are attached to, if ``user`` may see it (else 404, as for its page)."""
    return access.get_visible(user, _spec(entity).model._default_manager.all(), pk=record_id)


def _guard(record: models.Model) -> models.Model:
    spec = _spec(entity_label(record))
    return getattr(record, spec.change_via) if spec.change_via else record


def can_attach(user: Any, record: models.Model) -> bool:
    return access.can_view(user, record) and access.can(user, Action.CHANGE, _guard(record))


def can_remove(user: Any, attachment: Attachment, record: models.Model) -> bool:
    if not access.can_view(user, record):
        return False
    if attachment.uploaded_by_id is not None and attachment.uploaded_by_id == user.pk and access.can_edit_any(user):
        return True
    return can_attach(user, record)


def _require_attach(user: Any, record: models.Model) -> None:
    if not access.can_view(user, record):
        raise Http404
    if not can_attach(user, record):
        raise AccessDenied()


# --- reading ---------------------------------------------------------------------------------------


def for_record(record: models.Model) -> models.QuerySet[Attachment]:
    """The record's files, newest first. The caller has established that the user may see it."""
    # The content type by its natural key, joined: no lookup (or cache) before the query.
    meta = record._meta
    return Attachment.objects.filter(
        record_type__app_label=meta.app_label, record_type__model=meta.model_name, record_id=record.pk
    ).select_related("uploaded_by")


def record_of(attachment: Attachment) -> models.Model | None:
    model = attachment.record_type.model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=attachment.record_id).first()


def visible_attachment(user: Any, pk: Any) -> tuple[Attachment, models.Model]:
    """An attachment and its record, or 404 when either is absent or the record is out of sight."""
    try:
        attachment = Attachment.objects.select_related("record_type", "uploaded_by").get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    record_type = attachment.record_type
    record = visible_record(user, f"{record_type.app_label}.{record_type.model}", attachment.record_id)
    return attachment, record


def served_type(attachment: Attachment) -> str:
    return attachment.mime_type if attachment.mime_type in SERVED_TYPES else "application/octet-stream"


def content_disposition(file_name: str) -> str:
    """``attachment`` with the name twice: plain ASCII for old clients, and RFC 5987's UTF-8 form.
    Neither can carry a quote, a semicolon or a line break out of its parameter."""
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", file_name) if not unicodedata.combining(ch))
    plain = re.sub(r"[^A-Za-z0-9 ._()+,-]", "_", plain).strip() or "file"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def file_response(attachment: Attachment) -> FileResponse:
    """The file as a download, never as a page: a conservative type, nosniff, no caching by proxies."""
    try:
        handle = default_storage.open(attachment.storage_name, "rb")
    except FileNotFoundError as exc:
        log.error("attachment %s: stored file %s is missing", attachment.pk, attachment.storage_name)
        raise Http404 from exc
    response = FileResponse(handle, content_type=served_type(attachment))
    response["Content-Disposition"] = content_disposition(attachment.file_name)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- receiving a file --------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(settings.ACCORD_MAX_UPLOAD_MB) * 1024 * 1024


def clean_file_name(raw: str) -> str:
    """The name as the user will see it again: no folders, no control or direction-changing
    characters (which can make ``gpj.exe`` look like ``exe.jpg``), no leading dots, 200 characters
    at most with the extension kept."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split()).strip(" .")
    if not name:
        return _("file")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        keep_extension = bool(dot and stem) and len(extension) <= 16
        name = f"{stem[: 199 - len(extension)]}.{extension}" if keep_extension else name[:200]
    return name


def guess_type(file_name: str) -> str:
    guessed, _encoding = mimetypes.guess_type(file_name, strict=False)
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class Received:
    """An upload copied to a local temporary file, measured, hashed and scanned."""

    path: str
    handle: IO[bytes]
    file_name: str
    size: int
    sha256: str
    mime_type: str


def _scan(path: str, file_name: str) -> None:
    """Run the configured virus scanner on the file; a non-zero exit refuses it. A scanner that
    cannot be run refuses it too: a file nobody checked is not stored."""
    command = settings.ACCORD_VIRUS_SCAN_COMMAND
    if not command:
        return
    try:
        # The command is the operator's setting and the path one argument, never a shell line.
        result = subprocess.run(  # noqa: S603
            [*shlex.split(command), path],
            capture_output=True,
            timeout=settings.ACCORD_VIRUS_SCAN_TIMEOUT,
            check=False,
        )
    except (OSError, ValueError, subprocess.TimeoutExpired):
        log.exception("virus scanner %r could not check %s", command, file_name)
        raise ValidationError(
            {"file": [_("The file could not be checked for viruses, so it was not stored. Try again later.")]}
        ) from None
    if result.returncode != 0:
        output = (result.stdout or result.stderr or b"").decode("utf-8", "replace").replace(path, file_name)
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        log.warning("virus scanner refused %s (exit %s): %s", file_name, result.returncode, " / ".join(lines)[:500])
        reason = lines[0][:200] if lines else ""
        message = (
            _("The virus scanner refused this file: %(reason)s") % {"reason": reason}
            if reason
            else _("The virus scanner refused this file.")
        )
        raise ValidationError({"file": [message]})


@contextlib.contextmanager
def received(upload: File, *, file_name: str | None = None) -> Iterator[Received]:
    """Copy ``upload`` to a temporary file (hashing it, and stopping as soon as it is too large),
    check it and yield it; the temporary file is gone afterwards. Raises ValidationError on
    ``file`` for an empty, oversized or refused file."""
    limit = max_upload_bytes()
    name = clean_file_name(file_name if file_name is not None else (upload.name or ""))
    with tempfile.NamedTemporaryFile(prefix="accord-upload-", dir=settings.FILE_UPLOAD_TEMP_DIR) as spool:
        digest = hashlib.sha256()
        size = 0
        for chunk in upload.chunks(CHUNK):
            size += len(chunk)
            if size > limit:
                raise ValidationError(
                    {
                        "file": [
                            _("The file is larger than %(limit)s MB, the most Accord accepts.")
                            % {"limit": settings.ACCORD_MAX_UPLOAD_MB}
                        ]
                    }
                )
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise ValidationError({"file": [_("The file is empty.")]})
        spool.flush()
        _scan(spool.name, name)
        spool.seek(0)
        yield Received(
            path=spool.name,
            handle=spool,
            file_name=name,
            size=size,
            sha256=digest.hexdigest(),
            mime_type=guess_type(name),
        )


# --- changing -----------------------------------------------------------------------------------------


def _storage_name() -> str:
    # One folder per day, so the sweep of stray files reads a few folders, not the whole store.
    return f"{STORAGE_PREFIX}/{timezone.now():%Y-%m-%d}/{uuid.uuid4().hex}"


def attach_received(*, actor: User | None, record: models.Model, incoming: Received) -> Attachment:
    """Store a received file and attach it to ``record``: the audit entry and the event commit
    with the row; a failed transaction deletes the stored file again."""
    if actor is not None:
        _require_attach(actor, record)
    incoming.handle.seek(0)
    stored = default_storage.save(_storage_name(), File(incoming.handle, name=incoming.file_name))
    try:
        with transaction.atomic():
            # Lock the record, so a delete running at the same time cannot leave a file
            # attached to nothing.
            model = type(record)
            if not model._default_manager.select_for_update().filter(pk=record.pk).values_list("pk", flat=True):
                raise ValidationError({"file": [_("This record no longer exists.")]})
            attachment = Attachment.objects.create(
                record_type=ContentType.objects.get_for_model(record),
                record_id=record.pk,
                file_name=incoming.file_name,
                size=incoming.size,
                mime_type=incoming.mime_type,
                sha256=incoming.sha256,
                storage_name=stored,
                uploaded_by=actor if getattr(actor, "pk", None) else None,
            )
            changes.record_create(actor=actor, obj=attachment)
    except BaseException:
        _delete_stored(stored)
        raise
    return attachment


def attach_file(*, actor: User | None, record: models.Model, upload: File, file_name: str | None = None) -> Attachment:
    """Check, scan, store and attach one uploaded file."""
    if actor is not None:
        _require_attach(actor, record)
    with received(upload, file_name=file_name) as incoming:
        return attach_received(actor=actor, record=record, incoming=incoming)


def remove_attachment(*, actor: User | None, attachment: Attachment, expected_version: int | None = None) -> None:
    """Delete an attachment (audited); its stored file goes once the deletion has committed."""
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().filter(pk=attachment.pk).first()
        if locked is None:
            raise Http404
        if actor is not None:
            record = record_of(locked)
            if record is None or not access.can_view(actor, record):
                raise Http404
            if not can_remove(actor, locked, record):
                raise AccessDenied()
        check_version(locked, expected_version)
        changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
        locked.delete()
        stored = locked.storage_name
        transaction.on_commit(lambda: _delete_stored(stored))


def _delete_stored(name: str) -> None:
    try:
        default_storage.delete(name)
    except Exception:
        # The row is gone; the file is a stray that the nightly sweep takes.
        log.exception("could not delete stored file %s", name)


# --- housekeeping ---------------------------------------------------------------------------------------


def sweep_detached(batch_size: int = 500) -> int:
    """Delete the attachments of records that no longer exist (a deleted contact, the quotes of a
    deleted deal), with their files. Returns how many went."""
    removed = 0
    for type_id in Attachment.objects.values_list("record_type", flat=True).distinct().order_by():
        record_type = ContentType.objects.get_for_id(type_id)
        model = record_type.model_class()
        orphans = Attachment.objects.filter(record_type=record_type)
        if model is not None:
            orphans = orphans.exclude(record_id__in=model._default_manager.values("pk"))
        for attachment in list(orphans[:batch_size]):
            remove_attachment(actor=None, attachment=attachment)
            removed += 1
    return removed


def sweep_stray_files(*, now: datetime.datetime | None = None, days: int = 30) -> int:
    """Delete stored files that no attachment refers to: left by a process killed between storing a
    file and committing its row. Only folders at least two days old are read, so an upload in
    progress is never taken for a stray."""
    today = (now or timezone.now()).date()
    deleted = 0
    for back in range(2, days + 1):
        folder = f"{STORAGE_PREFIX}/{today - datetime.timedelta(days=back):%Y-%m-%d}"
        try:
            _dirs, files = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        for start in range(0, len(files), 500):
            names = [f"{folder}/{name}" for name in files[start : start + 500]]
            known = set(Attachment.objects.filter(storage_name__in=names).values_list("storage_name", flat=True))
            for name in names:
                if name not in known:
                    _delete_stored(name)
                    deleted += 1
    return deleted


# --- the panel on a record's page ----------------------------------------------------------------


def panel_context(request: HttpRequest, record: models.Model, *, errors: list[str] | None = None) -> dict[str, Any]:
    user = request.user
    may_attach = can_attach(user, record)
    may_edit = access.can_edit_any(user)
    rows = list(for_record(record)[: PANEL_LIMIT + 1])
    items = [
        (a, may_attach or (may_edit and a.uploaded_by_id is not None and a.uploaded_by_id == user.pk))
        for a in rows[:PANEL_LIMIT]
    ]
    return {
        "record": record,
        "entity": entity_label(record),
        "items": items,
        "more": len(rows) > PANEL_LIMIT,
        "can_attach": may_attach,
        "max_mb": settings.ACCORD_MAX_UPLOAD_MB,
        "errors": errors or [],
    }
