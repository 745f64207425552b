"""Reads of interactions and tasks: timelines, "My day", lists — scoped by the access policy."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.activities.models import (
    CalendarFeed,
    Direction,
    Interaction,
    InteractionChannel,
    InteractionParticipant,
    Task,
    TaskPriority,
    TaskStatus,
)
from accord.core import access, attachments
from accord.core.exports import Column, walk
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, encode_cursor, paginate
from accord.core.models import Attachment, entity_label
from accord.people.models import Company, Contact

TIMELINE_PAGE_SIZE = 25


def _search_interactions(qs: QuerySet[Interaction], text: str) -> QuerySet[Interaction]:
    return qs.filter(Q(subject__icontains=text) | Q(body__icontains=text))


def _search_tasks(qs: QuerySet[Task], text: str) -> QuerySet[Task]:
    return qs.filter(Q(title__icontains=text) | Q(description__icontains=text))


INTERACTION_LIST = ListSpec[Interaction](
    entity=entity_label(Interaction),
    filters=[
        Filter("channel", "channel", kind="choice", choices=InteractionChannel.values),
        Filter("direction", "direction", kind="choice", choices=Direction.values),
        Filter("contact", "contact_id", kind="uuid"),
        Filter("company", "company_id", kind="uuid"),
        Filter("author", "author_id", kind="uuid"),
        Filter("occurred_after", "occurred_at", kind="datetime", lookup="gte"),
        Filter("occurred_before", "occurred_at", kind="datetime", lookup="lt"),
    ],
    sorts=[Sort("occurred", "occurred_at", kind="datetime"), Sort("created", "created_at", kind="datetime")],
    default_sort="-occurred",
    search=_search_interactions,
)

TASK_LIST = ListSpec[Task](
    entity=entity_label(Task),
    filters=[
        Filter("status", "status", kind="choice", choices=TaskStatus.values),
        Filter("priority", "priority", kind="choice", choices=TaskPriority.values),
        Filter("owner", "owner_id", kind="uuid"),
        Filter("team", "team_id", kind="uuid"),
        Filter("contact", "contact_id", kind="uuid"),
        Filter("company", "company_id", kind="uuid"),
        Filter("due_after", "due_at", kind="datetime", lookup="gte"),
        Filter("due_before", "due_at", kind="datetime", lookup="lt"),
    ],
    sorts=[
        Sort("due", "due_at", kind="datetime", nullable=True),
        Sort("created", "created_at", kind="datetime"),
        Sort("title", "title"),
    ],
    default_sort="due",
    search=_search_tasks,
)


# Files attached to a contact or company are on its timeline too, at the time they were attached;
# the sort is named as the interactions' is, so one cursor pages through both.
TIMELINE_FILES = ListSpec[Attachment](
    entity=entity_label(Attachment),
    filters=[],
    sorts=[Sort("occurred", "created_at", kind="datetime")],
    default_sort="-occurred",
)
FILES_CHANNEL = "files"


def visible_interactions(user: Any) -> QuerySet[Interaction]:
    return access.scope(user, Interaction.objects.all())


def visible_tasks(user: Any) -> QuerySet[Task]:
    return access.scope(user, Task.objects.all())


def _interaction_rows(qs: QuerySet[Interaction]) -> QuerySet[Interaction]:
    return qs.select_related("author", "contact", "company")


def interaction_page(user: Any, query: ListQuery) -> Page[Interaction]:
    qs = apply(INTERACTION_LIST, query, visible_interactions(user))
    return paginate(INTERACTION_LIST, query, _interaction_rows(qs))


def task_page(user: Any, query: ListQuery) -> Page[Task]:
    qs = apply(TASK_LIST, query, visible_tasks(user))
    return paginate(TASK_LIST, query, qs.select_related("owner", "contact", "company"))


def interaction_detail(user: Any, pk: Any) -> Interaction:
    qs = _interaction_rows(Interaction.objects.all()).prefetch_related("participants")
    return access.get_visible(user, qs, pk=pk)


def task_detail(user: Any, pk: Any) -> Task:
    return access.get_visible(user, Task.objects.select_related("owner", "contact", "company"), pk=pk)


def _when(row: Interaction | Attachment) -> datetime.datetime:
    return row.created_at if isinstance(row, Attachment) else row.occurred_at


def timeline(party: Contact | Company, *, cursor: str = "", channel: str = "") -> Page[Interaction | Attachment]:
    """The party's interactions and files, newest first, one page at a time.

    The caller has already established that the user may see ``party``; its whole timeline is
    then visible, whoever logged each entry. The query count does not grow with the timeline.

    A contact's timeline is what was logged on the contact, what they took part in and the files
    attached to them. Each is read by its own keyset query, which walks an index in order and stops
    after a page, and they are merged here: one query with an OR of them would make the database
    sort the whole timeline (10,000 rows for a busy contact) to show 25 of them. ``channel`` picks
    one channel, or ``files`` for the files alone.
    """
    query = ListQuery(sort="-occurred", cursor=cursor, limit=TIMELINE_PAGE_SIZE)
    sources: list[QuerySet[Interaction]] = []
    if channel != FILES_CHANNEL:
        if isinstance(party, Contact):
            direct = Interaction.objects.filter(contact=party)
            joined = Interaction.objects.filter(
                pk__in=InteractionParticipant.objects.filter(contact=party).values("interaction_id")
            ).exclude(contact=party)
            sources = [direct, joined]
        else:
            sources = [Interaction.objects.filter(company=party)]
        if channel:
            sources = [qs.filter(channel=channel) for qs in sources]
    pages: list[Page[Any]] = [paginate(INTERACTION_LIST, query, _interaction_rows(qs)) for qs in sources]
    if not channel or channel == FILES_CHANNEL:
        pages.append(paginate(TIMELINE_FILES, query, attachments.for_record(party)))
    if len(pages) == 1:
        return pages[0]
    rows = sorted((row for page in pages for row in page.items), key=lambda r: (_when(r), r.pk), reverse=True)
    more = len(rows) > query.limit or any(page.next_cursor for page in pages)
    rows = rows[: query.limit]
    next_cursor = encode_cursor(_when(rows[-1]), rows[-1].pk) if more and rows else None
    prev_cursor = encode_cursor(_when(rows[0]), rows[0].pk) if cursor and rows else None
    return Page(items=rows, next_cursor=next_cursor, prev_cursor=prev_cursor, limit=query.limit)


def interactions_about(user: Any, obj: models.Model, *, limit: int = 20) -> list[Interaction]:
    """The newest interactions logged about ``obj`` (a deal, a lead: the record they were logged
    ``related`` to) that ``user`` may see, newest first. Http404 when ``user`` may not see ``obj``.

    Each interaction is visible by its own rule (its contact's, its company's, its author's), not by
    ``obj``'s: a teammate's deal may have a call logged on a contact of another team, and seeing the
    deal does not open that call."""
    if not access.can_view(user, obj):
        raise Http404
    kind = ContentType.objects.get_for_model(obj)
    qs = visible_interactions(user).filter(related_type=kind, related_id=obj.pk)
    return list(_interaction_rows(qs).order_by("-occurred_at", "-id")[:limit])


def open_tasks_of(user: Any, party: Contact | Company, limit: int = 10) -> list[Task]:
    field = "contact" if isinstance(party, Contact) else "company"
    qs = visible_tasks(user).filter(**{field: party}, status=TaskStatus.OPEN).select_related("owner")
    return list(qs.order_by("due_at", "id")[:limit])


def calendar_feed_of(user: Any) -> CalendarFeed | None:
    """The user's own calendar subscription, if they made one."""
    return CalendarFeed.objects.filter(user=user).first()


@dataclass
class MyDay:
    overdue: list[Task]
    today: list[Task]
    upcoming: list[Task]
    no_date: list[Task]
    recent_interactions: list[Interaction]

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.today or self.upcoming or self.no_date)


