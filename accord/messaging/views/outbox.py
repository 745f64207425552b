"""The outbox for administrators: every message queued for customers, its attempts and error,
and "retry now" for one that failed; the message templates with a preview."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core import access
from accord.core.access import AccessDenied
from accord.core.forms import apply_errors
from accord.core.htmx import is_htmx
from accord.messaging import selectors
from accord.messaging.forms import TemplateForm
from accord.messaging.models import IllegalTransition, MessageChannel, MessageState, MessageTemplate
from accord.messaging.services import outbox as outbox_services
from accord.messaging.services import templates as template_services

PAGE_SIZE = 50


def _require_admin(request: HttpRequest) -> None:
    if not access.is_admin(request.user):
        raise AccessDenied()


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    params = {"state": request.GET.get("state", ""), "channel": request.GET.get("channel", "")}
    found = selectors.outbox(request.user, state=params["state"], channel=params["channel"])
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page_obj": page,
        "rows": page.object_list,
        "params": params,
        "states": MessageState.choices,
        "channels": [c for c in MessageChannel.choices if c[0] != MessageChannel.IN_APP],
        "counts": selectors.outbox_counts(request.user),
    }
    template = "messaging/outbox.html#results" if is_htmx(request) else "messaging/outbox.html"
    return render(request, template, context)


@login_required
def message_detail(request: HttpRequest, pk: str) -> HttpResponse:
    _require_admin(request)
    message = selectors.outbox_message(request.user, pk)
    if message is None:
        raise Http404
    return render(request, "messaging/outbox_message.html", {"message": message})


@login_required
@require_POST
def message_retry(request: HttpRequest, pk: str) -> HttpResponse:
    _require_admin(request)
    message = selectors.outbox_message(request.user, pk)
    if message is None:
        raise Http404
    try:
        outbox_services.retry_now(actor=request.user, message=message)  # type: ignore[arg-type]
    except IllegalTransition:
        messages.error(request, _("Only a failed message can be tried again."))
    else:
        messages.success(request, _("The message is queued and will be sent in a moment."))
    return redirect("messaging:outbox-message", pk=message.pk)


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(request, "messaging/templates.html", {"templates": selectors.message_templates(request.user)})


@login_required
def template_edit(request: HttpRequest, pk: str | None = None) -> HttpResponse:
    _require_admin(request)
    template = None
    if pk is not None:
        template = selectors.message_template(request.user, pk)
        if template is None:
            raise Http404
    initial = (
        {name: getattr(template, name) for name in ("kind", "channel", "language", "subject", "body_text", "body_html")}
        if template is not None
        else {}
    )
    form = TemplateForm(request.POST or None, initial=initial, editing=template is not None)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            draft = MessageTemplate(**form.cleaned_data)
            try:
                preview = template_services.preview(draft)
            except Exception as exc:  # a syntax error in what was typed: shown, not raised
                form.add_error(None, _("This template has an error: %(why)s") % {"why": exc})
        else:
            try:
                saved = template_services.save_template(actor=request.user, template=template, data=form.cleaned_data)  # type: ignore[arg-type]
            except ValidationError as exc:
                for problems in apply_errors(form, exc).values():
                    for problem in problems:
                        form.add_error(None, problem)
            else:
                messages.success(request, _("The template was saved."))
                return redirect("messaging:template-edit", pk=saved.pk)
    elif template is not None:
        preview = template_services.preview(template)
    return render(
        request,
        "messaging/template_form.html",
        {"form": form, "template": template, "preview": preview, "sample": template_services.SAMPLES},
    )
