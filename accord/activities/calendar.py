"""The calendar: a user's tasks (at their due time) and meetings and visits (at their time, for
their duration), read for a range of dates, and moved to another time by dragging.

Reads are scoped by the access policy like every list; "team" widens "mine" to the members of the
teams the user manages. Moves go through the task and interaction services with the version the
calendar showed, so a stale drag is a conflict and changes nothing.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accord.activities import selectors, services
from accord.activities.models import Interaction, InteractionChannel, Task, TaskStatus
from accord.core import access
from accord.core.access import Action
from accord.identity.models import Team, User

TASK = "task"
KINDS = (TASK, InteractionChannel.MEETING.value, InteractionChannel.VISIT.value)
MINE, TEAM = "mine", "team"
# A task is a moment; the calendar draws it as a short block so it can be seen and grabbed.
TASK_BLOCK = datetime.timedelta(minutes=30)
# A meeting logged without a duration is drawn (and exported) as an hour.
DEFAULT_MEETING = datetime.timedelta(hours=1)
MAX_ITEMS = 2000
MAX_RANGE = datetime.timedelta(days=62)
# A month view's cell holds about this many characters; longer titles are cut there, and the full
# text is in the item's ``detail`` (its tooltip).
SHORT_TITLE = 32


@dataclass(frozen=True)
class Item:
    kind: str  # "task", "meeting" or "visit"
    pk: uuid.UUID
    title: str  # short, for a month view's cell: "Meeting: Nowak", a task's title
    start: datetime.datetime
    end: datetime.datetime
    version: int
    editable: bool
    done: bool
    url: str
    party: str
    owner: str
    owner_id: Any
    detail: str = ""  # the full text, for the tooltip: "Meeting: Jan Nowak — Contract review"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.pk}"


def manages_a_team(user: Any) -> bool:
    return Team.objects.filter(managers=user).exists()


def _people(user: Any, who: str) -> QuerySet[Any] | None:
    """Whose items to show besides the user's own: the members of the teams they manage."""
    if who != TEAM:
        return None
    return User.objects.filter(teams__managers=user, is_active=True).values("pk")


def _party_url(contact_id: Any, company_id: Any) -> str:
    if contact_id:
        return reverse("people:contact-detail", args=[contact_id])
    if company_id:
        return reverse("people:company-detail", args=[company_id])
    return ""


