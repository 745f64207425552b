"""The interaction and task lists: their columns and bulk actions (see core/lists.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.activities import selectors, services
from accord.activities.models import TaskPriority
from accord.core.lists import Column, EditableField, ListScreen, register
from accord.identity.selectors import assignable_users

INTERACTIONS = register(
    ListScreen(
        key="interaction",
        spec=selectors.INTERACTION_LIST,
        title=_("interactions"),
        list_url="activities:interaction-list",
        export_url="activities:interaction-export",
        detail_url="activities:interaction-edit",
        columns=[
            Column("what", _("What"), fixed=True),
            Column("with", _("With")),
            Column("when", _("When")),
            Column("author", _("Logged by")),
            Column("direction", _("Direction"), default=False),
        ],
        visible=selectors.visible_interactions,
        describe=lambda i: f"{i.get_channel_display()}: {i.subject}" if i.subject else i.get_channel_display(),
        # What happened is not edited in bulk; a wrongly logged batch (an import) can be deleted.
        delete=lambda actor, interaction: services.delete_interaction(actor=actor, interaction=interaction),
    )
)

TASKS = register(
    ListScreen(
        key="task",
        spec=selectors.TASK_LIST,
        title=_("tasks"),
        list_url="activities:task-list",
        export_url="activities:task-export",
        detail_url="activities:task-edit",
        columns=[
            Column("title", _("Task"), fixed=True),
            Column("due", _("Due")),
            Column("priority", _("Priority")),
            Column("party", _("Contact or company")),
            Column("owner", _("Assignee")),
        ],
        visible=selectors.visible_tasks,
        describe=lambda task: task.title,
        assignable=assignable_users,
        fields=[
            EditableField(
                "priority", _("Priority"), lambda: forms.ChoiceField(choices=[("", "—"), *TaskPriority.choices])
            ),
            EditableField(
                "due_at",
                _("Due"),
                lambda: forms.DateTimeField(
                    required=False,
                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                ),
            ),
        ],
        update=lambda actor, task, data: services.update_task(actor=actor, task=task, data=services.task_data(data)),
        delete=lambda actor, task: services.delete_task(actor=actor, task=task),
        owner_word="assignee",
        keeps=("all",),
    )
)
