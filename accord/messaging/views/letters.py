"""Printing letters: the print batches (today's first, with how many letters wait), a batch's
letters, its PDF, "Mark as posted" and taking a letter out. For administrators and managers;
every write goes through ``services.letters``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accord.core.access import AccessDenied
from accord.core.errors import message_dict
from accord.core.requests import AuthedRequest
from accord.messaging import selectors
from accord.messaging.models import PrintBatch, PrintBatchState
from accord.messaging.services import letters as services

PAGE_SIZE = 30


def _require_printer(request: HttpRequest) -> None:
    if not selectors.may_print(request.user):
        raise AccessDenied()


def _batch(request: HttpRequest, pk: Any) -> PrintBatch:
    _require_printer(request)
    batch = selectors.print_batch(request.user, pk)
    if batch is None:
        raise Http404
    return batch


def _report(request: HttpRequest, exc: ValidationError) -> None:
    for problems in message_dict(exc).values():
        for problem in problems:
            messages.error(request, problem)


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    _require_printer(request)
    batches = selectors.print_batches(request.user)
    today = timezone.localdate()
    current = list(batches.filter(state__in=[PrintBatchState.OPEN, PrintBatchState.PRINTED], day=today))
    past = Paginator(batches.exclude(pk__in=[b.pk for b in current]), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "today": today,
        "current": current,
        "open_today": next((b for b in current if b.state == PrintBatchState.OPEN), None),
        "page_obj": past,
        "past": past.object_list,
        "waiting": selectors.waiting_letter_count(request.user),
    }
    return render(request, "messaging/print_batches.html", context)


@login_required
@require_POST
def batch_prepare(request: AuthedRequest) -> HttpResponse:
    _require_printer(request)
    try:
        batch = services.collect_batch(actor=request.user)
    except ValidationError as exc:
        _report(request, exc)
        return redirect("messaging:print-batches")
    if batch is None:
        messages.info(request, _("No letters are waiting to be printed."))
        return redirect("messaging:print-batches")
    messages.success(
        request,
        ngettext(
            "Today's batch holds %(count)d letter.",
            "Today's batch holds %(count)d letters.",
            batch.letter_count,
        )
        % {"count": batch.letter_count},
    )
    return redirect("messaging:print-batch", pk=batch.pk)


@login_required
def batch_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    batch = _batch(request, pk)
    letters = list(selectors.batch_letters(request.user, batch))
    context = {
        "batch": batch,
        "letters": letters,
        "hidden": max(batch.letter_count - len(letters), 0),
        "today": timezone.localdate(),
    }
    return render(request, "messaging/print_batch.html", context)


@login_required
@require_POST
def batch_download(request: AuthedRequest, pk: Any) -> HttpResponse:
    """The batch's PDF (a POST: the first download marks the batch printed)."""
    batch = _batch(request, pk)
    try:
        pdf = services.download_batch(actor=request.user, batch=batch, duplex=request.POST.get("duplex") == "1")
    except ValidationError as exc:
        _report(request, exc)
        return redirect("messaging:print-batch", pk=batch.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"letters-{batch.day.isoformat()}-{batch.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def batch_post(request: AuthedRequest, pk: Any) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        posted = services.post_batch(actor=request.user, batch=batch)
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(
            request,
            ngettext(
                "The batch of %(day)s was marked as posted: %(count)d letter is sent.",
                "The batch of %(day)s was marked as posted: %(count)d letters are sent.",
                posted.letter_count,
            )
            % {"day": formats.date_format(posted.day, "SHORT_DATE_FORMAT"), "count": posted.letter_count},
        )
    return redirect("messaging:print-batch", pk=batch.pk)


@login_required
@require_POST
def letter_remove(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_printer(request)
    letter = selectors.batch_letter(request.user, pk)
    if letter is None:
        raise Http404
    batch_pk = letter.print_batch_id
    try:
        services.remove_letter(actor=request.user, message=letter, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The letter was taken out of the batch and will not be sent."))
    return redirect("messaging:print-batch", pk=batch_pk)
