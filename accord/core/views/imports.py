"""The import screens: upload, map the columns, preview, dry run or import, summary.

Thin: each view parses the request, calls a service of ``core.import_jobs`` and renders. Works for
every kind of record an app registers in ``core.importers``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accord.core import exports, import_jobs, importers
from accord.core.errors import message_dict
from accord.core.forms import apply_errors
from accord.core.htmx import is_htmx
from accord.core.models import ImportJob, ImportState
from accord.core.requests import AuthedRequest
from accord.core.tables import DELIMITERS, ENCODINGS

ERRORS_SHOWN = 100  # rows of errors on the summary; the download has them all

_DETECT = [("", gettext_lazy("Detect automatically"))]


def _encoding_choices() -> list[tuple[str, Any]]:
    return [*_DETECT, *ENCODINGS.items()]


def _delimiter_choices() -> list[tuple[str, Any]]:
    return [*_DETECT, *DELIMITERS.items()]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or Excel file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.xlsm"}),
    )
    encoding = forms.ChoiceField(label=gettext_lazy("Encoding"), choices=_encoding_choices, required=False)
    delimiter = forms.ChoiceField(label=gettext_lazy("Separator"), choices=_delimiter_choices, required=False)


class ReadForm(forms.Form):
    encoding = forms.ChoiceField(label=gettext_lazy("Encoding"), choices=_encoding_choices, required=False)
    delimiter = forms.ChoiceField(label=gettext_lazy("Separator"), choices=_delimiter_choices, required=False)


class MappingForm(forms.Form):
    """One choice per column of the file: a field, or "do not import"."""

    partial = forms.BooleanField(
        label=gettext_lazy("Import the good rows and report the rest"),
        help_text=gettext_lazy("Otherwise nothing is imported while any row has an error."),
        required=False,
    )

    def __init__(self, *args: Any, job: ImportJob, importer: importers.Importer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = list(job.headers)
        choices = [("", _("Do not import")), *importer.fields()]
        for index, header in enumerate(self.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=job.mapping.get(header, "")
            )
        self.fields["partial"].initial = job.partial

    def columns(self) -> list[forms.BoundField]:
        return [self[f"col_{index}"] for index in range(len(self.headers))]

    def mapping(self) -> dict[str, str]:
        return {header: self.cleaned_data.get(f"col_{i}") or "" for i, header in enumerate(self.headers)}

    def add_service_errors(self, exc: ValidationError) -> None:
        """Errors keyed by header go on that column's choice; the rest above the form."""
        index = {header: f"col_{i}" for i, header in enumerate(self.headers)}
        for key, found in message_dict(exc).items():
            for message in found:
                self.add_error(index.get(key), message)


def _importer(name: str) -> importers.Importer:
    found = importers.get(name)
    if found is None:
        raise Http404
    return found


def _job(request: AuthedRequest, pk: Any) -> tuple[ImportJob, importers.Importer]:
    import_jobs.require_import(request.user)
    job = import_jobs.job_for(request.user, pk)
    return job, import_jobs.importer_of(job)


def _steps(current: int) -> list[dict[str, Any]]:
    names = [_("Upload"), _("Columns"), _("Preview"), _("Import"), _("Summary")]
    return [
        {"number": i, "name": name, "current": i == current, "done": i < current} for i, name in enumerate(names, 1)
    ]


