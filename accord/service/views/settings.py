"""Service → Settings: queues, business calendars, SLA policies, mailboxes and chat channels (the
admins') and canned responses (any agent's, for everyone or one of their teams). The screens parse
what was typed and hand it to the services (``service.services.settings``, ``.mailboxes``,
``.chat``), which check it as they check the API's.

A calendar's week is shown as a grid of up to two periods per weekday, and a policy's targets as
hours and minutes; both are turned into what the service stores (periods, minutes) here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accord.core import access
from accord.core.access import AccessDenied
from accord.core.errors import Conflict, message_dict
from accord.core.models import as_uuid
from accord.core.requests import AuthedRequest
from accord.identity import selectors as identity
from accord.service.models import (
    AssignmentMode,
    BusinessCalendar,
    CannedResponse,
    Mailbox,
    Queue,
    SlaPolicy,
    TicketPriority,
)
from accord.service.selectors import chat as chat_selectors
from accord.service.selectors import tickets as selectors
from accord.service.services import chat as chat_services
from accord.service.services import mailboxes as mailbox_services
from accord.service.services import settings as services

WEEKDAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
WEEKDAYS_SHORT = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)
# Offered in the time zone field; any other zone the database of zones knows may be typed.
COMMON_ZONES = (
    "Europe/Warsaw",
    "Europe/Vilnius",
    "Europe/Bucharest",
    "Europe/Moscow",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Paris",
    "Europe/Kyiv",
    "Europe/Riga",
    "Europe/Tallinn",
    "Europe/Minsk",
    "Europe/Chisinau",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Asia/Dubai",
    "Asia/Tokyo",
    "UTC",
)
PERIODS_PER_DAY = 2
# The canned responses' variables, as the help line lists them.
CANNED_VARIABLES = (
    "{{ contact.first_name }}",
    "{{ contact.name }}",
    "{{ company.name }}",
    "{{ ticket.number }}",
    "{{ ticket.subject }}",
    "{{ agent.name }}",
)

QUEUE_FIELDS = ("name", "email", "team", "assignment", "agents", "is_default", "active", "send_surveys")
CALENDAR_FIELDS = ("name", "time_zone", "country", "hours", "closed_days", "is_default")
POLICY_FIELDS = (
    "name",
    "position",
    "priority",
    "customer_tag",
    "calendar",
    "first_response_minutes",
    "resolution_minutes",
    "warn_before_minutes",
    "escalate_to",
    "raise_priority",
    "active",
)
CANNED_FIELDS = ("name", "body", "language", "team")


def _require_admin(request: AuthedRequest) -> None:
    if not access.is_admin(request.user):
        raise AccessDenied()


def _version(request: AuthedRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _one(qs: QuerySet[Any], pk: Any) -> Any:
    """The record ``pk`` of a selector's rows, or Http404."""
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def duration_text(minutes: int | float | None) -> str:
    """Minutes as people read them: "45 min", "2 h", "1 h 30 min", "3 d 4 h"."""
    if minutes is None:
        return "—"
    total = round(minutes)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d d") % {"n": days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if mins or not parts:
        parts.append(_("%(n)d min") % {"n": mins})
    return " ".join(parts)


def week_text(hours: list[list[list[str]]]) -> str:
    """A calendar's week in one line: "Mon-Fri 09:00-17:00; Sat 10:00-14:00" (with en dashes)."""
    groups: list[tuple[int, int, str]] = []
    for day, periods in enumerate(hours):
        text = ", ".join(f"{start}–{end}" for start, end in periods)
        if groups and groups[-1][2] == text and groups[-1][1] == day - 1:
            groups[-1] = (groups[-1][0], day, text)
        else:
            groups.append((day, day, text))
    parts = []
    for first, last, text in groups:
        if not text:
            continue
        days = str(WEEKDAYS_SHORT[first]) if first == last else f"{WEEKDAYS_SHORT[first]}–{WEEKDAYS_SHORT[last]}"
        parts.append(f"{days} {text}")
    return "; ".join(parts) or _("Closed every day")


def _general(errors: Mapping[str, list[str]], fields: tuple[str, ...]) -> list[str]:
    return [m for key, found in errors.items() if key not in fields for m in found]


