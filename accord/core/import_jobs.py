"""Importing a spreadsheet from the screens: upload, map the columns, preview, dry run, import.

Each step is a service on an ``ImportJob``; the screens only parse and call them. Rows go through
the importer an app registered (core.importers), as the user who imports, exactly as
``accord import`` runs them, so both accept and refuse the same rows with the same messages.

A run (the dry run or the import) is done by the worker. An all-or-nothing import holds its
transaction to the end, so the rows done so far cannot be read from the database meanwhile (on
SQLite nothing else may even write); the worker publishes them in the ``progress`` cache (Redis,
or files under the var directory in the embedded deployment), and the job's row gets the final
counts.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import itertools
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accord.core import access, changes, dryrun, importers
from accord.core.event_types import ImportFinished
from accord.core.events import emit
from accord.core.importers import Importer, ImportReport, Outcome, RowError
from accord.core.models import ImportJob, ImportMapping, ImportState
from accord.core.tables import (
    DELIMITERS,
    XLSX_SUFFIXES,
    ImportFileError,
    Table,
    encoding_code,
    normalize_header,
    open_table,
)
from accord.core.tables import first_lines as decoded_lines

if TYPE_CHECKING:
    from accord.identity.models import User

log = logging.getLogger(__name__)

SUFFIXES = (".csv", ".txt", ".tsv", *XLSX_SUFFIXES)
PREVIEW_ROWS = 10
MAX_ERRORS = 20_000  # row errors kept on a job; the count of failed rows is always exact
# A run whose worker died is taken up again after this long (its transaction was rolled back).
STALE_RUN = datetime.timedelta(minutes=30)
# Runs no worker took (a nudge lost between commit and enqueue) are queued again after this long.
LOST_RUN = datetime.timedelta(minutes=5)


def max_upload_bytes() -> int:
    return int(settings.ACCORD_IMPORT_MAX_BYTES)


def require_import(actor: User) -> None:
    """Importing creates records: only those who may create records import."""
    access.require_create(actor)


def importer_of(job: ImportJob) -> Importer:
    found = importers.get(job.importer)
    if found is None:
        raise Http404
    return found


def visible_jobs(user: Any) -> QuerySet[ImportJob]:
    """A user's own imports; an administrator's view takes in everyone's."""
    jobs = ImportJob.objects.select_related("user")
    return jobs if access.is_admin(user) else jobs.filter(user_id=user.pk)


def job_for(user: Any, pk: Any) -> ImportJob:
    try:
        return visible_jobs(user).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def can_change(job: ImportJob) -> bool:
    """A job can be re-mapped and run again until a run has written records."""
    return job.state in (ImportState.DRAFT, ImportState.CRASHED) or (
        job.state == ImportState.FINISHED and not job.written
    )


# --- the file --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def local_file(job: ImportJob) -> Iterator[Path]:
    """The job's file as a local path: the stored file itself, or a temporary copy of it when the
    storage is remote (S3)."""
    storage, name = job.file.storage, job.file.name or ""
    try:
        local: str | None = storage.path(name)
    except NotImplementedError:
        local = None
    if local is not None:
        yield Path(local)
        return
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix) as copy, storage.open(name, "rb") as stored:
        shutil.copyfileobj(stored, copy)
        copy.flush()
        yield Path(copy.name)


def _open(job: ImportJob, path: Path) -> Table:
    return open_table(path, encoding=job.encoding or None, delimiter=job.delimiter or None)


def headers_key(headers: Sequence[str]) -> str:
    """The same for any file with the same headers, in any order, case or spacing."""
    return hashlib.sha256("\n".join(sorted(normalize_header(h) for h in headers)).encode()).hexdigest()


