"""The personal calendar feed: an iCalendar file (RFC 5545) of a user's open tasks and their
meetings and visits, at a secret URL that Google Calendar, Outlook or a phone polls without a
session. The URL is the credential: what it serves is what the access policy lets that user see,
and it stops working when the user is deactivated or resets it.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from accord.activities import calendar
from accord.activities.models import CalendarFeed, Interaction, Task, TaskStatus
from accord.activities.services import PLANNED_CHANNELS
from accord.core import access

WINDOW_BACK = datetime.timedelta(days=30)
WINDOW_AHEAD = datetime.timedelta(days=365)
MAX_EVENTS = 5000
_SALT = "accord.activities.calendar-feed"
_SIGNATURE_LENGTH = 40


def _signature(feed: CalendarFeed) -> str:
    return salted_hmac(_SALT, f"{feed.pk}:{feed.secret}", algorithm="sha256").hexdigest()[:_SIGNATURE_LENGTH]


def token_for(feed: CalendarFeed) -> str:
    return f"{feed.pk.hex}{_signature(feed)}"


def feed_path(feed: CalendarFeed) -> str:
    return reverse("activities:calendar-feed", args=[token_for(feed)])


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed a URL's token names, if the signature is right and its user is still active."""
    if len(token) != 32 + _SIGNATURE_LENGTH:
        return None
    try:
        pk = uuid.UUID(hex=token[:32])
    except ValueError:
        return None
    feed = CalendarFeed.objects.select_related("user", "user__role").filter(pk=pk).first()
    if feed is None or not feed.user.is_active:
        return None
    if not constant_time_compare(token[32:], _signature(feed)):
        return None
    return feed


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


def _party(obj: Any) -> str:
    party = obj.contact or obj.company
    return str(party) if party else ""


def _event(*, uid: str, start: datetime.datetime, end: datetime.datetime, obj: Any, summary: str) -> Event:
    event = Event()
    event.add("uid", uid)
    # Without a METHOD, DTSTAMP is when the item was last revised: stable between two polls.
    event.add("dtstamp", _utc(obj.updated_at))
    event.add("last-modified", _utc(obj.updated_at))
    event.add("sequence", obj.version)
    event.add("dtstart", _utc(start))
    event.add("dtend", _utc(end))
    event.add("summary", summary)
    return event


def ics(user: Any, *, base_url: str, now: datetime.datetime | None = None) -> bytes:
    """The user's feed: open tasks due from 30 days ago to a year ahead, and the meetings and
    visits they logged or planned in the same window."""
    now = now or timezone.now()
    start, end = now - WINDOW_BACK, now + WINDOW_AHEAD
    feed = Calendar()
    feed.add("prodid", "-//Accord//Accord CRM//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", f"Accord · {user}")
    # How often calendar apps should poll (Outlook and Apple read the first, others the second).
    feed.add("x-published-ttl", "PT1H")
    feed.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    base = base_url.rstrip("/")
    tasks = (
        access.scope(user, Task.objects.all())
        .filter(owner=user, status=TaskStatus.OPEN, due_at__gte=start, due_at__lt=end)
        .select_related("contact", "company")
        .order_by("due_at", "id")[:MAX_EVENTS]
    )
    for task in tasks:
        assert task.due_at is not None
        event = _event(
            uid=f"task-{task.pk}@accord",
            start=task.due_at,
            end=task.due_at + calendar.TASK_BLOCK,
            obj=task,
            summary=_("Task: %(title)s") % {"title": task.title},
        )
        url = f"{base}{reverse('activities:task-edit', args=[task.pk])}"
        event.add("description", "\n\n".join(part for part in (task.description, _party(task), url) if part))
        event.add("url", url)
        event.add("categories", [_("Task")])
        event.add("transp", "TRANSPARENT")  # a task does not make its owner busy
        feed.add_component(event)
    meetings = (
        access.scope(user, Interaction.objects.all())
        .filter(author=user, channel__in=PLANNED_CHANNELS, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("contact", "company")
        .order_by("occurred_at", "id")[:MAX_EVENTS]
    )
    for interaction in meetings:
        party = _party(interaction)
        channel = interaction.get_channel_display()
        summary = interaction.subject or (f"{channel}: {party}" if party else channel)
        event = _event(
            uid=f"interaction-{interaction.pk}@accord",
            start=interaction.occurred_at,
            end=interaction.occurred_at + calendar.meeting_length(interaction),
            obj=interaction,
            summary=summary,
        )
        url = f"{base}{reverse('activities:interaction-edit', args=[interaction.pk])}"
        event.add("description", "\n\n".join(part for part in (interaction.body, party, url) if part))
        event.add("url", url)
        event.add("categories", [channel])
        event.add("transp", "OPAQUE")
        feed.add_component(event)
    return feed.to_ical()