def _form(
    request: AuthedRequest,
    template: str,
    context: dict[str, Any],
    *,
    fields: tuple[str, ...],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or {}
    return render(
        request,
        template,
        {**context, "errors": errors, "general_errors": _general(errors, fields)},
        status=status,
    )


def _save(
    request: AuthedRequest,
    call: Callable[[], Any],
    page: Callable[[dict[str, list[str]], int], HttpResponse],
    done: str,
    back: str,
    values: dict[str, Any],
) -> HttpResponse:
    """Run a service call: its errors shown on the form again (422, or 409 when the record changed
    meanwhile), or the settings page with ``done``."""
    try:
        call()
    except ValidationError as exc:
        return page(message_dict(exc), 422)
    except Conflict as exc:
        # Shown again with the stored version: saving once more, knowingly, overwrites it.
        values["version"] = exc.current_version
        return page({"__all__": [exc.message]}, 409)
    messages.success(request, done)
    return redirect(back)


def _delete(request: AuthedRequest, call: Callable[[], Any], done: str, edit: str, pk: Any) -> HttpResponse:
    """Run a deletion: back on the settings page, or on the record's page with why it stays."""
    try:
        call()
    except ValidationError as exc:
        for found in message_dict(exc).values():
            for message in found:
                messages.error(request, message)
        return redirect(edit, pk=pk)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect(edit, pk=pk)
    messages.success(request, done)
    return redirect("service:settings")


# --- the settings page ------------------------------------------------------------------------------


@login_required
def settings_page(request: AuthedRequest) -> HttpResponse:
    admin = access.is_admin(request.user)
    languages = dict(django_settings.LANGUAGES)
    canned = selectors.canned_responses(request.user).select_related("team").order_by("name", "id")[:500]
    context: dict[str, Any] = {
        "admin": admin,
        "canned": [
            (r, languages.get(r.language, r.language), services._may_edit_canned(request.user, r)) for r in canned
        ],
        "may_create_canned": access.can_edit_any(request.user),
    }
    if admin:
        priorities = dict(TicketPriority.choices)
        context["queues"] = list(
            selectors.queues(active_only=False)
            .select_related("team")
            .annotate(agent_count=Count("agents", filter=Q(agents__is_active=True)))
        )
        context["calendars"] = [(c, week_text(c.hours)) for c in selectors.calendars().order_by("name")]
        context["policies"] = [
            (
                p,
                priorities.get(p.priority, p.priority),
                duration_text(p.first_response_minutes),
                duration_text(p.resolution_minutes),
            )
            for p in selectors.policies()
        ]
        context["mailboxes"] = list(selectors.mailboxes())
        context["channels"] = list(chat_selectors.channel_settings())
    return render(request, "service/settings/index.html", context)


# --- queues -----------------------------------------------------------------------------------------


def _queue_values(queue: Queue | None) -> dict[str, Any]:
    if queue is None:
        return {"assignment": AssignmentMode.MANUAL, "active": True, "send_surveys": True, "agents": []}
    return {
        "name": queue.name,
        "email": queue.email,
        "team": str(queue.team_id or ""),
        "assignment": queue.assignment,
        "agents": [str(pk) for pk in queue.agents.values_list("pk", flat=True)],
        "is_default": queue.is_default,
        "active": queue.active,
        "send_surveys": queue.send_surveys,
        "version": queue.version,
    }


def _queue_posted(request: AuthedRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the form shows again, what the service is given)."""
    post = request.POST
    values: dict[str, Any] = {
        "name": post.get("name", ""),
        "email": post.get("email", ""),
        "team": post.get("team", ""),
        "assignment": post.get("assignment", ""),
        "agents": post.getlist("agents"),
        "is_default": bool(post.get("is_default")),
        "active": bool(post.get("active")),
        "send_surveys": bool(post.get("send_surveys")),
    }
    team: Any = None
    if values["team"]:
        # An unknown team is passed on as what was typed, so the service names the field.
        team = identity.find_team(values["team"]) or values["team"]
    wanted = [pk for pk in values["agents"] if pk]
    agents: list[Any] = list(identity.active_users().filter(pk__in=_uuids(wanted)))
    if len(agents) != len(set(wanted)):
        agents.append(None)  # one of them is not an active user: the service refuses the list
    data = {**values, "team": team, "agents": agents}
    return values, data


def _uuids(values: list[str]) -> list[str]:
    """The ids among ``values`` (a form's ticked boxes), those that are not ids left out."""
    return [str(key) for key in map(as_uuid, values) if key is not None]


def _queue_page(
    request: AuthedRequest, queue: Queue | None, values: dict[str, Any], errors: Any = None, status: int = 200
) -> HttpResponse:
    return _form(
        request,
        "service/settings/queue_form.html",
        {
            "queue": queue,
            "values": values,
            "teams": list(identity.team_choices()),
            "users": list(identity.active_users()),
            "modes": AssignmentMode.choices,
        },
        fields=QUEUE_FIELDS,
        errors=errors,
        status=status,
    )


@login_required
def queue_create(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    if request.method == "POST":
        values, data = _queue_posted(request)
        return _save(
            request,
            lambda: services.create_queue(actor=request.user, data=data),
            lambda errors, status: _queue_page(request, None, values, errors, status),
            _("The queue was created."),
            "service:settings",
            values,
        )
    return _queue_page(request, None, _queue_values(None))


@login_required
def queue_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    queue = selectors.queue_detail(pk)
    if request.method == "POST":
        values, data = _queue_posted(request)
        values["version"] = request.POST.get("version", "")
        return _save(
            request,
            lambda: services.update_queue(
                actor=request.user, queue=queue, data=data, expected_version=_version(request)
            ),
            lambda errors, status: _queue_page(request, queue, values, errors, status),
            _("The queue was saved."),
            "service:settings",
            values,
        )
    return _queue_page(request, queue, _queue_values(queue))


@login_required
@require_POST
def queue_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    queue = selectors.queue_detail(pk)
    return _delete(
        request,
        lambda: services.delete_queue(actor=request.user, queue=queue, expected_version=_version(request)),
        _("The queue was deleted."),
        "service:settings-queue-edit",
        queue.pk,
    )


# --- business calendars -----------------------------------------------------------------------------


def _grid(hours: list[list[list[str]]]) -> list[dict[str, Any]]:
    """The week as the form shows it: per weekday, ``PERIODS_PER_DAY`` (from, to) pairs."""
    rows = []
    for day in range(7):
        periods = list(hours[day]) if day < len(hours) else []
        slots = []
        for n in range(PERIODS_PER_DAY):
            start, end = periods[n] if n < len(periods) else ("", "")
            slots.append({"n": n, "from": start, "to": end})
        rows.append({"day": day, "name": WEEKDAYS[day], "slots": slots})
    return rows


def _calendar_values(calendar: BusinessCalendar | None) -> dict[str, Any]:
    if calendar is None:
        calendar = BusinessCalendar()
        version = None
    else:
        version = calendar.version
    return {
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "country": calendar.country,
        "grid": _grid(calendar.hours),
        "closed_days": "\n".join(calendar.closed_days),
        "is_default": calendar.is_default,
        "version": version,
    }


def _calendar_posted(request: AuthedRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    post = request.POST
    typed: list[list[list[str]]] = []
    hours: list[list[list[str]]] = []
    for day in range(7):
        typed_day, periods = [], []
        for n in range(PERIODS_PER_DAY):
            start = post.get(f"h{day}_{n}_from", "").strip()
            end = post.get(f"h{day}_{n}_to", "").strip()
            typed_day.append([start, end])
            if start or end:
                # A period with one end missing goes on as it is: the service names the day.
                periods.append([start, end])
        typed.append(typed_day)
        hours.append(periods)
    closed = [line.strip() for line in post.get("closed_days", "").splitlines() if line.strip()]
    values = {
        "name": post.get("name", ""),
        "time_zone": post.get("time_zone", ""),
        "country": post.get("country", ""),
        "grid": _grid(typed),
        "closed_days": post.get("closed_days", ""),
        "is_default": bool(post.get("is_default")),
        "version": post.get("version", ""),
    }
    data = {
        "name": values["name"],
        "time_zone": values["time_zone"],
        "country": values["country"],
        "hours": hours,
        "closed_days": closed,
        "is_default": values["is_default"],
    }
    return values, data


def _calendar_page(
    request: AuthedRequest,
    calendar: BusinessCalendar | None,
    values: dict[str, Any],
    errors: Any = None,
    status: int = 200,
) -> HttpResponse:
    return _form(
        request,
        "service/settings/calendar_form.html",
        {"calendar": calendar, "values": values, "zones": COMMON_ZONES},
        fields=CALENDAR_FIELDS,
        errors=errors,
        status=status,
    )


@login_required
def calendar_create(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    if request.method == "POST":
        values, data = _calendar_posted(request)
        return _save(
            request,
            lambda: services.create_calendar(actor=request.user, data=data),
            lambda errors, status: _calendar_page(request, None, values, errors, status),
            _("The calendar was created."),
            "service:settings",
            values,
        )
    return _calendar_page(request, None, _calendar_values(None))


@login_required
def calendar_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    calendar = _one(selectors.calendars(), pk)
    if request.method == "POST":
        values, data = _calendar_posted(request)
        return _save(
            request,
            lambda: services.update_calendar(
                actor=request.user, calendar=calendar, data=data, expected_version=_version(request)
            ),
            lambda errors, status: _calendar_page(request, calendar, values, errors, status),
            _("The calendar was saved."),
            "service:settings",
            values,
        )
    return _calendar_page(request, calendar, _calendar_values(calendar))


@login_required
@require_POST
def calendar_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    calendar = _one(selectors.calendars(), pk)
    return _delete(
        request,
        lambda: services.delete_calendar(actor=request.user, calendar=calendar, expected_version=_version(request)),
        _("The calendar was deleted."),
        "service:settings-calendar-edit",
        calendar.pk,
    )


# --- SLA policies -------------------------------------------------------------------------------------


def _split(minutes: int | None) -> tuple[str, str]:
    if minutes is None:
        return "", ""
    hours, mins = divmod(minutes, 60)
    return str(hours), str(mins)


def _minutes(hours: str, mins: str) -> Any:
    """Hours and minutes as typed, in minutes; what cannot be read goes on as typed, for the service
    to refuse with the field's name ("" when both are empty: the target is missing)."""
    hours, mins = hours.strip(), mins.strip()
    if not hours and not mins:
        return ""
    if (hours and not hours.isdigit()) or (mins and not mins.isdigit()):
        return f"{hours}:{mins}"
    return int(hours or 0) * 60 + int(mins or 0)


def _policy_values(policy: SlaPolicy | None) -> dict[str, Any]:
    if policy is None:
        return {"position": "0", "warn_before_minutes": "60", "active": True}
    first_h, first_m = _split(policy.first_response_minutes)
    res_h, res_m = _split(policy.resolution_minutes)
    return {
        "name": policy.name,
        "position": str(policy.position),
        "priority": policy.priority,
        "customer_tag": policy.customer_tag,
        "calendar": str(policy.calendar_id or ""),
        "first_hours": first_h,
        "first_mins": first_m,
        "resolution_hours": res_h,
        "resolution_mins": res_m,
        "warn_before_minutes": str(policy.warn_before_minutes),
        "escalate_to": str(policy.escalate_to_id or ""),
        "raise_priority": policy.raise_priority,
        "active": policy.active,
        "version": policy.version,
    }


def _policy_posted(request: AuthedRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    post = request.POST
    values: dict[str, Any] = {
        name: post.get(name, "")
        for name in (
            "name",
            "position",
            "priority",
            "customer_tag",
            "calendar",
            "first_hours",
            "first_mins",
            "resolution_hours",
            "resolution_mins",
            "warn_before_minutes",
            "escalate_to",
            "version",
        )
    }
    values["raise_priority"] = bool(post.get("raise_priority"))
    values["active"] = bool(post.get("active"))
    calendar: Any = None
    if values["calendar"]:
        calendar = selectors.calendars().filter(pk__in=_uuids([values["calendar"]])).first() or values["calendar"]
    escalate: Any = None
    if values["escalate_to"]:
        escalate = identity.find_user(values["escalate_to"], active=True) or values["escalate_to"]
    data = {
        "name": values["name"],
        "position": values["position"],
        "priority": values["priority"],
        "customer_tag": values["customer_tag"],
        "calendar": calendar,
        "first_response_minutes": _minutes(values["first_hours"], values["first_mins"]),
        "resolution_minutes": _minutes(values["resolution_hours"], values["resolution_mins"]),
        "warn_before_minutes": values["warn_before_minutes"],
        "escalate_to": escalate,
        "raise_priority": values["raise_priority"],
        "active": values["active"],
    }
    return values, data


def _policy_page(
    request: AuthedRequest, policy: SlaPolicy | None, values: dict[str, Any], errors: Any = None, status: int = 200
) -> HttpResponse:
    return _form(
        request,
        "service/settings/policy_form.html",
        {
            "policy": policy,
            "values": values,
            "priorities": TicketPriority.choices,
            "calendars": list(selectors.calendars().order_by("name")),
            "users": list(identity.active_users()),
        },
        fields=POLICY_FIELDS,
        errors=errors,
        status=status,
    )


@login_required
def policy_create(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    if request.method == "POST":
        values, data = _policy_posted(request)
        return _save(
            request,
            lambda: services.create_policy(actor=request.user, data=data),
            lambda errors, status: _policy_page(request, None, values, errors, status),
            _("The SLA policy was created."),
            "service:settings",
            values,
        )
    return _policy_page(request, None, _policy_values(None))


@login_required
def policy_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    policy = _one(selectors.policies(), pk)
    if request.method == "POST":
        values, data = _policy_posted(request)
        return _save(
            request,
            lambda: services.update_policy(
                actor=request.user, policy=policy, data=data, expected_version=_version(request)
            ),
            lambda errors, status: _policy_page(request, policy, values, errors, status),
            _("The SLA policy was saved."),
            "service:settings",
            values,
        )
    return _policy_page(request, policy, _policy_values(policy))


@login_required
@require_POST
def policy_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    policy = _one(selectors.policies(), pk)
    return _delete(
        request,
        lambda: services.delete_policy(actor=request.user, policy=policy, expected_version=_version(request)),
        _("The SLA policy was deleted."),
        "service:settings-policy-edit",
        policy.pk,
    )


# --- canned responses ---------------------------------------------------------------------------------


def _canned_values(response: CannedResponse | None) -> dict[str, Any]:
    if response is None:
        return {}
    return {
        "name": response.name,
        "body": response.body,
        "language": response.language,
        "team": str(response.team_id or ""),
        "version": response.version,
    }


def _canned_posted(request: AuthedRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    post = request.POST
    values = {name: post.get(name, "") for name in ("name", "body", "language", "team", "version")}
    team: Any = None
    if values["team"]:
        team = identity.find_team(values["team"]) or values["team"]
    data = {"name": values["name"], "body": values["body"], "language": values["language"], "team": team}
    return values, data


def _canned_teams(request: AuthedRequest) -> list[Any]:
    teams = identity.team_choices()
    if not access.is_admin(request.user):
        teams = teams.filter(pk__in=list(request.user.visible_team_ids))
    return list(teams)


def _canned_page(
    request: AuthedRequest,
    response: CannedResponse | None,
    values: dict[str, Any],
    errors: Any = None,
    status: int = 200,
) -> HttpResponse:
    return _form(
        request,
        "service/settings/canned_form.html",
        {
            "response": response,
            "values": values,
            "teams": _canned_teams(request),
            "languages": django_settings.LANGUAGES,
            "variables": CANNED_VARIABLES,
        },
        fields=CANNED_FIELDS,
        errors=errors,
        status=status,
    )


@login_required
def canned_create(request: AuthedRequest) -> HttpResponse:
    if not access.can_edit_any(request.user):
        raise AccessDenied()
    if request.method == "POST":
        values, data = _canned_posted(request)
        return _save(
            request,
            lambda: services.create_canned(actor=request.user, data=data),
            lambda errors, status: _canned_page(request, None, values, errors, status),
            _("The canned response was created."),
            "service:settings",
            values,
        )
    return _canned_page(request, None, _canned_values(None))


@login_required
def canned_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    response = selectors.canned_detail(request.user, pk)
    if not services._may_edit_canned(request.user, response):
        raise AccessDenied()
    if request.method == "POST":
        values, data = _canned_posted(request)
        return _save(
            request,
            lambda: services.update_canned(
                actor=request.user, response=response, data=data, expected_version=_version(request)
            ),
            lambda errors, status: _canned_page(request, response, values, errors, status),
            _("The canned response was saved."),
            "service:settings",
            values,
        )
    return _canned_page(request, response, _canned_values(response))


@login_required
@require_POST
def canned_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    response = selectors.canned_detail(request.user, pk)
    return _delete(
        request,
        lambda: services.delete_canned(actor=request.user, response=response, expected_version=_version(request)),
        _("The canned response was deleted."),
        "service:settings-canned-edit",
        response.pk,
    )


# --- IMAP mailboxes -----------------------------------------------------------------------------------

MAILBOX_FIELDS = ("name", "queue", "host", "port", "use_ssl", "username", "password", "folder", "active")


def _mailbox_values(mailbox: Mailbox | None) -> dict[str, Any]:
    """What the form shows; never the password."""
    if mailbox is None:
        return {"port": "993", "use_ssl": True, "folder": "INBOX", "active": True}
    return {
        "name": mailbox.name,
        "queue": str(mailbox.queue_id),
        "host": mailbox.host,
        "port": str(mailbox.port),
        "use_ssl": mailbox.use_ssl,
        "username": mailbox.username,
        "folder": mailbox.folder,
        "active": mailbox.active,
        "version": mailbox.version,
    }


def _mailbox_posted(request: AuthedRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what the form shows again, without the password; what the service is given)."""
    post = request.POST
    values: dict[str, Any] = {
        name: post.get(name, "") for name in ("name", "queue", "host", "port", "username", "folder", "version")
    }
    values["use_ssl"] = bool(post.get("use_ssl"))
    values["active"] = bool(post.get("active"))
    queue: Any = None
    if values["queue"]:
        # An unknown queue goes on as typed: the service names the field.
        queue = selectors.queues(active_only=False).filter(pk__in=_uuids([values["queue"]])).first() or values["queue"]
    data = {
        **{name: values[name] for name in ("name", "host", "port", "username", "folder")},
        "use_ssl": values["use_ssl"],
        "active": values["active"],
        "queue": queue,
        "password": post.get("password", ""),
    }
    return values, data


def _mailbox_page(
    request: AuthedRequest, mailbox: Mailbox | None, values: dict[str, Any], errors: Any = None, status: int = 200
) -> HttpResponse:
    return _form(
        request,
        "service/settings/mailbox_form.html",
        {"mailbox": mailbox, "values": values, "queues": list(selectors.queues(active_only=False))},
        fields=MAILBOX_FIELDS,
        errors=errors,
        status=status,
    )


@login_required
def mailbox_create(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    if request.method == "POST":
        values, data = _mailbox_posted(request)
        return _save(
            request,
            lambda: mailbox_services.create_mailbox(actor=request.user, data=data),
            lambda errors, status: _mailbox_page(request, None, values, errors, status),
            _("The mailbox was created."),
            "service:settings",
            values,
        )
    return _mailbox_page(request, None, _mailbox_values(None))


@login_required
def mailbox_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    mailbox = _one(selectors.mailboxes(), pk)
    if request.method == "POST":
        values, data = _mailbox_posted(request)
        return _save(
            request,
            lambda: mailbox_services.update_mailbox(
                actor=request.user, mailbox=mailbox, data=data, expected_version=_version(request)
            ),
            lambda errors, status: _mailbox_page(request, mailbox, values, errors, status),
            _("The mailbox was saved."),
            "service:settings",
            values,
        )
    return _mailbox_page(request, mailbox, _mailbox_values(mailbox))


@login_required
@require_POST
def mailbox_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    mailbox = _one(selectors.mailboxes(), pk)
    return _delete(
        request,
        lambda: mailbox_services.delete_mailbox(
            actor=request.user, mailbox=mailbox, expected_version=_version(request)
        ),
        _("The mailbox was deleted."),
        "service:settings-mailbox-edit",
        mailbox.pk,
    )


@login_required
@require_POST
def mailbox_test(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Log in to the stored mailbox's server: how many messages its folder holds, or the failure
    beside the field to look at."""
    _require_admin(request)
    mailbox = _one(selectors.mailboxes(), pk)
    try:
        count = mailbox_services.test_connection(actor=request.user, mailbox=mailbox)
    except ValidationError as exc:
        return _mailbox_page(request, mailbox, _mailbox_values(mailbox), message_dict(exc))
    messages.success(
        request,
        ngettext(
            "Connected: the folder %(folder)s holds %(count)d message.",
            "Connected: the folder %(folder)s holds %(count)d messages.",
            count,
        )
        % {"folder": mailbox.folder, "count": count},
    )
    return redirect("service:settings-mailbox-edit", pk=mailbox.pk)


# --- chat channels ------------------------------------------------------------------------------------

CHANNEL_FIELDS = ("name", "queue", "allowed_origins", "calendar", "title", "greeting", "active")


def _channel(pk: Any) -> Any:
    found = chat_selectors.channel_detail(pk)
    if found is None:
        raise Http404
    return found


def widget_snippet(request: AuthedRequest, channel: Any) -> str:
    """The script tag a website puts in its pages to show ``channel``'s widget."""
    base = (django_settings.ACCORD_BASE_URL or request.build_absolute_uri("/")).rstrip("/")
    src = static("service/chat-widget.js")
    if not src.startswith(("http://", "https://")):
        src = base + src
    return f'<script src="{src}" data-key="{channel.key}" async></script>'


def _channel_values(channel: Any) -> dict[str, Any]:
    if channel is None:
        return {"active": True, "allowed_origins": ""}
    return {
        "name": channel.name,
        "queue": str(channel.queue_id),
        "allowed_origins": "\n".join(channel.allowed_origins or []),
        "calendar": str(channel.calendar_id or ""),
        "title": channel.title,
        "greeting": channel.greeting,
        "active": channel.active,
        "version": channel.version,
    }


def _channel_posted(request: AuthedRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    post = request.POST
    values: dict[str, Any] = {
        name: post.get(name, "")
        for name in ("name", "queue", "allowed_origins", "calendar", "title", "greeting", "version")
    }
    values["active"] = bool(post.get("active"))
    queue: Any = None
    if values["queue"]:
        # An unknown queue or calendar goes on as typed: the service names the field.
        queue = selectors.queues(active_only=False).filter(pk__in=_uuids([values["queue"]])).first() or values["queue"]
    calendar: Any = None
    if values["calendar"]:
        calendar = selectors.calendars().filter(pk__in=_uuids([values["calendar"]])).first() or values["calendar"]
    data = {
        "name": values["name"],
        "queue": queue,
        "allowed_origins": values["allowed_origins"].splitlines(),
        "calendar": calendar,
        "title": values["title"],
        "greeting": values["greeting"],
        "active": values["active"],
    }
    return values, data


def _channel_page(
    request: AuthedRequest, channel: Any, values: dict[str, Any], errors: Any = None, status: int = 200
) -> HttpResponse:
    return _form(
        request,
        "service/settings/channel_form.html",
        {
            "channel": channel,
            "values": values,
            "queues": list(selectors.queues(active_only=False)),
            "calendars": list(selectors.calendars().order_by("name")),
            "snippet": widget_snippet(request, channel) if channel is not None else "",
        },
        fields=CHANNEL_FIELDS,
        errors=errors,
        status=status,
    )


@login_required
def channel_create(request: AuthedRequest) -> HttpResponse:
    _require_admin(request)
    if request.method == "POST":
        values, data = _channel_posted(request)
        created: list[Any] = []
        response = _save(
            request,
            lambda: created.append(chat_services.add_channel(actor=request.user, data=data)),
            lambda errors, status: _channel_page(request, None, values, errors, status),
            _("The chat channel was created. Put its snippet on your website."),
            "service:settings",
            values,
        )
        # Straight on to the new channel's page: its snippet is what the admin came for.
        return redirect("service:settings-channel-edit", pk=created[0].pk) if created else response
    return _channel_page(request, None, _channel_values(None))


@login_required
def channel_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    _require_admin(request)
    channel = _channel(pk)
    if request.method == "POST":
        values, data = _channel_posted(request)
        return _save(
            request,
            lambda: chat_services.update_channel(
                actor=request.user, channel=channel, data=data, expected_version=_version(request)
            ),
            lambda errors, status: _channel_page(request, channel, values, errors, status),
            _("The chat channel was saved."),
            "service:settings",
            values,
        )
    return _channel_page(request, channel, _channel_values(channel))


@login_required
@require_POST
def channel_activate(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Switch a channel off (the widget no longer opens anywhere) or on again."""
    _require_admin(request)
    channel = _channel(pk)
    active = request.POST.get("active") == "1"
    try:
        chat_services.set_channel_active(
            actor=request.user, channel=channel, active=active, expected_version=_version(request)
        )
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The chat channel is active again.") if active else _("The chat channel was deactivated."),
        )
    return redirect("service:settings-channel-edit", pk=channel.pk)
