"""The calendar screen, its events and moves (JSON for the calendar widget), and the feed URL."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.csp import CSP
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

from accord.activities import calendar, feeds, selectors, services
from accord.activities.models import CalendarFeed
from accord.core import access
from accord.core.access import AccessDenied
from accord.core.errors import Conflict, message_dict
from accord.core.requests import AuthedRequest

VIEWS = {"month": "dayGridMonth", "week": "timeGridWeek", "day": "timeGridDay", "list": "listWeek"}


def _filters(request: HttpRequest) -> tuple[str, list[str], bool]:
    """Whose items (mine, or my team's for a manager) and which kinds, from the query string."""
    manager = calendar.manages_a_team(request.user)
    who = calendar.TEAM if manager and request.GET.get("who") == calendar.TEAM else calendar.MINE
    asked = [kind for value in request.GET.getlist("kind") for kind in value.split(",")]
    kinds = [k for k in calendar.KINDS if k in asked] if asked else list(calendar.KINDS)
    return who, kinds, manager


def _local_iso(value: datetime.datetime) -> str:
    """A time as the calendar widget takes it: the user's wall clock, without an offset."""
    return timezone.localtime(value).replace(tzinfo=None).isoformat(timespec="seconds")


def event_json(item: calendar.Item, user: Any) -> dict[str, Any]:
    classes = [f"cal-{item.kind}"] + (["cal-done"] if item.done else [])
    # In a team's calendar, whose each item is shows in its title.
    title = item.title if item.owner_id == user.pk else f"{item.title} ({item.owner})"
    return {
        "id": item.key,
        "title": title,
        "start": _local_iso(item.start),
        "end": _local_iso(item.end),
        "url": item.url,
        "editable": item.editable,
        "classNames": classes,
        "extendedProps": {
            "kind": item.kind,
            "pk": str(item.pk),
            "version": item.version,
            "party": item.party,
            "owner": item.owner,
            "detail": item.detail,
        },
    }


def first_day_of_week() -> int:
    """The day weeks start on in the active language (FIRST_DAY_OF_WEEK: 0 Sunday, 1 Monday...)."""
    return int(formats.get_format("FIRST_DAY_OF_WEEK")) % 7


def _week_of(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime, list[datetime.date]]:
    """The week around ``day``, from the language's first day of the week."""
    # date.weekday() counts from Monday (0), FIRST_DAY_OF_WEEK from Sunday (0).
    first = day - datetime.timedelta(days=(day.weekday() + 1 - first_day_of_week()) % 7)
    days = [first + datetime.timedelta(days=n) for n in range(7)]
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(days[-1] + datetime.timedelta(days=1), datetime.time.min))
    return start, end, days


def _locale() -> dict[str, Any]:
    """The calendar widget's words in the user's language (its own translations are not loaded)."""
    return {
        "code": translation.get_language() or settings.LANGUAGE_CODE,
        # Weeks start on the language's first day; weeks of the year are ISO's where they start on
        # Monday, else the US rule (the week of 1 January is the first).
        "week": {"dow": first_day_of_week(), "doy": 4 if first_day_of_week() == 1 else 6},
        "buttonText": {
            "prev": _("Previous"),
            "next": _("Next"),
            "today": _("Today"),
            "month": _("Month"),
            "week": _("Week"),
            "day": _("Day"),
            "list": _("Agenda"),
        },
        "buttonHints": {"prev": _("Previous $0"), "next": _("Next $0"), "today": _("This $0")},
        "viewHint": _("$0 view"),
        "navLinkHint": _("Go to $0"),
        "moreLinkHint": _("Show $0 more"),
        "closeHint": _("Close"),
        "timeHint": _("Time"),
        "eventHint": _("Event"),
        "allDayText": _("All day"),
        "moreLinkText": _("more"),
        "noEventsText": _("Nothing planned in these days."),
        "weekText": _("Wk"),
    }


def _feed_of(user: Any) -> CalendarFeed | None:
    return selectors.calendar_feed_of(user)


# FullCalendar 6 adds one empty <style> element and fills it through the CSSOM, which the policy
# allows; the hash of the empty text lets that element exist and no inline style more. Its arrows
# are drawn with an icon font in a data: URI.
EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
CALENDAR_POLICY: dict[str, Any] = dict(settings.SECURE_CSP)
CALENDAR_POLICY["style-src"] = [*CALENDAR_POLICY["style-src"], EMPTY_STYLE_HASH]
CALENDAR_POLICY["font-src"] = [CSP.SELF, "data:"]