def _proposal(importer: Importer, headers: Sequence[str]) -> tuple[dict[str, str], bool]:
    """The mapping remembered for these headers (fields that no longer exist dropped), else the
    importer's guess; and whether it was remembered."""
    remembered = ImportMapping.objects.filter(importer=importer.name, headers_key=headers_key(headers)).first()
    if remembered is not None:
        allowed = {name for name, _label in importer.fields()}
        by_header = {normalize_header(h): f for h, f in remembered.mapping.items()}
        mapping = {}
        for header in headers:
            target = remembered.mapping.get(header, by_header.get(normalize_header(header), ""))
            mapping[header] = target if target in allowed else ""
        return mapping, True
    guess = importer.propose(headers, None)
    return {header: guess.get(header, "") for header in headers}, False


def _read_headers(job: ImportJob, importer: Importer, *, encoding: str, delimiter: str) -> None:
    """Read the file's headers (and first rows, so an unreadable file is refused at once) with the
    chosen or detected encoding and separator."""
    if encoding:
        encoding = encoding_code(encoding)
    if delimiter and delimiter not in DELIMITERS:
        raise ImportFileError(_("Separate columns with a comma, a semicolon or a tab."))
    with local_file(job) as path, open_table(path, encoding=encoding or None, delimiter=delimiter or None) as table:
        first = list(itertools.islice(table, PREVIEW_ROWS))
        if not first:
            raise ImportFileError(_("The file has a header but no rows below it."))
        changed = table.headers != job.headers
        job.encoding, job.delimiter, job.headers = table.encoding or "", table.delimiter or "", table.headers
    if changed or not job.mapping:
        job.mapping, _remembered = _proposal(importer, job.headers)


@transaction.atomic
def upload(
    *, actor: User, importer: Importer, file: UploadedFile, encoding: str = "", delimiter: str = ""
) -> ImportJob:
    """Step 1: keep the file and read its headers; the mapping is proposed (a remembered one first)."""
    require_import(actor)
    name = Path(file.name or "").name
    limit = max_upload_bytes()
    if not name or not file.size:
        raise ValidationError({"file": [_("Choose a CSV or XLSX file.")]})
    if file.size > limit:
        message = _("The file is %(size)s; files up to %(limit)s can be imported here. Split it into smaller files.")
        raise ValidationError({"file": [message % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)}]})
    if Path(name).suffix.lower() not in SUFFIXES:
        message = _("Import a CSV or XLSX file (in Excel: File, Save as, then CSV or Excel workbook).")
        raise ValidationError({"file": [message]})
    job = ImportJob(
        importer=importer.name,
        user=actor,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        original_name=name[:255],
        size=file.size,
    )
    job.file.save(name, file, save=False)
    # The file is stored before the job's row: whatever stops the job (an unreadable file, a
    # database error, an interrupted request) takes the file with it, so none is left orphaned.
    try:
        try:
            _read_headers(job, importer, encoding=encoding, delimiter=delimiter)
        except ImportFileError as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        job.save()
    except BaseException:
        job.file.delete(save=False)
        raise
    return job


def _editable(job: ImportJob) -> None:
    if job.state in (ImportState.QUEUED, ImportState.RUNNING):
        raise ValidationError({"__all__": [_("This import is running; wait for its result.")]})
    if not can_change(job):
        message = _("This import has already run; upload the file again to import it again.")
        raise ValidationError({"__all__": [message]})


@transaction.atomic
def reread(*, actor: User, job: ImportJob, encoding: str, delimiter: str) -> ImportJob:
    """Read the file again with another encoding or separator (the mapping stays if the headers do)."""
    job = _locked(actor, job)
    _editable(job)
    try:
        _read_headers(job, importer_of(job), encoding=encoding, delimiter=delimiter)
    except ImportFileError as exc:
        raise ValidationError({"encoding": [str(exc)]}) from exc
    _forget_run(job)
    job.version += 1
    job.save()
    return job


