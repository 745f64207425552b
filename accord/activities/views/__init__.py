"""Screens of interactions and tasks: "My day", the timeline composer, task and interaction lists."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.activities import selectors, services
from accord.activities.forms import InteractionForm, TaskForm
from accord.activities.models import InteractionChannel, TaskStatus
from accord.activities.panels import party_from_request, tasks_context, timeline_context
from accord.core import access, exports, lists, search
from accord.core import selectors as core_selectors
from accord.core.access import AccessDenied, Action
from accord.core.errors import Conflict
from accord.core.forms import apply_errors
from accord.core.htmx import is_htmx
from accord.core.listing import ListQuery, parse
from accord.core.redirects import safe_next
from accord.core.requests import AuthedRequest
from accord.identity.selectors import active_users, assignable_users
from accord.people.models import Company, Contact
from accord.people.selectors import visible_companies, visible_contacts


@login_required
def my_day(request: HttpRequest) -> HttpResponse:
    day = selectors.my_day(request.user)
    return render(request, "activities/my_day.html", {"day": day})


# --- the timeline composer ------------------------------------------------------------------------


@login_required
def timeline(request: HttpRequest) -> HttpResponse:
    """A page of a contact's or company's timeline (the "load more" button and channel filter)."""
    party = party_from_request(request, request.GET)
    try:
        context = timeline_context(
            request, party, cursor=request.GET.get("cursor", ""), channel=request.GET.get("channel", "")
        )
    except ValidationError as exc:  # a cursor that was not one of ours
        return HttpResponseBadRequest(" ".join(exc.messages))
    # "Show older" asks for the next entries alone: the part of the panel marked "items".
    template = "activities/_timeline.html#items" if request.GET.get("cursor") else "activities/_timeline.html"
    return render(request, template, {"ctx": context})


@login_required
@require_POST
def log_interaction(request: AuthedRequest) -> HttpResponse:
    """Log an interaction from the composer of a 360° page; answers with the refreshed panel."""
    party = party_from_request(request, request.POST)
    form = InteractionForm(request.POST)
    if form.is_valid():
        data: dict[str, Any] = form.interaction_data()
        data["contact" if isinstance(party, Contact) else "company"] = party
        try:
            services.log_interaction(actor=request.user, data=services.interaction_data(data))
        except ValidationError as exc:
            form.apply_errors(exc)
        else:
            if not is_htmx(request):
                messages.success(request, _("Logged."))
                return redirect(party_url(party))
            context = timeline_context(request, party)
            context["logged"] = True
            return render(request, "activities/_timeline.html", {"ctx": context})
    context = timeline_context(request, party, form=form)
    if not is_htmx(request):
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(str(e) for e in errors)}")
        return redirect(party_url(party))
    return render(request, "activities/_timeline.html", {"ctx": context}, status=422)


def _party_of(request: HttpRequest, raw: str) -> Contact | Company | None:
    """``contact:<id>`` or ``company:<id>``, when the user may see that record."""
    kind, _sep, pk = raw.partition(":")
    try:
        key = uuid.UUID(pk)
    except ValueError:
        return None
    if kind == "contact":
        return core_selectors.find_visible(request.user, Contact, key)
    if kind == "company":
        return core_selectors.find_visible(request.user, Company, key)
    return None


def _parties_named(request: HttpRequest, name: str, limit: int = 8) -> list[Contact | Company]:
    """Contacts and companies a typed name finds (the picker's options, and its fallback without
    JavaScript: a name that finds exactly one is taken)."""
    if not name.strip():
        return []
    people = search.ranked(visible_contacts(request.user), name, limit=limit, label=lambda c: [c.full_name])
    firms = search.ranked(visible_companies(request.user), name, limit=limit, label=lambda c: [c.name])
    hits = sorted([*people, *firms], key=lambda h: -h.score)[:limit]
    return [h.obj for h in hits]


@login_required
def party_lookup(request: HttpRequest) -> HttpResponse:
    """Options for the "who was it with" picker: contacts and companies the user may see."""
    q = request.GET.get("q", "").strip()[:200]
    return render(request, "activities/_party_options.html", {"parties": _parties_named(request, q), "q": q})


@login_required
def interaction_new(request: AuthedRequest) -> HttpResponse:
    """Log an interaction from anywhere ("Log a call" in the New menu): choose who it was with,
    then the channel's fields; preset by ``channel`` and ``direction`` (an outbound call)."""
    access.require_create(request.user)
    source = request.POST if request.method == "POST" else request.GET
    party = _party_of(request, source.get("party", ""))
    if party is None and source.get("contact"):
        party = _party_of(request, f"contact:{source['contact']}")
    if party is None and source.get("company"):
        party = _party_of(request, f"company:{source['company']}")
    party_name = source.get("party_name", "") if party is None else str(party)
    party_error = ""
    if request.method == "POST":
        form = InteractionForm(request.POST)
        if party is None:
            named = _parties_named(request, party_name, limit=2)
            if len(named) == 1:
                party = named[0]
            else:
                party_error = _("Choose who it was with from the list.")
        if form.is_valid() and party is not None:
            data: dict[str, Any] = form.interaction_data()
            data["contact" if isinstance(party, Contact) else "company"] = party
            try:
                services.log_interaction(actor=request.user, data=services.interaction_data(data))
            except ValidationError as exc:
                form.apply_errors(exc)
            else:
                messages.success(request, _("Logged on the timeline of %(party)s.") % {"party": party})
                return redirect(party_url(party))
    else:
        channel = source.get("channel") if source.get("channel") in InteractionChannel.values else "phone"
        direction = source.get("direction") if source.get("direction") in ("in", "out") else ""
        form = InteractionForm(initial={"channel": channel, "direction": direction})
    return render(
        request,
        "activities/interaction_new.html",
        {
            "form": form,
            "party": party,
            "party_value": f"{'contact' if isinstance(party, Contact) else 'company'}:{party.pk}" if party else "",
            "party_name": party_name,
            "party_error": party_error,
        },
        status=422 if request.method == "POST" else 200,
    )


