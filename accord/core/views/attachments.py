"""Screens of attachments: upload from a record's page, download after the access check, delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accord.core import attachments
from accord.core.access import AccessDenied
from accord.core.htmx import is_htmx
from accord.core.redirects import safe_next
from accord.core.requests import AuthedRequest


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [str(m) for field_messages in exc.message_dict.values() for m in field_messages]
    return [str(m) for m in exc.messages]


def _answer(request: HttpRequest, record: Any, errors: list[str], done: str) -> HttpResponse:
    """The refreshed panel for htmx; otherwise back to the page, with the outcome as a message."""
    if is_htmx(request):
        context = attachments.panel_context(request, record, errors=errors)
        response = render(request, "core/_attachments_panel.html", {"ctx": context}, status=422 if errors else 200)
        if done:
            # Whatever else on the page lists the files (the timeline) refreshes itself.
            response["HX-Trigger"] = "accord:files-changed"
        return response
    for error in errors:
        messages.error(request, error)
    if done:
        messages.success(request, done)
    return redirect(safe_next(request, "/"))


@login_required
@require_POST
def upload(request: AuthedRequest, entity: str, record_id: Any) -> HttpResponse:
    record = attachments.visible_record(request.user, entity, record_id)
    if not attachments.can_attach(request.user, record):
        raise AccessDenied()
    files = request.FILES.getlist("file")
    errors = [] if files else [_("Choose a file to attach.")]
    stored = 0
    for upload_ in files:
        try:
            attachments.attach_file(actor=request.user, record=record, upload=upload_)
        except ValidationError as exc:
            name = attachments.clean_file_name(upload_.name or "")
            errors.extend(f"{name}: {message}" for message in _messages(exc))
        else:
            stored += 1
    done = ngettext("%(count)d file attached.", "%(count)d files attached.", stored) % {"count": stored}
    return _answer(request, record, errors, done if stored else "")


@login_required
def download(request: HttpRequest, pk: Any) -> FileResponse:
    attachment, _record = attachments.visible_attachment(request.user, pk)
    return attachments.file_response(attachment)


@login_required
@require_POST
def delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    attachment, record = attachments.visible_attachment(request.user, pk)
    attachments.remove_attachment(actor=request.user, attachment=attachment)
    return _answer(request, record, [], _("Deleted %(name)s.") % {"name": attachment.file_name})