@transaction.atomic
def set_mapping(*, actor: User, job: ImportJob, mapping: Mapping[str, str], partial: bool) -> ImportJob:
    """Step 2: which column feeds which field; remembered for the next file with these headers."""
    job = _locked(actor, job)
    _editable(job)
    importer = importer_of(job)
    unknown = [header for header in mapping if header not in job.headers]
    if unknown:
        raise ValidationError({"__all__": [_("The file has no column %(header)s.") % {"header": unknown[0]}]})
    chosen = {header: mapping.get(header, "") or "" for header in job.headers}
    errors = importers.check_mapping(importer, job.headers, chosen)
    if errors:
        raise ValidationError(errors)
    if not any(chosen.values()):
        raise ValidationError({"__all__": [_("Choose a field for at least one column.")]})
    if chosen != job.mapping:
        _forget_run(job)
    job.mapping, job.partial = chosen, partial
    job.version += 1
    job.save()
    ImportMapping.objects.update_or_create(
        importer=job.importer,
        headers_key=headers_key(job.headers),
        defaults={"mapping": chosen, "updated_by": actor},
    )
    return job


def first_lines(job: ImportJob) -> list[str]:
    """The file's first lines as its encoding decodes them (none for a workbook)."""
    if not job.encoding or not job.file:
        return []
    with local_file(job) as path:
        return decoded_lines(path, job.encoding)


def samples(job: ImportJob, rows: int = 20, per_column: int = 3) -> dict[str, list[str]]:
    """A few different values of each column from the first rows, by header."""
    found: dict[str, list[str]] = {header: [] for header in job.headers}
    try:
        with local_file(job) as path, _open(job, path) as table:
            for _line, cells in itertools.islice(table, rows):
                for header, value in cells.items():
                    value = value.strip()
                    if value and len(found[header]) < per_column and value not in found[header]:
                        found[header].append(value if len(value) <= 60 else value[:60] + "…")
    except ImportFileError as exc:
        raise ValidationError({"__all__": [str(exc)]}) from exc
    return found


def remembered_at(job: ImportJob) -> datetime.datetime | None:
    """When the mapping offered for this job's headers was chosen, if it was remembered."""
    found = ImportMapping.objects.filter(importer=job.importer, headers_key=headers_key(job.headers)).first()
    return found.updated_at if found is not None else None


def _locked(actor: User, job: ImportJob) -> ImportJob:
    require_import(actor)
    return visible_jobs(actor).select_for_update(of=("self",)).get(pk=job.pk)


def _forget_run(job: ImportJob) -> None:
    job.state = ImportState.DRAFT
    job.dry_run = job.written = False
    job.total = None
    job.read = job.created = job.updated = job.unchanged = job.failed = 0
    job.extra, job.errors, job.message = {}, [], ""
    job.queued_at = job.started_at = job.finished_at = None


# --- preview ---------------------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    line: int
    outcome: Outcome
    values: list[str]  # one per previewed field
    errors: list[RowError] = field(default_factory=list)
    repeats: int | None = None  # the earlier line this row repeats, cell for cell


@dataclass
class Preview:
    fields: list[tuple[str, str]]  # (field, label) of the mapped columns, in the file's order
    rows: list[PreviewRow]
    lines: list[str]  # the file's first lines as decoded, so a wrong encoding shows


