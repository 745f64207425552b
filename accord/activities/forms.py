"""Forms of the timeline composer and the task screens."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.activities.models import CallOutcome, Direction, InteractionChannel, TaskPriority
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

    def task_data(self) -> dict[str, Any]:
        data = {
            "title": self.cleaned_data["title"],
            "due_at": self.cleaned_data.get("due_at"),
            "remind_at": self.cleaned_data.get("remind_at"),
            "priority": self.cleaned_data["priority"],
            "description": self.cleaned_data.get("description") or "",
        }
        if "owner" in self.fields and self.cleaned_data.get("owner"):
            data["owner"] = self.cleaned_data["owner"]
        return data
