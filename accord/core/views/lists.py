"""Screens shared by every list: the confirmation and run of a bulk action (and the progress and
result of one run in the background), and the choice of columns and density."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accord.core import bulk_actions, bulk_jobs, lists, services
from accord.core.access import AccessDenied
from accord.core.errors import message_dict
from accord.core.htmx import is_htmx
from accord.core.models import BulkJob, BulkJobState, Density, as_uuid
from accord.core.redirects import safe_next
from accord.core.requests import AuthedRequest
from accord.core.selectors import visible_tags


def _back(screen: lists.ListScreen, selection: bulk_actions.Selection) -> str:
    """The list as it was, without the ticked rows."""
    params = lists.query_string(selection.query, id=None)
    url = reverse(screen.list_url)
    return f"{url}?{params}" if params else url


def _run(
    request: AuthedRequest, screen: lists.ListScreen, action: str, selection: bulk_actions.Selection
) -> int | BulkJob:
    """Carry out a confirmed action: how many records changed, or the background job that will."""
    actor = request.user
    post = request.POST
    bulk_actions.require_intent(
        selection=selection, confirmed=post.get("confirm") == "1", everything=post.get("everything") == "1"
    )
    if action == "owner":
        owner = _chosen_owner(screen, request, selection)
        if owner is None:
            raise ValidationError({"new_owner": [_("Choose who gets the records.")]})
        return bulk_actions.change_owner(actor=actor, selection=selection, owner=owner)
    change = bulk_actions.row_change(screen, action, _inputs(action, post))
    if bulk_actions.exceeds_sync_limit(actor=actor, selection=selection, action=action):
        return bulk_jobs.start(actor=actor, selection=selection, change=change)
    return bulk_actions.change_rows(actor=actor, selection=selection, change=change)


def _done_message(action: str, count: int) -> str:
    if action == "delete":
        text = ngettext("%(count)d record was deleted.", "%(count)d records were deleted.", count)
    else:
        text = ngettext("%(count)d record was changed.", "%(count)d records were changed.", count)
    return text % {"count": count}


@login_required
def bulk_view(request: AuthedRequest, key: str, action: str = "") -> HttpResponse:
    """GET: what the action would change (how many, how many skipped, a sample) and its inputs;
    POST: do it, once confirmed."""
    screen = lists.get(key)
    params = request.POST if request.method == "POST" else request.GET
    action = action or params.get("action", "")
    offered = {name: (label, icon) for name, label, icon in lists.bulk_actions(screen, request.user)}
    if action not in offered:
        raise AccessDenied()
    selection = bulk_actions.select(actor=request.user, screen=screen, params=params)
    back = _back(screen, selection)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            count = _run(request, screen, action, selection)
        except ValidationError as exc:
            errors = message_dict(exc)
        else:
            if isinstance(count, BulkJob):
                return redirect("core:bulk-job", pk=count.pk)
            if action == "owner":
                owner = _chosen_owner(screen, request, selection)
                if screen.owner_word == "assignee":
                    text = ngettext(
                        "%(count)d task is now assigned to %(owner)s.",
                        "%(count)d tasks are now assigned to %(owner)s.",
                        count,
                    )
                else:
                    text = ngettext(
                        "%(count)d record now belongs to %(owner)s.",
                        "%(count)d records now belong to %(owner)s.",
                        count,
                    )
                messages.success(request, text % {"count": count, "owner": owner or ""})
            else:
                messages.success(request, _done_message(action, count))
            return redirect(back)
    editable = lists.editable_fields(screen) if action == "field" else []
    chosen_field = next((f for f in editable if f.name == params.get("field")), None)
    asked = _asked_change(screen, action, params)
    shown = bulk_actions.preview(actor=request.user, selection=selection, action=action, change=asked)
    background = action in bulk_actions.ROW_BY_ROW and shown.allowed > bulk_actions.sync_limit()
    label, icon = offered[action]
    context: dict[str, Any] = {
        "screen": screen,
        "action": action,
        "action_label": label,
        "action_icon": icon,
        "preview": shown,
        "asked": asked is not None or action in ("owner", "delete"),
        "background": background,
        "chunk_size": bulk_jobs.chunk_size(),
        "selection": selection,
        "hidden": [(k, v) for k, values in selection.query.raw.items() for v in values],
        "ticked": bool(selection.query.filters.get("id")),
        "back": back,
        "errors": errors,
        "posted": params,
        "owners": lists.owner_choices(screen, request.user, selection.query) if action == "owner" else None,
        "owner_label": lists.owner_label(screen),
        "filter_words": lists.describe_filters(screen, selection.query, selection.queryset.model),
        "fields": editable,
        "tags": visible_tags(request.user)[:300] if action.startswith("tag_") else (),
        "action_url": request.path,
        "value_widget": chosen_field.form_field().widget.render(
            "value", params.get("value") or None, {"id": "bulk-value"}
        )
        if chosen_field
        else "",
        "general_errors": [m for key in ("selection", "confirm", "__all__") for m in errors.get(key, [])],
        "value_errors": errors.get(chosen_field.name, []) if chosen_field else [],
    }
    return render(request, "core/bulk_confirm.html", context, status=422 if errors else 200)


def _inputs(action: str, params: Any) -> dict[str, Any]:
    """The action's inputs from the form: the tag to add or remove comes as ``new_tag``."""
    if action in ("tag_add", "tag_remove"):
        return {"tag": params.get("new_tag", "")}
    return {"field": params.get("field", ""), "value": params.get("value", "")}


