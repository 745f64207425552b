"""Screens of the core: the search box and page, saved views, custom-field settings, health and the
System page (background workers)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core import access, global_search, selectors, services, workers
from accord.core.access import AccessDenied
from accord.core.forms import apply_errors
from accord.core.forms.settings import CustomFieldForm
from accord.core.htmx import is_htmx
from accord.core.redirects import safe_next, safe_path
from accord.core.requests import AuthedRequest


def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and supervisors: answers once the database does."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def search_view(request: HttpRequest) -> HttpResponse:
    """The search box's dropdown (HTMX) and the full results page."""
    q = request.GET.get("q", "").strip()[:200]
    if is_htmx(request):
        groups = global_search.search_box(request.user, q, limit=10) if len(q) >= 1 else []
        return render(request, "core/_search_dropdown.html", {"q": q, "groups": groups})
    # Only the kinds that found something: a page of "Nothing found" cards hides the one that did.
    groups = [group for group in global_search.search_grouped(request.user, q, limit=25) if group[2]] if q else []
    return render(request, "core/search.html", {"q": q, "groups": groups})


@login_required
@require_POST
def saved_view_create(request: AuthedRequest) -> HttpResponse:
    entity = request.POST.get("entity", "")
    path = safe_path(request.POST.get("path"), "/")
    try:
        view = services.save_view(
            actor=request.user,
            entity=entity,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=bool(request.POST.get("shared")) and access.is_admin(request.user),
            columns=request.POST.getlist("columns"),
            density=request.POST.get("density", ""),
        )
    except ValidationError as exc:
        for messages_ in exc.message_dict.values():
            for message in messages_:
                messages.error(request, message)
        return redirect(safe_next(request, path))
    messages.success(request, _("Saved the view “%(name)s”.") % {"name": view.name})
    # A view that keeps its own columns is opened by its id, so the list shows them.
    params = "&".join(p for p in (view.query, f"view={view.pk}" if view.columns or view.density else "") if p)
    return redirect(f"{path}?{params}" if params else path)


@login_required
@require_POST
def saved_view_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    view = selectors.saved_view(request.user, pk)
    services.delete_view(actor=request.user, view=view)
    messages.success(request, _("Deleted the view “%(name)s”.") % {"name": view.name})
    return redirect(safe_next(request, "/"))


# --- settings: custom fields ------------------------------------------------------------------------


def _require_admin(request: HttpRequest) -> None:
    if not access.is_admin(request.user):
        raise AccessDenied()


@login_required
def custom_field_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    definitions = selectors.custom_field_definitions()
    return render(
        request,
        "core/custom_fields.html",
        {"definitions": definitions, "entities": services.custom_field_entities()},
    )


@login_required
def custom_field_edit(request: AuthedRequest, pk: Any = None) -> HttpResponse:
    _require_admin(request)
    definition = selectors.custom_field_definition(pk) if pk else None
    if request.method == "POST":
        form = CustomFieldForm(request.POST, editing=definition is not None)
        if form.is_valid():
            try:
                if definition is None:
                    services.create_custom_field(actor=request.user, **form.definition_data())
                else:
                    services.update_custom_field(actor=request.user, definition=definition, **form.change_data())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The custom field was saved."))
                return redirect("core:custom-fields")
    else:
        form = CustomFieldForm(initial=CustomFieldForm.initial_for(definition), editing=definition is not None)
    return render(request, "core/custom_field_form.html", {"form": form, "definition": definition})


# --- settings: system -------------------------------------------------------------------------------


@login_required
def system_status(request: HttpRequest) -> HttpResponse:
    """Whether the background workers run, and what waits for them."""
    _require_admin(request)
    rows = workers.recent_workers()
    return render(
        request,
        "core/system.html",
        {
            "silence": workers.silence(),
            "workers_needed": workers.workers_needed(),
            "workers": rows,
            "running": next((row.worker for row in rows if row.state == "running"), None),
            "queue": workers.queue_summary(),
        },
    )