@csp_override(CALENDAR_POLICY)
@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    who, kinds, manager = _filters(request)
    view = request.GET.get("view", "")
    day = parse_date(request.GET.get("date", "")) or timezone.localdate()
    start, end, days = _week_of(day)
    # Without JavaScript the page is an agenda of one week, with links to the weeks around it.
    by_day: dict[datetime.date, list[calendar.Item]] = defaultdict(list)
    for item in calendar.items(request.user, start=start, end=end, who=who, kinds=kinds):
        by_day[timezone.localtime(item.start).date()].append(item)
    feed = _feed_of(request.user)
    config = {
        "eventsUrl": reverse("activities:calendar-events"),
        "moveUrl": reverse("activities:calendar-move"),
        "csrfToken": get_token(request),
        "timeZone": timezone.get_current_timezone_name(),
        "initialDate": day.isoformat(),
        "initialView": VIEWS.get(view, ""),
        "who": who,
        "kinds": kinds,
        "locale": _locale(),
        "messages": {
            "moved": _("Moved."),
            "failed": _("The item could not be moved. Check your connection and try again."),
        },
    }
    return render(
        request,
        "activities/calendar.html",
        {
            "config": config,
            "who": who,
            "kinds": kinds,
            "kind_choices": [(calendar.TASK, _("Tasks")), ("meeting", _("Meetings")), ("visit", _("Visits"))],
            "manager": manager,
            "agenda": [(d, by_day.get(d, [])) for d in days],
            "previous_week": (days[0] - datetime.timedelta(days=7)).isoformat(),
            "next_week": (days[0] + datetime.timedelta(days=7)).isoformat(),
            "filter_query": urlencode([("who", who)] + [("kind", k) for k in kinds]),
            "feed_url": request.build_absolute_uri(feeds.feed_path(feed)) if feed else "",
            "time_zone": timezone.get_current_timezone_name(),
            "can_move": access.can_edit_any(request.user),
        },
    )


@login_required
def calendar_events(request: HttpRequest) -> JsonResponse:
    """The items between ``start`` and ``end`` (the calendar widget's events feed)."""
    who, kinds, _manager = _filters(request)
    try:
        start = calendar.parse_local(request.GET.get("start", ""), field="start")
        end = calendar.parse_local(request.GET.get("end", ""), field="end")
    except ValidationError as exc:
        return JsonResponse({"message": _("Some fields are invalid."), "errors": message_dict(exc)}, status=400)
    found = calendar.items(request.user, start=start, end=end, who=who, kinds=kinds)
    return JsonResponse([event_json(item, request.user) for item in found], safe=False)


@login_required
@require_POST
def calendar_move(request: AuthedRequest) -> JsonResponse:
    """Move an item dragged to another day or time; answers with it as it now is.

    The move must carry the version the calendar showed: a drag made on an old picture of the item
    would otherwise put back a time someone has changed since."""
    raw_version = request.POST.get("version", "").strip()
    if not raw_version:
        message = _(
            "The move did not say which version of the item it was made on: reload the calendar and move it again."
        )
        return JsonResponse({"message": message, "errors": {"version": [_("This field is required.")]}}, status=428)
    try:
        start = calendar.parse_local(request.POST.get("start", ""))
        version = int(raw_version)
        item = calendar.move(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            pk=request.POST.get("id", ""),
            start=start,
            expected_version=version,
        )
    except Conflict as exc:
        return JsonResponse({"message": exc.message, "current_version": exc.current_version}, status=409)
    except ValidationError as exc:
        errors = message_dict(exc)
        text = " ".join(m for field_messages in errors.values() for m in field_messages)
        return JsonResponse({"message": text, "errors": errors}, status=422)
    except ValueError:
        return JsonResponse({"message": _("The version must be a whole number.")}, status=400)
    except AccessDenied as exc:
        return JsonResponse({"message": exc.message}, status=403)
    except Http404:
        return JsonResponse({"message": _("This item no longer exists, or you cannot see it.")}, status=404)
    return JsonResponse({"event": event_json(item, request.user)})


@login_required
@require_POST
def calendar_feed_reset(request: AuthedRequest) -> HttpResponse:
    had_one = _feed_of(request.user) is not None
    services.reset_calendar_feed(actor=request.user)
    messages.success(
        request,
        _("Your calendar has a new private address; the previous one no longer works.")
        if had_one
        else _("Your calendar has a private address: add it to your calendar app."),
    )
    return redirect(f"{reverse('activities:calendar')}#feed")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed. No session: the secret in the URL is the credential."""
    feed = feeds.feed_for_token(token)
    if feed is None:
        raise Http404
    user = feed.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = feeds.ics(user, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="accord.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