def shorten(text: str, limit: int = SHORT_TITLE) -> str:
    """``text`` cut at a word to fit ``limit`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,.;:-–—") + "…"


def _short_party(contact: Any, company: Any) -> str:
    """Whom an item is with, in a word: a contact's surname, else a company's name."""
    if contact is not None:
        return contact.last_name or str(contact)
    return str(company) if company is not None else ""


def _detail(*parts: str) -> str:
    return " — ".join(p for p in parts if p)


def _task_item(user: Any, task: Task) -> Item:
    editable = task.status == TaskStatus.OPEN and access.can(user, Action.CHANGE, task)
    party = task.contact or task.company
    url = reverse("activities:task-edit", args=[task.pk]) if access.can(user, Action.CHANGE, task) else ""
    assert task.due_at is not None
    return Item(
        kind=TASK,
        pk=task.pk,
        title=shorten(task.title),
        detail=_detail(task.title, str(party) if party else ""),
        start=task.due_at,
        end=task.due_at + TASK_BLOCK,
        version=task.version,
        editable=editable,
        done=task.status == TaskStatus.DONE,
        url=url or _party_url(task.contact_id, task.company_id) or reverse("activities:task-list"),
        party=str(party) if party else "",
        owner=str(task.owner),
        owner_id=task.owner_id,
    )


def meeting_length(interaction: Interaction) -> datetime.timedelta:
    if interaction.duration_seconds:
        return datetime.timedelta(seconds=interaction.duration_seconds)
    return DEFAULT_MEETING


def _interaction_item(user: Any, interaction: Interaction) -> Item:
    editable = access.can(user, Action.CHANGE, interaction)
    party = interaction.contact or interaction.company
    channel = interaction.get_channel_display()
    who = _short_party(interaction.contact, interaction.company)
    title = shorten(f"{channel}: {who}" if who else interaction.subject or channel)
    full = f"{channel}: {party}" if party else channel
    url = reverse("activities:interaction-edit", args=[interaction.pk]) if editable else ""
    return Item(
        kind=interaction.channel,
        pk=interaction.pk,
        title=title,
        detail=_detail(full, interaction.subject),
        start=interaction.occurred_at,
        end=interaction.occurred_at + meeting_length(interaction),
        version=interaction.version,
        editable=editable,
        done=False,
        url=url or _party_url(interaction.contact_id, interaction.company_id),
        party=str(party) if party else "",
        owner=str(interaction.author),
        owner_id=interaction.author_id,
    )


def items(
    user: Any,
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    who: str = MINE,
    kinds: tuple[str, ...] | list[str] = KINDS,
) -> list[Item]:
    """What the user's calendar shows between ``start`` and ``end``, in time order."""
    if end <= start:
        return []
    end = min(end, start + MAX_RANGE)
    people = _people(user, who)
    found: list[Item] = []
    if TASK in kinds:
        mine = Q(owner=user) | Q(owner__in=people) if people is not None else Q(owner=user)
        tasks = (
            selectors.visible_tasks(user)
            .filter(mine, due_at__gte=start, due_at__lt=end, status__in=[TaskStatus.OPEN, TaskStatus.DONE])
            .select_related("owner", "contact", "company")
            .order_by("due_at", "id")[:MAX_ITEMS]
        )
        found.extend(_task_item(user, task) for task in tasks)
    channels = [k for k in kinds if k != TASK and k in KINDS]
    if channels:
        mine = Q(author=user) | Q(author__in=people) if people is not None else Q(author=user)
        # A meeting that started before ``start`` may still be going on; none lasts longer than a day.
        earliest = start - datetime.timedelta(days=1)
        meetings = (
            selectors.visible_interactions(user)
            .filter(mine, channel__in=channels, occurred_at__gte=earliest, occurred_at__lt=end)
            .select_related("author", "contact", "company")
            .order_by("occurred_at", "id")[:MAX_ITEMS]
        )
        found.extend(item for item in (_interaction_item(user, i) for i in meetings) if item.end > start)
    return sorted(found, key=lambda item: (item.start, item.title))


def parse_local(raw: str, *, field: str = "start") -> datetime.datetime:
    """A time as the calendar sends it (the user's wall clock, or with an offset) made aware."""
    try:
        value = parse_datetime(raw.strip()) if raw else None
        if value is None and raw and len(raw.strip()) == 10:
            value = parse_datetime(f"{raw.strip()}T00:00:00")
    except ValueError:
        value = None
    if value is None:
        raise ValidationError({field: [_("Enter a date and time in ISO 8601.")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def move(*, actor: User | None, kind: str, pk: Any, start: datetime.datetime, expected_version: int) -> Item:
    """Move a task's due time (its reminder keeps its distance) or a meeting's time. A drag always
    carries the version it was made on: a stale one raises Conflict and moves nothing."""
    if kind == TASK:
        task = selectors.task_detail(actor, pk)
        moved = services.reschedule_task(actor=actor, task=task, due_at=start, expected_version=expected_version)
        return _task_item(actor, selectors.task_detail(actor, moved.pk))
    if kind in KINDS:
        interaction = selectors.interaction_detail(actor, pk)
        if interaction.channel != kind:
            raise Http404
        moved_interaction = services.update_interaction(
            actor=actor, interaction=interaction, data={"occurred_at": start}, expected_version=expected_version
        )
        return _interaction_item(actor, selectors.interaction_detail(actor, moved_interaction.pk))
    raise Http404