def preview(*, actor: User, job: ImportJob, limit: int = PREVIEW_ROWS) -> Preview:
    """Step 3: the first rows as they will be stored, each bad row with its reasons.

    The rows really go through the importer, in a transaction rolled back at the end, so the
    values shown are what the services make of them (a phone in international form, a matched
    contact's e-mails) and the errors are the import's own.
    """
    require_import(actor)
    importer = importer_of(job)
    labels = dict(importer.fields())
    mapped = [(name, labels.get(name, name)) for header, name in job.mapping.items() if name]
    with local_file(job) as path:
        lines = decoded_lines(path, job.encoding) if job.encoding else []
        try:
            with _open(job, path) as table:
                rows = list(itertools.islice(table, limit))
        except ImportFileError as exc:
            raise ValidationError({"__all__": [str(exc)]}) from exc
    seen: dict[int, tuple[Outcome, Any]] = {}

    def observe(line: int, outcome: Outcome, pk: Any) -> None:
        seen[line] = (outcome, pk)

    with transaction.atomic():
        report = importer.run(
            rows, job.mapping, actor=actor, owner=actor, partial=True, observe=observe, source=job.original_name
        )
        stored = importer.preview([pk for _outcome, pk in seen.values() if pk is not None])
        transaction.set_rollback(True)
    by_field = {name: header for header, name in job.mapping.items() if name}
    result = []
    first_seen: dict[tuple[str, ...], int] = {}
    for line, cells in rows:
        outcome, pk = seen.get(line, (Outcome.FAILED, None))
        record = stored.get(pk, {})
        values = [record[name] if name in record else cells.get(by_field[name], "").strip() for name, _l in mapped]
        # The same cells in any case and spacing: a row pasted twice, which adds nothing.
        key = tuple(" ".join(cells.get(header, "").casefold().split()) for header in by_field.values())
        row = PreviewRow(line, outcome, values, [e for e in report.errors if e.line == line])
        earlier = first_seen.setdefault(key, line)
        row.repeats = earlier if earlier != line else None
        result.append(row)
    return Preview(fields=mapped, rows=result, lines=lines)


# --- runs ------------------------------------------------------------------------------------------------


@transaction.atomic
def start(*, actor: User, job: ImportJob, dry_run: bool, partial: bool | None = None) -> ImportJob:
    """Step 4: queue the dry run or the import for the worker."""
    job = _locked(actor, job)
    _editable(job)
    if not any(job.mapping.values()):
        raise ValidationError({"__all__": [_("Choose a field for at least one column.")]})
    _forget_run(job)
    if partial is not None:
        job.partial = partial
    job.state, job.dry_run, job.queued_at = ImportState.QUEUED, dry_run, timezone.now()
    job.version += 1
    job.save()
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(pk: Any) -> None:
    from accord.core.tasks import run_import

    try:
        run_import.enqueue(str(pk))
    except Exception:
        # The periodic sweep queues it again; losing the nudge costs minutes, not the import.
        log.exception("could not enqueue import %s", pk)


def _cache() -> Any:
    return caches["progress"] if "progress" in settings.CACHES else caches["default"]


def _progress_key(pk: Any) -> str:
    return f"accord:import:{pk}"


def publish_progress(pk: Any, read: int) -> None:
    """Rows done so far; also the run's heartbeat (see ``_alive``)."""
    _cache().set(_progress_key(pk), {"read": read, "at": time.time()}, timeout=24 * 3600)


def _published(pk: Any) -> dict[str, Any]:
    found = _cache().get(_progress_key(pk))
    return found if isinstance(found, dict) else {}


def _alive(pk: Any) -> bool:
    """Whether the run's worker reported lately: a long import is not a dead one."""
    return time.time() - float(_published(pk).get("at", 0)) < STALE_RUN.total_seconds()


def progress_of(job: ImportJob) -> tuple[int, int | None]:
    """(rows done, rows in the file) of a run: from the worker while it runs, else the row's."""
    if job.state == ImportState.RUNNING:
        return int(_published(job.pk).get("read", 0)), job.total
    return job.read, job.total


def _claim(pk: Any) -> bool:
    """Take a queued run, or one whose worker died (silent for ``STALE_RUN``), for this worker."""
    now = timezone.now()
    if ImportJob.objects.filter(pk=pk, state=ImportState.QUEUED).update(state=ImportState.RUNNING, started_at=now):
        return True
    stale = ImportJob.objects.filter(pk=pk, state=ImportState.RUNNING, started_at__lt=now - STALE_RUN)
    return not _alive(pk) and bool(stale.update(started_at=now))


