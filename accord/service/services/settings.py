"""The service desk's settings: queues, business calendars, SLA policies and canned responses.

Queues, calendars and policies are the admins'; canned responses are written by any agent, for
everyone or for one of their teams. Every change is checked here, so the screens and the API
accept and refuse the same things.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from typing import Any

import holidays as holidays_library
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import AccessDenied
from accord.core.errors import check_version
from accord.identity.models import Team, User
from accord.service import business_hours
from accord.service.models import (
    AssignmentMode,
    BusinessCalendar,
    CannedResponse,
    Queue,
    SlaPolicy,
    Ticket,
    TicketPriority,
)
from accord.service.services import checks

# The longest target a policy may set: a year of minutes.
MAX_MINUTES = 366 * 24 * 60


def _require_admin(actor: User) -> None:
    if not access.is_admin(actor):
        raise AccessDenied()


def _text(data: Mapping[str, Any], name: str, limit: int, errors: dict[str, list[str]], *, required: bool) -> str:
    return checks.text(data.get(name), name, limit, errors, required=required)


def _minutes(data: Mapping[str, Any], name: str, errors: dict[str, list[str]], *, low: int = 1) -> int:
    value = data.get(name)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = [_("Enter a whole number of minutes.")]
        return 0
    if not low <= number <= MAX_MINUTES:
        errors[name] = [_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": MAX_MINUTES}]
    return number


def _save_new(actor: User, obj: Model, errors: dict[str, list[str]], unique_field: str = "name") -> Any:
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            obj.save()
            changes.record_create(actor=actor, obj=obj)
    except IntegrityError as exc:
        raise ValidationError({unique_field: [_("This name is taken.")]}) from exc
    return obj


def _save_changed(actor: User, obj: Any, before: dict[str, Any], errors: dict[str, list[str]]) -> Any:
    if errors:
        raise ValidationError(errors)
    if changes.snapshot(obj) == before:
        return obj
    obj.version += 1
    try:
        with transaction.atomic():
            obj.save()
            changes.record_update(actor=actor, obj=obj, before=before)
    except IntegrityError as exc:
        raise ValidationError({"name": [_("This name is taken.")]}) from exc
    return obj


def _lock(model: type[Any], obj: Any, expected_version: int | None) -> Any:
    locked = model.objects.select_for_update().get(pk=obj.pk)
    check_version(locked, expected_version)
    return locked


# --- queues -----------------------------------------------------------------------------------


def _apply_queue(queue: Queue, data: Mapping[str, Any], errors: dict[str, list[str]]) -> list[User] | None:
    if "name" in data or queue._state.adding:
        queue.name = _text(data, "name", 120, errors, required=True)
    if "email" in data:
        email = _text(data, "email", 254, errors, required=False).lower()
        if email and ("@" not in email or " " in email):
            errors["email"] = [_("Enter a valid e-mail address.")]
        queue.email = email
    if "assignment" in data:
        if data["assignment"] not in AssignmentMode.values:
            errors["assignment"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(AssignmentMode.values)}]
        else:
            queue.assignment = data["assignment"]
    if "team" in data:
        team = data["team"]
        if team is not None and not isinstance(team, Team):
            errors["team"] = [_("No such team.")]
        else:
            queue.team = team
    if "active" in data:
        queue.active = bool(data["active"])
    if "is_default" in data:
        queue.is_default = bool(data["is_default"])
    if "send_surveys" in data:
        queue.send_surveys = bool(data["send_surveys"])
    agents = None
    if "agents" in data:
        agents = list(data["agents"] or [])
        if any(not isinstance(a, User) or not a.is_active for a in agents):
            errors["agents"] = [_("Choose active users.")]
    return agents


def _make_default(queue: Queue) -> None:
    if queue.is_default:
        Queue.objects.filter(is_default=True).exclude(pk=queue.pk).update(is_default=False)


@transaction.atomic
def create_queue(*, actor: User, data: Mapping[str, Any]) -> Queue:
    _require_admin(actor)
    queue = Queue()
    errors: dict[str, list[str]] = {}
    agents = _apply_queue(queue, data, errors)
    _make_default(queue)
    _save_new(actor, queue, errors)
    if agents is not None:
        queue.agents.set(agents)
    return queue


@transaction.atomic
def update_queue(*, actor: User, queue: Queue, data: Mapping[str, Any], expected_version: int | None = None) -> Queue:
    _require_admin(actor)
    locked = _lock(Queue, queue, expected_version)
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    agents = _apply_queue(locked, data, errors)
    if not locked.active and locked.is_default:
        errors["active"] = [_("The default queue stays open; make another one the default first.")]
    _make_default(locked)
    _save_changed(actor, locked, before, errors)
    if agents is not None:
        locked.agents.set(agents)
    return locked


@transaction.atomic
def delete_queue(*, actor: User, queue: Queue, expected_version: int | None = None) -> None:
    _require_admin(actor)
    locked = _lock(Queue, queue, expected_version)
    if Ticket.objects.filter(queue=locked).exists():
        raise ValidationError({"queue": [_("The queue has tickets: close it instead of deleting it.")]})
    before = changes.snapshot(locked)
    locked.delete()
    changes.record_delete(actor=actor, obj=queue, before=before)


# --- business calendars -----------------------------------------------------------------------


def _apply_calendar(calendar: BusinessCalendar, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    if "name" in data or calendar._state.adding:
        calendar.name = _text(data, "name", 120, errors, required=True)
    if "time_zone" in data:
        zone = str(data["time_zone"] or "").strip()
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = [_("Enter a time zone such as Europe/Warsaw.")]
        else:
            calendar.time_zone = zone
    if "country" in data:
        country = str(data["country"] or "").strip().upper()
        if country and country not in holidays_library.list_supported_countries():
            errors["country"] = [_("No public holidays are known for this country code.")]
        calendar.country = country
    if "hours" in data:
        try:
            calendar.hours = business_hours.clean_hours(data["hours"])
        except business_hours.CalendarError as exc:
            day = str(exc)
            if day.isdigit() and int(day) < 7:
                errors["hours"] = [
                    _("Day %(day)s: give periods as HH:MM to HH:MM, each ending after it starts, none overlapping.")
                    % {"day": int(day) + 1}
                ]
            else:
                errors["hours"] = [_("Give working periods for the seven days of the week, Monday first.")]
    if "closed_days" in data:
        days = []
        for raw in data["closed_days"] or []:
            try:
                days.append(business_hours.datetime.date.fromisoformat(str(raw).strip()).isoformat())
            except ValueError:
                errors["closed_days"] = [_("Enter dates as YYYY-MM-DD.")]
                break
        calendar.closed_days = sorted(set(days))
    if "is_default" in data:
        calendar.is_default = bool(data["is_default"])


@transaction.atomic
def create_calendar(*, actor: User, data: Mapping[str, Any]) -> BusinessCalendar:
    _require_admin(actor)
    calendar = BusinessCalendar()
    errors: dict[str, list[str]] = {}
    _apply_calendar(calendar, data, errors)
    if calendar.is_default:
        BusinessCalendar.objects.filter(is_default=True).update(is_default=False)
    return _save_new(actor, calendar, errors)


@transaction.atomic
def update_calendar(
    *, actor: User, calendar: BusinessCalendar, data: Mapping[str, Any], expected_version: int | None = None
) -> BusinessCalendar:
    """Change a calendar; tickets already open keep the due times they were given."""
    _require_admin(actor)
    locked = _lock(BusinessCalendar, calendar, expected_version)
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    _apply_calendar(locked, data, errors)
    if locked.is_default:
        BusinessCalendar.objects.filter(is_default=True).exclude(pk=locked.pk).update(is_default=False)
    return _save_changed(actor, locked, before, errors)


@transaction.atomic
def delete_calendar(*, actor: User, calendar: BusinessCalendar, expected_version: int | None = None) -> None:
    _require_admin(actor)
    locked = _lock(BusinessCalendar, calendar, expected_version)
    if SlaPolicy.objects.filter(calendar=locked).exists():
        raise ValidationError({"calendar": [_("SLA policies use this calendar: give them another one first.")]})
    before = changes.snapshot(locked)
    locked.delete()
    changes.record_delete(actor=actor, obj=calendar, before=before)


# --- SLA policies -----------------------------------------------------------------------------


def _apply_policy(policy: SlaPolicy, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    adding = policy._state.adding
    if "name" in data or adding:
        policy.name = _text(data, "name", 120, errors, required=True)
    if "position" in data:
        policy.position = _minutes(data, "position", errors, low=0)
    if "priority" in data:
        priority = str(data["priority"] or "")
        if priority and priority not in TicketPriority.values:
            errors["priority"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(TicketPriority.values)}]
        else:
            policy.priority = priority
    if "customer_tag" in data:
        policy.customer_tag = _text(data, "customer_tag", 100, errors, required=False)
    if "calendar" in data:
        calendar = data["calendar"]
        if calendar is not None and not isinstance(calendar, BusinessCalendar):
            errors["calendar"] = [_("No such calendar.")]
        else:
            policy.calendar = calendar
    for name in ("first_response_minutes", "resolution_minutes"):
        if name in data or adding:
            setattr(policy, name, _minutes(data, name, errors))
    if "warn_before_minutes" in data:
        policy.warn_before_minutes = _minutes(data, "warn_before_minutes", errors, low=0)
    if "escalate_to" in data:
        user = data["escalate_to"]
        if user is not None and (not isinstance(user, User) or not user.is_active):
            errors["escalate_to"] = [access.owner_refused()]
        else:
            policy.escalate_to = user
    if "raise_priority" in data:
        policy.raise_priority = bool(data["raise_priority"])
    if "active" in data:
        policy.active = bool(data["active"])
    if (
        "first_response_minutes" not in errors
        and "resolution_minutes" not in errors
        and policy.resolution_minutes is not None
        and policy.first_response_minutes is not None
        and policy.resolution_minutes < policy.first_response_minutes
    ):
        errors["resolution_minutes"] = [_("The resolution cannot be due before the first response.")]


@transaction.atomic
def create_policy(*, actor: User, data: Mapping[str, Any]) -> SlaPolicy:
    """A new SLA policy; it applies to tickets opened from now on."""
    _require_admin(actor)
    policy = SlaPolicy()
    errors: dict[str, list[str]] = {}
    _apply_policy(policy, data, errors)
    return _save_new(actor, policy, errors)


@transaction.atomic
def update_policy(
    *, actor: User, policy: SlaPolicy, data: Mapping[str, Any], expected_version: int | None = None
) -> SlaPolicy:
    _require_admin(actor)
    locked = _lock(SlaPolicy, policy, expected_version)
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    _apply_policy(locked, data, errors)
    return _save_changed(actor, locked, before, errors)


@transaction.atomic
def delete_policy(*, actor: User, policy: SlaPolicy, expected_version: int | None = None) -> None:
    """Delete a policy; tickets that had it keep their due times."""
    _require_admin(actor)
    locked = _lock(SlaPolicy, policy, expected_version)
    before = changes.snapshot(locked)
    locked.delete()
    changes.record_delete(actor=actor, obj=policy, before=before)


# --- canned responses -------------------------------------------------------------------------


def _may_edit_canned(actor: User, response: CannedResponse) -> bool:
    if access.is_admin(actor):
        return True
    if response.team_id is None:
        return response.created_by_id == actor.pk
    return response.team_id in actor.visible_team_ids


def _apply_canned(actor: User, response: CannedResponse, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    from accord.messaging.services.templates import check_syntax

    adding = response._state.adding
    if "name" in data or adding:
        response.name = _text(data, "name", 120, errors, required=True)
    if "body" in data or adding:
        response.body = _text(data, "body", 20_000, errors, required=True)
        if "body" not in errors:
            check_syntax({"body": response.body}, errors)
    if "language" in data:
        response.language = _text(data, "language", 10, errors, required=False)
    if "team" in data:
        team = data["team"]
        if team is not None and (
            not isinstance(team, Team) or (not access.is_admin(actor) and team.pk not in actor.visible_team_ids)
        ):
            errors["team"] = [_("You may only share responses with your own teams.")]
        else:
            response.team = team


@transaction.atomic
def create_canned(*, actor: User, data: Mapping[str, Any]) -> CannedResponse:
    if not access.can_edit_any(actor):
        raise AccessDenied()
    response = CannedResponse(created_by=actor)
    errors: dict[str, list[str]] = {}
    _apply_canned(actor, response, data, errors)
    return _save_new(actor, response, errors)


@transaction.atomic
def update_canned(
    *, actor: User, response: CannedResponse, data: Mapping[str, Any], expected_version: int | None = None
) -> CannedResponse:
    locked = _lock(CannedResponse, response, expected_version)
    if not _may_edit_canned(actor, locked):
        raise AccessDenied()
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    _apply_canned(actor, locked, data, errors)
    return _save_changed(actor, locked, before, errors)


@transaction.atomic
def delete_canned(*, actor: User, response: CannedResponse, expected_version: int | None = None) -> None:
    locked = _lock(CannedResponse, response, expected_version)
    if not _may_edit_canned(actor, locked):
        raise AccessDenied()
    before = changes.snapshot(locked)
    locked.delete()
    changes.record_delete(actor=actor, obj=response, before=before)


def render_canned(response: CannedResponse, *, ticket: Ticket, agent: User) -> str:
    """The response's text with the ticket's, the customer's and the agent's values filled in
    (the sandboxed template language of message templates: no access beyond these values)."""
    from accord.messaging.services.templates import render_text

    contact = ticket.contact
    context = {
        "contact": {"first_name": contact.first_name, "last_name": contact.last_name, "name": contact.full_name},
        "company": {"name": ticket.company.name if ticket.company_id and ticket.company else ""},
        "ticket": {"number": ticket.number, "subject": ticket.subject, "status": ticket.get_status_display()},
        "agent": {
            "name": agent.get_full_name() or agent.get_username(),
            "first_name": agent.first_name,
            "email": agent.email,
        },
    }
    return render_text(response.body, context)
