"""Forms of the timeline composer and the task screens."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.activities.models import (
    CHANNEL_FIELDS,
    CallOutcome,
    Direction,
    InteractionChannel,
    TaskPriority,
    channels_with,
)
from accord.activities.services import TaskData
from accord.core.forms import apply_errors, message_dict
from accord.identity.models import User

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=InteractionChannel.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=[("", "—"), *Direction.choices], required=False)
    occurred_at = forms.DateTimeField(label=_("When"), required=False, widget=DATETIME)
    duration_minutes = forms.DecimalField(
        label=_("Duration (minutes)"), required=False, min_value=0, max_digits=6, decimal_places=1
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *CallOutcome.choices], required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    # The form's inputs that only some channels record, and the service's names for them.
    CHANNEL_INPUTS = {"direction": "direction", "duration_minutes": "duration_seconds", "outcome": "outcome"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.initial.get("occurred_at") is None:
            # A new entry is usually about what just happened: "When" starts at now, to the minute,
            # shown in the user's time zone (the field renders it in the active one).
            self.initial["occurred_at"] = timezone.now().replace(second=0, microsecond=0)

    @property
    def field_channels(self) -> dict[str, str]:
        """For each input only some channels record, those channels (space-separated): the
        screen shows the input only while one of them is chosen."""
        return {name: " ".join(channels_with(field)) for name, field in self.CHANNEL_INPUTS.items()}

    @property
    def off(self) -> set[str]:
        """The inputs the chosen channel does not record (hidden until another is chosen)."""
        fits = CHANNEL_FIELDS.get(str(self["channel"].value() or ""), frozenset())
        return {name for name, field in self.CHANNEL_INPUTS.items() if field not in fits}

    def apply_errors(self, exc: ValidationError) -> None:
        """The service's errors on the inputs (its ``duration_seconds`` is ``duration_minutes`` here)."""
        errors = message_dict(exc)
        if "duration_seconds" in errors:
            errors["duration_minutes"] = errors.pop("duration_seconds")
        apply_errors(self, ValidationError(errors))

    def interaction_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        minutes = data.get("duration_minutes")
        return {
            "channel": data["channel"],
            "direction": data.get("direction") or "",
            "occurred_at": data.get("occurred_at") or timezone.now(),
            "duration_seconds": int(minutes * 60) if minutes is not None else None,
            "outcome": data.get("outcome") or "",
            "subject": data.get("subject") or "",
            "body": data.get("body") or "",
        }


def due_shortcuts(now: datetime.datetime | None = None) -> list[tuple[str, str]]:
    """The due-date shortcuts, in the active (the user's) time zone, as a datetime input takes them.

    Today: 17:00, the end of the working day (once that has passed, the next full hour, at most 23:59).
    Tomorrow: 9:00 tomorrow. Next week: 9:00 a week from today (today + 7 days), as people read
    "in a week".
    """
    local = timezone.localtime(now)
    end_of_day = local.replace(hour=17, minute=0, second=0, microsecond=0)
    if local >= end_of_day:
        end_of_day = min(
            (local + datetime.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0),
            local.replace(hour=23, minute=59, second=0, microsecond=0),
        )
    morning = local.replace(hour=9, minute=0, second=0, microsecond=0)
    tomorrow = morning + datetime.timedelta(days=1)
    in_a_week = morning + datetime.timedelta(days=7)
    return [
        (str(label), _at_local(moment).strftime("%Y-%m-%dT%H:%M"))
        for label, moment in ((_("Today"), end_of_day), (_("Tomorrow"), tomorrow), (_("Next week"), in_a_week))
    ]


def _at_local(moment: datetime.datetime) -> datetime.datetime:
    """The same wall-clock time on that day in the active time zone (across a DST change)."""
    return timezone.make_aware(moment.replace(tzinfo=None))


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    due_at = forms.DateTimeField(label=_("Due"), required=False, widget=DATETIME)
    remind_at = forms.DateTimeField(label=_("Remind me at"), required=False, widget=DATETIME)
    priority = forms.ChoiceField(label=_("Priority"), choices=TaskPriority.choices, initial=TaskPriority.NORMAL)
    owner = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, assignable: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if assignable is None:
            del self.fields["owner"]
        else:
            cast(forms.ModelChoiceField, self.fields["owner"]).queryset = assignable

    @property
    def due_shortcuts(self) -> list[tuple[str, str]]:
        return due_shortcuts()

    def task_data(self) -> TaskData:
        data: TaskData = {
            "title": self.cleaned_data["title"],
            "due_at": self.cleaned_data.get("due_at"),
            "remind_at": self.cleaned_data.get("remind_at"),
            "priority": self.cleaned_data["priority"],
            "description": self.cleaned_data.get("description") or "",
        }
        if "owner" in self.fields and self.cleaned_data.get("owner"):
            data["owner"] = self.cleaned_data["owner"]
        return data
