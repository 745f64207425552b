"""What messaging does when other apps' events arrive."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accord.core.events import on
from accord.core.models import Event
from accord.identity.models import User
from accord.messaging import services


@on("activities.task.reminder_due")
def remind_task_owner(event: Event) -> None:
    """A task's reminder time has come: tell its assignee in the app."""
    from accord.activities.models import Task

    if event.object_id is None:
        return
    task = Task.objects.filter(pk=event.object_id).select_related("contact", "company").first()
    if task is None:
        return  # deleted since; nothing to remind of
    owner = User.objects.filter(pk=event.payload.get("owner_id")).first()
    if owner is None or not owner.is_active:
        return
    with translation.override(owner.language or None):
        if task.due_at:
            due = formats.date_format(timezone.localtime(task.due_at), "SHORT_DATETIME_FORMAT")
            body = _("Due %(when)s") % {"when": due}
        else:
            body = ""
        party = task.contact or task.company
        if party is not None:
            body = f"{body} · {party}" if body else str(party)
        services.notify(
            user=owner,
            subject=_("Reminder: %(title)s") % {"title": task.title},
            body=body,
            url=reverse("activities:task-edit", args=[task.pk]),
            idempotency_key=f"task-reminder:{task.pk}:{event.payload.get('remind_at')}",
            related=task,
        )


@on("messaging.notify_requested")
def notify_requested(event: Event) -> None:
    """Another app asks for an in-app notification (apps above messaging cannot import it).

    Payload: ``user_id``, ``subject``, ``body``, ``url``, ``idempotency_key`` and optionally the
    record it is about as ``related_entity`` ("sales.deal") and ``related_id``.
    """
    from django.apps import apps
    from django.core.exceptions import ValidationError

    payload = event.payload
    user = User.objects.filter(pk=payload.get("user_id")).first()
    if user is None or not user.is_active or not payload.get("idempotency_key"):
        return
    related = None
    if payload.get("related_entity") and payload.get("related_id"):
        try:
            model = apps.get_model(payload["related_entity"])
        except (LookupError, ValueError):
            model = None
        if model is not None:
            try:
                related = model._default_manager.filter(pk=payload["related_id"]).first()
            except (ValueError, ValidationError):
                related = None  # not an id of that model: notify without the link
    services.notify(
        user=user,
        subject=str(payload.get("subject", "")),
        body=str(payload.get("body", "")),
        url=str(payload.get("url", "")),
        idempotency_key=str(payload["idempotency_key"]),
        related=related,
    )