def my_day(user: Any, *, now: datetime.datetime | None = None, limit: int = 50) -> MyDay:
    """The user's open tasks by urgency, in their time zone, and what they logged today."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end_of_day = start_of_day + datetime.timedelta(days=1)
    week = start_of_day + datetime.timedelta(days=8)
    mine = Task.objects.filter(owner=user, status=TaskStatus.OPEN).select_related("contact", "company")
    return MyDay(
        overdue=list(mine.filter(due_at__lt=now).order_by("due_at", "id")[:limit]),
        today=list(mine.filter(due_at__gte=now, due_at__lt=end_of_day).order_by("due_at", "id")[:limit]),
        upcoming=list(mine.filter(due_at__gte=end_of_day, due_at__lt=week).order_by("due_at", "id")[:limit]),
        no_date=list(mine.filter(due_at__isnull=True).order_by("-created_at", "id")[:10]),
        recent_interactions=list(
            _interaction_rows(
                Interaction.objects.filter(author=user, occurred_at__gte=start_of_day, occurred_at__lte=now)
            ).order_by("-occurred_at", "-id")[:10]
        ),
    )


# --- exports ---------------------------------------------------------------------------------------------


def _name(party: Any) -> str:
    return str(party) if party is not None else ""


def interaction_columns() -> list[Column]:
    return [
        Column("id", lambda i: i.pk, _("ID")),
        Column("occurred_at", lambda i: i.occurred_at, _("When")),
        Column("channel", lambda i: i.channel, _("Channel")),
        Column("direction", lambda i: i.direction, _("Direction")),
        Column("outcome", lambda i: i.outcome, _("Outcome")),
        Column("duration_seconds", lambda i: i.duration_seconds, _("Duration (seconds)")),
        Column("subject", lambda i: i.subject, _("Subject")),
        Column("body", lambda i: i.body, _("Details")),
        Column("contact", lambda i: _name(i.contact), _("Contact")),
        Column("company", lambda i: _name(i.company), _("Company")),
        Column("author", lambda i: i.author.username if i.author else "", _("Author")),
    ]


def interactions_for_export(user: Any, query: ListQuery) -> Iterator[Interaction]:
    """The filtered list for an export by ``user``, who needs the export permission."""
    access.require_export(user)
    return walk(INTERACTION_LIST, query, _interaction_rows(apply(INTERACTION_LIST, query, visible_interactions(user))))


def task_columns() -> list[Column]:
    return [
        Column("id", lambda t: t.pk, _("ID")),
        Column("title", lambda t: t.title, _("Title")),
        Column("status", lambda t: t.status, _("Status")),
        Column("priority", lambda t: t.priority, _("Priority")),
        Column("due_at", lambda t: t.due_at, _("Due")),
        Column("owner", lambda t: t.owner.username, _("Owner")),
        Column("contact", lambda t: _name(t.contact), _("Contact")),
        Column("company", lambda t: _name(t.company), _("Company")),
        Column("description", lambda t: t.description, _("Description")),
        Column("completed_at", lambda t: t.completed_at, _("Completed")),
        Column("created_at", lambda t: t.created_at, _("Created")),
    ]


def tasks_for_export(user: Any, query: ListQuery) -> Iterator[Task]:
    """The filtered list for an export by ``user``, who needs the export permission."""
    access.require_export(user)
    qs = apply(TASK_LIST, query, visible_tasks(user)).select_related("owner", "contact", "company")
    return walk(TASK_LIST, query, qs)