def _asked_change(screen: lists.ListScreen, action: str, params: Any) -> bulk_actions.RowChange | None:
    """The change asked for so far (a tag typed, a field and its value chosen), for the preview to
    count only the records it would really change; None until its inputs are there and valid."""
    given = bool(str(params.get("new_tag", "")).strip()) if action in ("tag_add", "tag_remove") else "value" in params
    if action not in ("tag_add", "tag_remove", "field") or not given:
        return None
    try:
        return bulk_actions.row_change(screen, action, _inputs(action, params))
    except ValidationError:
        return None


def _chosen_owner(screen: lists.ListScreen, request: HttpRequest, selection: bulk_actions.Selection) -> Any:
    """The new owner posted, if it is one of the choices offered."""
    choices = lists.owner_choices(screen, request.user, selection.query)
    chosen = as_uuid(request.POST.get("new_owner", ""))
    return choices.filter(pk=chosen).first() if choices is not None and chosen else None


@login_required
@require_POST
def look_view(request: AuthedRequest, key: str) -> HttpResponse:
    """Remember which columns and density this user wants for this list."""
    screen = lists.get(key)
    look = lists.clean_look(screen, request.POST.getlist("columns"), request.POST.get("density", Density.COMFORTABLE))
    services.save_list_look(actor=request.user, entity=screen.entity, columns=look.columns, density=look.density)
    return redirect(safe_next(request, reverse(screen.list_url)))


# --- bulk changes run in the background ------------------------------------------------------------


def _job_context(job: BulkJob) -> dict[str, Any]:
    screen = bulk_jobs.screen_of(job)
    params = urlencode([(k, v) for k, values in job.filters.items() for v in values if k != "id"])
    url = reverse(screen.list_url)
    return {
        "job": job,
        "screen": screen,
        "what": bulk_jobs.describe_action(job),
        "percent": bulk_jobs.percent(job),
        "working": job.state in (BulkJobState.QUEUED, BulkJobState.RUNNING),
        "failures": bulk_jobs.failures(job) if job.failed else [],
        "skipped": max(0, job.selected - job.total),
        "list_url": f"{url}?{params}" if params else url,
    }


@login_required
def bulk_job_view(request: HttpRequest, pk: Any) -> HttpResponse:
    """A bulk change run in the background: its progress while it runs, then what it did."""
    job = bulk_jobs.job_for(request.user, pk)
    return render(request, "core/bulk_job.html", _job_context(job))


@login_required
def bulk_job_progress(request: HttpRequest, pk: Any) -> HttpResponse:
    """The progress bar, polled by htmx while the job runs; the whole page once it is done."""
    job = bulk_jobs.job_for(request.user, pk)
    if not is_htmx(request):
        return redirect("core:bulk-job", pk=job.pk)
    context = _job_context(job)
    if not context["working"]:
        return HttpResponse(status=204, headers={"HX-Redirect": reverse("core:bulk-job", args=[job.pk])})
    return render(request, "core/_bulk_progress.html", context)


@login_required
@require_POST
def bulk_job_resume(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Go on with a job that stopped, from the record it stopped at."""
    job = bulk_jobs.job_for(request.user, pk)
    try:
        bulk_jobs.resume(actor=request.user, job=job)
    except ValidationError as exc:
        for found in message_dict(exc).values():
            for message in found:
                messages.error(request, message)
    return redirect("core:bulk-job", pk=job.pk)