@login_required
def start(request: AuthedRequest, name: str) -> HttpResponse:
    """Step 1: the file, and (rarely needed) its encoding and separator."""
    importer = _importer(name)
    import_jobs.require_import(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_jobs.upload(
                actor=request.user,
                importer=importer,
                file=form.cleaned_data["file"],
                encoding=form.cleaned_data["encoding"],
                delimiter=form.cleaned_data["delimiter"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("core:import-columns", pk=job.pk)
    recent = import_jobs.visible_jobs(request.user).filter(importer=importer.name)[:5]
    context = {
        "importer": importer,
        "form": form,
        "recent": recent,
        "steps": _steps(1),
        "max_size": import_jobs.max_upload_bytes(),
    }
    return render(request, "core/imports/upload.html", context, status=422 if form.errors else 200)


@login_required
def columns(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    """Step 2: which column feeds which field; the file read again in another encoding on request."""
    job, importer = _job(request, pk)
    if not import_jobs.can_change(job):
        return redirect("core:import-job", pk=job.pk)
    read_form = ReadForm(initial={"encoding": job.encoding, "delimiter": job.delimiter})
    form = MappingForm(job=job, importer=importer)
    status = 200
    if request.method == "POST" and "reread" in request.POST:
        read_form = ReadForm(request.POST)
        if read_form.is_valid():
            try:
                job = import_jobs.reread(
                    actor=request.user,
                    job=job,
                    encoding=read_form.cleaned_data["encoding"],
                    delimiter=read_form.cleaned_data["delimiter"],
                )
            except ValidationError as exc:
                apply_errors(read_form, exc)
                status = 422
            else:
                return redirect("core:import-columns", pk=job.pk)
    elif request.method == "POST":
        form = MappingForm(request.POST, job=job, importer=importer)
        if form.is_valid():
            try:
                job = import_jobs.set_mapping(
                    actor=request.user, job=job, mapping=form.mapping(), partial=form.cleaned_data["partial"]
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                return redirect("core:import-preview", pk=job.pk)
        status = 422
    samples = _samples(job)
    context = {
        "job": job,
        "importer": importer,
        "form": form,
        "read_form": read_form,
        "rows": [(field, samples.get(str(field.label), [])) for field in form.columns()],
        "lines": import_jobs.first_lines(job),
        "remembered_at": import_jobs.remembered_at(job),
        "date_formats": importers.date_formats(),
        "steps": _steps(2),
    }
    return render(request, "core/imports/columns.html", context, status=status)


def _samples(job: ImportJob) -> dict[str, list[str]]:
    """A few values of each column, so a column is recognised by what it holds."""
    try:
        return import_jobs.samples(job)
    except ValidationError:
        return {}


@login_required
def preview(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    """Step 3: the first rows as they will be stored, each bad row with its reasons."""
    job, importer = _job(request, pk)
    if not import_jobs.can_change(job):
        return redirect("core:import-job", pk=job.pk)
    try:
        shown = import_jobs.preview(actor=request.user, job=job)
    except ValidationError as exc:
        for message in message_dict(exc).get("__all__", []):
            messages.error(request, message)
        return redirect("core:import-columns", pk=job.pk)
    context = {
        "job": job,
        "importer": importer,
        "preview": shown,
        "rows": [
            {
                "row": row,
                "cells": list(zip(shown.fields, row.values, strict=True)),
                "errors": [(importer.column_of(job.mapping, e.field), e.message) for e in row.errors],
            }
            for row in shown.rows
        ],
        "steps": _steps(3),
    }
    return render(request, "core/imports/preview.html", context)


@login_required
@require_POST
def run(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    """Step 4: queue the dry run or the import (``dry_run``, ``partial`` from the form)."""
    job, _kind = _job(request, pk)
    partial = request.POST.get("partial")
    try:
        import_jobs.start(
            actor=request.user,
            job=job,
            dry_run=request.POST.get("dry_run") == "1",
            partial=None if partial is None else partial == "1",
        )
    except ValidationError as exc:
        for found in message_dict(exc).values():
            for message in found:
                messages.error(request, message)
    return redirect("core:import-job", pk=job.pk)


def _status_context(job: ImportJob, importer: importers.Importer) -> dict[str, Any]:
    done, total = import_jobs.progress_of(job)
    errors = [
        {"line": line, "column": importer.column_of(job.mapping, key), "message": message}
        for line, key, message in job.errors[:ERRORS_SHOWN]
    ]
    return {
        "job": job,
        "importer": importer,
        "done": done,
        "total": total,
        "percent": min(100, round(100 * done / total)) if total else 0,
        "working": job.state in (ImportState.QUEUED, ImportState.RUNNING),
        "errors": errors,
        "more_errors": max(0, job.failed - len({e["line"] for e in errors})),
        "extra": [(importer.extra_labels.get(k, k), v) for k, v in job.extra.items() if v],
        "can_change": import_jobs.can_change(job),
        "failed_rows_query": urlencode({"format": _errors_format(job)}),
        "list_url": reverse(importer.list_url),
    }


@login_required
def job_view(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    """Steps 4 and 5: the run's progress, then what it did."""
    job, importer = _job(request, pk)
    if job.state == ImportState.DRAFT:
        return redirect("core:import-columns", pk=job.pk)
    context = {**_status_context(job, importer), "steps": _steps(4 if job.dry_run or not job.written else 5)}
    if job.state == ImportState.FINISHED and job.written:
        context["steps"] = _steps(5)
    return render(request, "core/imports/job.html", context)


@login_required
def progress(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    """The progress bar, polled by htmx while the run runs; the summary once it is done."""
    job, importer = _job(request, pk)
    if not is_htmx(request):
        return redirect("core:import-job", pk=job.pk)
    context = _status_context(job, importer)
    if not context["working"]:
        # The summary changes the page's steps and actions too: show the whole page.
        return HttpResponse(status=204, headers={"HX-Redirect": reverse("core:import-job", args=[job.pk])})
    return render(request, "core/imports/_progress.html", context)


def _errors_format(job: ImportJob) -> str:
    """The failed rows come back in the file's own kind: a workbook, or a CSV with its separator."""
    if not job.encoding:
        return exports.XLSX
    return exports.CSV_EXCEL if job.delimiter == ";" else exports.CSV


def _cell(header: str) -> Callable[[Mapping[str, str]], str]:
    return lambda row: row.get(header, "")


@login_required
def failed_rows(request: AuthedRequest, pk: Any) -> HttpResponseBase:
    """The rows that failed, as the file had them plus their line and reasons, to fix and import."""
    job, importer = _job(request, pk)
    columns = [exports.Column(header, _cell(header), header) for header in job.headers]
    columns.append(exports.Column("line", lambda row: row["\x00line"], gettext_lazy("Line")))
    columns.append(exports.Column("errors", lambda row: row["\x00errors"], gettext_lazy("Errors")))
    rows = import_jobs.failed_rows(job, describe=lambda key: importer.column_of(job.mapping, key))
    name = job.original_name.rsplit(".", 1)[0] or "import"
    return exports.download(request, columns, rows, f"{name}-{_('errors')}")
