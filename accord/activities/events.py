"""The payloads of activities' own events (interactions' and tasks' created, updated... events
are the core's families, core/event_types.py)."""

from __future__ import annotations

import datetime
import uuid

from accord.core.events import EventPayload


class Reminder(EventPayload):
    """A task whose reminder time came (registered under no name: a part of the events below)."""

    id: uuid.UUID
    title: str
    owner_id: uuid.UUID
    due_at: datetime.datetime | None
    remind_at: datetime.datetime | None


class ReminderDue(Reminder):
    """One task's reminder fell due: the task is the event's object."""

    name = "activities.task.reminder_due"


class RemindersDue(EventPayload):
    """Several of one person's reminders fell due together."""

    name = "activities.task.reminders_due"
    owner_id: uuid.UUID
    tasks: list[Reminder]
