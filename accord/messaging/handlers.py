"""What messaging does when other apps' events arrive."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.activities.events import ReminderDue, RemindersDue
from accord.core import languages
from accord.core.event_types import NotifyRequested
from accord.core.events import on
from accord.core.models import Event
from accord.identity.models import User
from accord.messaging import services

# A digest lists this many reminders in its text; the rest are counted ("and 3 more").
DIGEST_LISTED = 8


@on("activities.task.reminder_due")
def remind_task_owner(event: Event) -> None:
    """A task's reminder time has come: tell its assignee in the app."""
    from accord.activities.models import Task

    if event.object_id is None:
        return
    due = ReminderDue.of(event)
    task = Task.objects.filter(pk=event.object_id).select_related("contact", "company").first()
    if task is None:
        return  # deleted since; nothing to remind of
    owner = User.objects.filter(pk=due.owner_id).first()
    if owner is None or not owner.is_active:
        return
    _remind_one(owner, task, remind_at=due.remind_at)


@on("activities.task.reminders_due")
def remind_task_owner_of_several(event: Event) -> None:
    """Several of one person's reminders fell due together: one notification lists them all and
    leads to My day, instead of one notification each."""
    from accord.activities.models import Task

    due = RemindersDue.of(event)
    listed = due.tasks
    owner = User.objects.filter(pk=due.owner_id).first()
    if owner is None or not owner.is_active or not listed:
        return
    found = Task.objects.filter(pk__in=[item.id for item in listed]).select_related("contact", "company")
    tasks = sorted(found, key=lambda task: (task.due_at is None, task.due_at or task.created_at, task.title))
    if not tasks:
        return  # all deleted since
    if len(tasks) == 1:
        remind_at = next(item.remind_at for item in listed if item.id == tasks[0].pk)
        _remind_one(owner, tasks[0], remind_at=remind_at)
        return
    with languages.writing_to_user(owner):
        titles = ", ".join(task.title for task in tasks)
        subject = ngettext("%(count)d reminder: %(titles)s", "%(count)d reminders: %(titles)s", len(tasks)) % {
            "count": len(tasks),
            "titles": titles,
        }
        lines = [_digest_line(task) for task in tasks[:DIGEST_LISTED]]
        if len(tasks) > DIGEST_LISTED:
            rest = len(tasks) - DIGEST_LISTED
            lines.append(ngettext("and %(count)d more", "and %(count)d more", rest) % {"count": rest})
        services.notify(
            user=owner,
            subject=Truncator(subject).chars(200),
            body=" · ".join(lines),
            url=reverse("activities:my-day"),
            # One digest per event: offered again after a crash, it finds the digest it made.
            idempotency_key=f"task-reminders:{event.pk}",
        )


def _remind_one(owner: User, task: Any, *, remind_at: datetime.datetime | None) -> None:
    with languages.writing_to_user(owner):
        body = _due(task)
        party = task.contact or task.company
        if party is not None:
            body = f"{body} · {party}" if body else str(party)
        services.notify(
            user=owner,
            subject=_("Reminder: %(title)s") % {"title": task.title},
            body=body,
            url=reverse("activities:task-edit", args=[task.pk]),
            # As the payload stored it before it was typed, so an event offered again after an
            # upgrade finds the notification it made.
            idempotency_key=f"task-reminder:{task.pk}:{remind_at.isoformat() if remind_at else None}",
            related=task,
        )


def _due(task: Any) -> str:
    if not task.due_at:
        return ""
    due = formats.date_format(timezone.localtime(task.due_at), "SHORT_DATETIME_FORMAT")
    return _("Due %(when)s") % {"when": due}


def _digest_line(task: Any) -> str:
    if not task.due_at:
        return task.title
    due = formats.date_format(timezone.localtime(task.due_at), "SHORT_DATETIME_FORMAT")
    return _("%(title)s (due %(when)s)") % {"title": task.title, "when": due}


@on("messaging.notify_requested")
def notify_requested(event: Event) -> None:
    """Another app asks for an in-app notification (apps above messaging cannot import it).

    The payload (``NotifyRequested``) names the user, the text, a link, the idempotency key and
    optionally the record it is about as ``related_entity`` ("sales.deal") and ``related_id``.
    """
    from django.apps import apps
    from django.core.exceptions import ValidationError

    request = NotifyRequested.of(event)
    user = User.objects.filter(pk=request.user_id).first()
    if user is None or not user.is_active:
        return
    related = None
    if request.related_entity and request.related_id:
        try:
            model = apps.get_model(request.related_entity)
        except (LookupError, ValueError):
            model = None
        if model is not None:
            try:
                related = model._default_manager.filter(pk=request.related_id).first()
            except (ValueError, ValidationError):
                related = None  # not an id of that model: notify without the link
    services.notify(
        user=user,
        subject=request.subject,
        body=request.body,
        url=request.url,
        idempotency_key=request.idempotency_key,
        related=related,
    )


# --- reports from e-mail providers (django-anymail's tracking webhooks) ---------------------------

BOUNCE_EVENTS = frozenset({"bounced", "rejected", "failed"})


def on_tracking(sender: Any, event: Any, esp_name: str = "", **kwargs: Any) -> None:
    """A provider reports on a message: a bounce or rejection, or its delivery. The message is
    found by the id we gave it (sent to the provider as metadata) or the provider's id."""
    from accord.messaging.models import IllegalTransition, Message

    ours = (getattr(event, "metadata", None) or {}).get("accord_message")
    message_id = getattr(event, "message_id", "") or ""
    if ours:
        found = Message.objects.filter(pk=ours).values_list("external_id", flat=True).first()
        message_id = found or message_id
    if not message_id:
        return
    try:
        if event.event_type in BOUNCE_EVENTS:
            reason = event.reject_reason or event.description or event.mta_response or event.event_type
            services.record_bounce(message_id=message_id, reason=f"{esp_name}: {reason}" if esp_name else str(reason))
        elif event.event_type == "delivered":
            services.mark_delivered(message_id=message_id)
        elif event.event_type == "complained":
            services.record_complaint(message_id=message_id, reason=f"{esp_name}: complained" if esp_name else "")
    except IllegalTransition as exc:
        # A report about a message still being sent (or a delivery after its bounce): kept in the log.
        import logging

        logging.getLogger(__name__).warning("%s report for %s ignored: %s", event.event_type, message_id, exc)


def connect_provider_reports() -> None:
    from anymail.signals import tracking

    tracking.connect(on_tracking, dispatch_uid="accord.messaging.tracking")


connect_provider_reports()