def party_url(party: Any) -> str:
    name = "contact" if isinstance(party, Contact) else "company"
    return reverse(f"people:{name}-detail", args=[party.pk])


@login_required
def interaction_list(request: HttpRequest) -> HttpResponse:
    query = parse(selectors.INTERACTION_LIST, request.GET, strict=False, default_limit=settings.ACCORD_PAGE_SIZE)
    page = selectors.interaction_page(request.user, query)
    base = dict(query.raw)
    return render(
        request,
        "activities/interaction_list.html",
        {
            **lists.context(request, lists.get("interaction"), query),
            "page": page,
            "query": query,
            "channels": InteractionChannel.choices,
            "next_link": urlencode([*_flat(base), ("cursor", page.next_cursor)]) if page.next_cursor else "",
            "prev_link": urlencode([*_flat(base), ("before", page.prev_cursor)]) if page.prev_cursor else "",
        },
    )


def _flat(params: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in params.items() for v in values]


@login_required
def interaction_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    interaction = selectors.interaction_detail(request.user, pk)
    if not access.can(request.user, Action.CHANGE, interaction):
        raise AccessDenied()
    party = interaction.contact or interaction.company
    if request.method == "POST":
        if "delete" in request.POST:
            services.delete_interaction(actor=request.user, interaction=interaction)
            messages.success(request, _("The interaction was deleted."))
            return redirect(party_url(party))
        form = InteractionForm(request.POST)
        if form.is_valid():
            try:
                services.update_interaction(
                    actor=request.user,
                    interaction=interaction,
                    data=services.interaction_data(form.interaction_data()),
                    expected_version=form.cleaned_data.get("version"),
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                form.apply_errors(exc)
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect(party_url(party))
    else:
        minutes = interaction.duration_seconds / 60 if interaction.duration_seconds is not None else None
        form = InteractionForm(
            initial={
                "channel": interaction.channel,
                "direction": interaction.direction,
                "occurred_at": interaction.occurred_at,
                "duration_minutes": minutes,
                "outcome": interaction.outcome,
                "subject": interaction.subject,
                "body": interaction.body,
                "version": interaction.version,
            }
        )
    return render(
        request, "activities/interaction_form.html", {"form": form, "interaction": interaction, "party": party}
    )


# --- tasks -------------------------------------------------------------------------------------------


def _task_query(request: HttpRequest) -> ListQuery:
    """The task list's filters: open tasks of the user unless asked otherwise (``all``: anyone's)."""
    params = request.GET.copy()
    if "status" not in params:
        params["status"] = TaskStatus.OPEN
    if "owner" not in params and "all" not in params:
        params["owner"] = str(request.user.pk)
    params.pop("all", None)
    query = parse(selectors.TASK_LIST, params, strict=False, default_limit=settings.ACCORD_PAGE_SIZE)
    if "owner" not in query.filters:
        # "Anyone" is the absence of the owner filter, which a bare link would read as "my tasks":
        # keep it in the parameters a saved view, the pager and the export carry.
        query.raw["all"] = ["1"]
    return query


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    query = _task_query(request)
    page = selectors.task_page(request.user, query)
    base = dict(query.raw)
    return render(
        request,
        "activities/task_list.html",
        {
            **lists.context(request, lists.get("task"), query),
            "page": page,
            "query": query,
            "statuses": TaskStatus.choices,
            "owners": active_users(),
            "next_link": urlencode([*_flat(base), ("cursor", page.next_cursor)]) if page.next_cursor else "",
            "prev_link": urlencode([*_flat(base), ("before", page.prev_cursor)]) if page.prev_cursor else "",
        },
    )


@login_required
def task_create(request: AuthedRequest) -> HttpResponse:
    if not access.can_create(request.user):
        raise AccessDenied()
    party = None
    source = request.POST if request.method == "POST" else request.GET
    if source.get("contact") or source.get("company"):
        party = party_from_request(request, source)
    assignable = assignable_users(request.user)
    if request.method == "POST":
        form = TaskForm(request.POST, assignable=assignable)
        if form.is_valid():
            data = form.task_data()
            if party is not None:
                data["contact" if isinstance(party, Contact) else "company"] = party
            try:
                services.create_task(actor=request.user, data=services.task_data(data))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The task was added."))
                if is_htmx(request) and party is not None:
                    return render(request, "activities/_tasks_panel.html", {"ctx": tasks_context(request, party)})
                return redirect(party_url(party) if party is not None else reverse("activities:task-list"))
        if is_htmx(request) and party is not None:
            context = tasks_context(request, party)
            context["task_form"] = form
            return render(request, "activities/_tasks_panel.html", {"ctx": context}, status=422)
    else:
        form = TaskForm(initial={"owner": request.user.pk}, assignable=assignable)
    return render(request, "activities/task_form.html", {"form": form, "party": party, "task": None})


@login_required
def task_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    task = selectors.task_detail(request.user, pk)
    if not access.can(request.user, Action.CHANGE, task):
        raise AccessDenied()
    assignable = assignable_users(request.user)
    if request.method == "POST":
        if "delete" in request.POST:
            services.delete_task(actor=request.user, task=task)
            messages.success(request, _("The task was deleted."))
            return redirect("activities:task-list")
        form = TaskForm(request.POST, assignable=assignable)
        if form.is_valid():
            try:
                services.update_task(
                    actor=request.user,
                    task=task,
                    data=form.task_data(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Your changes were saved."))
                return redirect("activities:task-list")
    else:
        form = TaskForm(
            initial={
                "title": task.title,
                "due_at": task.due_at,
                "remind_at": task.remind_at,
                "priority": task.priority,
                "owner": task.owner_id,
                "description": task.description,
                "version": task.version,
            },
            assignable=assignable,
        )
    return render(
        request, "activities/task_form.html", {"form": form, "task": task, "party": task.contact or task.company}
    )


@login_required
@require_POST
def task_toggle(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Tick a task done (or open it again) from any list; HTMX swaps the row."""
    task = selectors.task_detail(request.user, pk)
    if task.status == TaskStatus.DONE:
        task = services.reopen_task(actor=request.user, task=task)
    else:
        task = services.complete_task(actor=request.user, task=task)
    if is_htmx(request):
        context: dict[str, Any] = {
            "task": task,
            "show_party": bool(request.POST.get("show_party")),
            "show_owner": bool(request.POST.get("show_owner")),
        }
        if request.POST.get("selectable"):
            # A row of the task list keeps its checkbox, ticked if it was (the form sends it along).
            context.update(lists.selection_context(lists.get("task"), request.user))
            context.update(selectable=True, selected=str(task.pk) in request.POST.getlist("id"))
        return render(request, "activities/_task_row.html", context)
    return redirect(safe_next(request, reverse("activities:my-day")))


# --- exports ------------------------------------------------------------------------------------------


@login_required
def interaction_export(request: HttpRequest) -> HttpResponseBase:
    if not access.can_export(request.user):
        raise AccessDenied()
    query = parse(selectors.INTERACTION_LIST, request.GET, strict=False, default_limit=settings.ACCORD_PAGE_SIZE)
    rows = selectors.interactions_for_export(request.user, query)
    return exports.download(request, selectors.interaction_columns(), rows, "interactions")


@login_required
def task_export(request: HttpRequest) -> HttpResponseBase:
    if not access.can_export(request.user):
        raise AccessDenied()
    rows = selectors.tasks_for_export(request.user, _task_query(request))
    return exports.download(request, selectors.task_columns(), rows, "tasks")