def run(pk: Any) -> ImportJob | None:
    """A queued run, as the worker does it (any number of times: only one takes the job)."""
    if not _claim(pk):
        return None
    job = ImportJob.objects.select_related("user", "user__role").get(pk=pk)
    importer = importer_of(job)
    actor = job.user
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            with local_file(job) as path:
                with _open(job, path) as table:
                    total = sum(1 for _row in table)
                ImportJob.objects.filter(pk=pk).update(total=total)
                job.total = total
                publish_progress(pk, 0)
                with (
                    dryrun.isolated() if job.dry_run else contextlib.nullcontext(),
                    _open(job, path) as table,
                    changes.audit_batch() as batch,
                ):
                    report = importer.run(
                        table,
                        job.mapping,
                        actor=actor,
                        owner=actor,
                        partial=job.partial,
                        dry_run=job.dry_run,
                        progress=lambda read: publish_progress(pk, read),
                        source=job.original_name,
                    )
        except ImportFileError as exc:
            return _crashed(job, str(exc))
        except Exception:
            log.exception("import %s failed", pk)
            return _crashed(job, _("The import stopped on an unexpected error; nothing more was written."))
        return _finished(job, report, audit_batch=batch.key)


@transaction.atomic
def _finished(job: ImportJob, report: ImportReport, *, audit_batch: str) -> ImportJob:
    """Record the run's outcome; its event names the audit batch of every record it wrote
    (an import may write a million: the event cannot list them)."""
    job.state, job.finished_at = ImportState.FINISHED, timezone.now()
    job.written = report.written
    job.read, job.created, job.updated = report.read, report.created, report.updated
    job.unchanged, job.failed, job.extra = report.unchanged, report.failed, report.extra()
    job.errors = [[e.line, e.field, e.message] for e in report.errors[:MAX_ERRORS]]
    job.version += 1
    job.save()
    finished = ImportFinished(
        importer=job.importer,
        dry_run=job.dry_run,
        written=job.written,
        created=job.created,
        updated=job.updated,
        failed=job.failed,
        audit_batch=audit_batch if job.written else None,
    )
    emit(finished, obj=job, actor=job.user)
    return job


def _crashed(job: ImportJob, message: str) -> ImportJob:
    job.state, job.finished_at, job.message = ImportState.CRASHED, timezone.now(), message
    job.version += 1
    job.save(update_fields=["state", "finished_at", "message", "version", "updated_at"])
    return job


def resume_lost_runs() -> int:
    """Queue again the runs no worker took (a lost nudge) or whose worker died; returns how many."""
    now = timezone.now()
    lost = ImportJob.objects.filter(
        Q(state=ImportState.QUEUED, queued_at__lt=now - LOST_RUN)
        | Q(state=ImportState.RUNNING, started_at__lt=now - STALE_RUN)
    ).values_list("pk", "state")
    count = 0
    for pk, state in lost:
        if state == ImportState.RUNNING and _alive(pk):
            continue  # long, not lost
        _enqueue(pk)
        count += 1
    return count


def prune_files(*, keep_days: int = 30, draft_days: int = 7) -> int:
    """Delete the files of imports finished a month ago, and the drafts nobody ran for a week."""
    now = timezone.now()
    count = 0
    old = ImportJob.objects.filter(
        Q(finished_at__lt=now - datetime.timedelta(days=keep_days))
        | Q(state=ImportState.DRAFT, updated_at__lt=now - datetime.timedelta(days=draft_days))
    ).exclude(file="")
    for job in old.iterator():
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count


# --- the summary -----------------------------------------------------------------------------------------


def failed_rows(job: ImportJob, describe: Callable[[str], str] | None = None) -> Iterator[dict[str, str]]:
    """The rows that failed, as the file had them, each with its line and reasons (``describe``
    names an error's key: the file's column), so they can be fixed in a spreadsheet and imported again."""
    reasons: dict[int, list[str]] = {}
    for line, key, message in job.errors:
        where = describe(key) if describe else key
        reasons.setdefault(line, []).append(f"{where}: {message}" if where and key != "__all__" else message)
    if not reasons or not job.file:
        return
    with local_file(job) as path, _open(job, path) as table:
        for line, cells in table:
            if line in reasons:
                yield {**cells, "\x00line": str(line), "\x00errors": "; ".join(reasons[line])}
