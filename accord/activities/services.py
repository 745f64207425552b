"""Logging interactions and managing tasks: validated, one transaction, audited, announced."""

from __future__ import annotations

import datetime
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.activities.events import Reminder, ReminderDue, RemindersDue
from accord.activities.models import (
    CHANNEL_FIELDS,
    CalendarFeed,
    Interaction,
    InteractionChannel,
    InteractionParticipant,
    Task,
    TaskStatus,
)
from accord.core import access, bulk, changes, typeddata
from accord.core.access import AccessDenied, Action
from accord.core.errors import check_version
from accord.core.event_types import RecordCreated
from accord.core.events import emit, emit_each
from accord.people.models import Company, Contact, ContactCompany

if TYPE_CHECKING:
    from accord.identity.models import User

CALL_FIELDS = ("duration_seconds", "outcome")
# Meetings and visits may be entered ahead, as appointments for the calendar; every other channel
# records what has happened.
PLANNED_CHANNELS = (InteractionChannel.MEETING, InteractionChannel.VISIT)


class InteractionData(TypedDict, total=False):
    channel: str
    direction: str
    occurred_at: datetime.datetime
    duration_seconds: int | None
    outcome: str
    subject: str
    body: str
    contact: Contact | None
    company: Company | None
    participants: Sequence[Contact]
    external_id: str | None


class TaskData(TypedDict, total=False):
    title: str
    description: str
    due_at: datetime.datetime | None
    remind_at: datetime.datetime | None
    priority: str
    owner: Any
    contact: Contact | None
    company: Company | None
    status: str


def interaction_data(data: Mapping[str, Any]) -> InteractionData:
    """Data whose keys are known only at run time (an API body) as ``InteractionData``."""
    return cast(InteractionData, typeddata.checked(data, InteractionData))


def task_data(data: Mapping[str, Any]) -> TaskData:
    """Data whose keys are known only at run time (an API body, a list's bulk edit) as ``TaskData``."""
    return cast(TaskData, typeddata.checked(data, TaskData))


def _require_party_visible(actor: User | None, data: Any, errors: dict[str, list[str]]) -> None:
    """A user can only attach records to customers they can see."""
    for name, model in (("contact", Contact), ("company", Company)):
        party = data.get(name)
        if party is not None and actor is not None and not access.can_view(actor, party):
            errors[name] = [_("No such %(model)s.") % {"model": model._meta.verbose_name}]


def _touch_last_interaction(interaction: Interaction, *, now: datetime.datetime | None = None) -> None:
    """Keep ``last_interaction_at`` of the contact and company current (lists sort by it). A
    meeting still ahead does not count until it has taken place (``touch_past_appointments``)."""
    _touch_last_interactions([interaction], now=now)


def _touch_last_interactions(interactions: Sequence[Interaction], *, now: datetime.datetime | None = None) -> None:
    """``_touch_last_interaction`` for many: one UPDATE of their contacts and one of their
    companies, each moved forward to its latest interaction that has taken place."""
    now = now or timezone.now()
    latest: dict[type[Contact] | type[Company], dict[Any, datetime.datetime]] = {Contact: {}, Company: {}}
    for interaction in interactions:
        when = interaction.occurred_at
        if when > now:
            continue
        for model, pk in ((Contact, interaction.contact_id), (Company, interaction.company_id)):
            if pk is not None and (pk not in latest[model] or latest[model][pk] < when):
                latest[model][pk] = when
    for model, whens in latest.items():
        if whens:
            bulk.update_rows(
                model,
                ["last_interaction_at"],
                whens.items(),
                where="t.last_interaction_at IS NULL OR t.last_interaction_at < v.last_interaction_at",
            )


def _recompute_last_interaction(contact_id: Any, company_id: Any) -> None:
    """After an interaction is moved or deleted, the latest may be an older one."""
    past = Interaction.objects.filter(occurred_at__lte=timezone.now())
    if contact_id is not None:
        latest = past.filter(contact_id=contact_id).aggregate(m=Max("occurred_at"))["m"]
        Contact.objects.filter(pk=contact_id).update(last_interaction_at=latest)
    if company_id is not None:
        latest = past.filter(company_id=company_id).aggregate(m=Max("occurred_at"))["m"]
        Company.objects.filter(pk=company_id).update(last_interaction_at=latest)


def _apply_interaction(
    actor: User | None,
    interaction: Interaction,
    data: Mapping[str, Any],
    creating: bool,
    *,
    main_companies: Mapping[Any, Any] | None = None,
    unique_checked: bool = False,
) -> list[Contact] | None:
    """Set ``data`` on ``interaction`` and check it; raise ``ValidationError`` naming the fields.
    ``main_companies`` (contact key -> main company key) and ``unique_checked`` are for a caller
    checking many at once: it read the contacts' main companies and checked the external ids."""
    errors: dict[str, list[str]] = {}
    _require_party_visible(actor, data, errors)
    stored = {name: getattr(interaction, name) for name in ("channel", "direction", "duration_seconds", "outcome")}
    for name in (
        "channel",
        "direction",
        "occurred_at",
        "duration_seconds",
        "outcome",
        "subject",
        "body",
        "contact",
        "company",
        "external_id",
    ):
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            if name == "external_id":
                value = value or None
            elif value is None and name not in ("duration_seconds", "contact", "company", "occurred_at"):
                value = ""
            setattr(interaction, name, value)
    if creating and interaction.occurred_at is None:
        interaction.occurred_at = timezone.now()
    if interaction.contact_id is None and interaction.company_id is None:
        errors["contact"] = [_("Choose the contact or the company this was with.")]
    if interaction.contact_id is not None and interaction.company_id is None:
        # Logged on a person, it also belongs on their main company's timeline.
        if main_companies is not None:
            main_company_id = main_companies.get(interaction.contact_id)
        else:
            main = ContactCompany.objects.filter(contact_id=interaction.contact_id, is_primary=True).first()
            main_company_id = main.company_id if main is not None else None
        if main_company_id is not None and (creating or "contact" in data) and "company" not in data:
            interaction.company_id = main_company_id
    # A field the channel does not record is refused, not dropped: the screen hides those fields,
    # so one arriving filled in means someone meant it and should hear why it does not fit.
    # A record saved before channels had their own fields may still carry one that does not fit
    # (a duration on an e-mail): it is kept as it is until the channel or that field changes, so
    # editing the subject of an old record does not fail on a field nobody touched.
    fits = CHANNEL_FIELDS.get(interaction.channel, frozenset())

    def misfit(name: str, value: Any) -> bool:
        if name in fits or value in (None, ""):
            return False
        return creating or interaction.channel != stored["channel"] or value != stored[name]

    if misfit("outcome", interaction.outcome):
        errors["outcome"] = [_("Only calls have an outcome.")]
    if misfit("duration_seconds", interaction.duration_seconds):
        errors["duration_seconds"] = [_("Only calls, meetings and visits have a duration.")]
    if misfit("direction", interaction.direction):
        errors["direction"] = [
            _("Only calls, e-mails, SMS, letters, faxes, chats and social media messages go in or out.")
        ]
    if (
        interaction.occurred_at
        and interaction.channel not in PLANNED_CHANNELS
        and interaction.occurred_at > timezone.now() + datetime.timedelta(days=1)
    ):
        errors["occurred_at"] = [
            _("Only meetings and visits can be entered ahead; for anything else, add a task instead.")
        ]
    try:
        interaction.full_clean(
            exclude=["author", "contact", "company", "related_type", "related_id"],
            validate_unique=not unique_checked,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    participants = None
    if "participants" in data:
        participants = []
        for i, person in enumerate(data["participants"]):
            if actor is not None and not access.can_view(actor, person):
                errors[f"participants.{i}"] = [_("No such contact.")]
            elif person.pk != interaction.contact_id and person not in participants:
                participants.append(person)
    if errors:
        raise ValidationError(errors)
    return participants


@transaction.atomic
def log_interaction(*, actor: User | None, data: InteractionData, related: Any = None) -> Interaction:
    """Log a call, e-mail, meeting, visit, chat, SMS, letter, fax, web form, social post or note."""
    if actor is not None:
        access.require_create(actor)
    interaction = Interaction(author=actor, direction=data.get("direction", ""))
    participants = _apply_interaction(actor, interaction, data, creating=True)
    if related is not None:
        interaction.related_type = ContentType.objects.get_for_model(related)
        interaction.related_id = related.pk
    interaction.save()
    if participants:
        InteractionParticipant.objects.bulk_create(
            InteractionParticipant(interaction=interaction, contact=p) for p in participants
        )
    _touch_last_interaction(interaction)
    changes.record_create(actor=actor, obj=interaction)
    return interaction


class NewInteraction(NamedTuple):
    """One interaction for ``log_interactions``: what ``log_interaction`` takes."""

    actor: User | None
    data: InteractionData
    related: Any = None


@transaction.atomic
def log_interactions(entries: Sequence[NewInteraction]) -> list[Interaction | Exception]:
    """``log_interaction`` for many at once (the outbox logging a run of sent messages): each entry
    is checked as ``log_interaction`` checks it, and those that pass are written together, in one
    INSERT of the interactions, one UPDATE each of their contacts' and companies' last
    interaction, one INSERT of their audit entries and one of their ``created`` events. Returns,
    entry by entry, the interaction logged or the error that refused it (``AccessDenied``, or a
    ``ValidationError`` naming the field, an external id already logged included). Entries take
    no participants."""
    contacts = [entry.data.get("contact") for entry in entries if "company" not in entry.data]
    contact_ids = {contact.pk for contact in contacts if contact is not None}
    main_companies = dict(
        ContactCompany.objects.filter(contact_id__in=contact_ids, is_primary=True).values_list(
            "contact_id", "company_id"
        )
        if contact_ids
        else []
    )
    external_ids = [entry.data["external_id"] for entry in entries if entry.data.get("external_id")]
    taken = set(
        Interaction.objects.filter(external_id__in=external_ids).values_list("external_id", flat=True)
        if external_ids
        else []
    )
    results: list[Interaction | Exception] = []
    made: list[Interaction] = []
    for entry in entries:
        if "participants" in entry.data:
            raise TypeError("log_interactions() takes no participants")
        interaction = Interaction(author=entry.actor, direction=entry.data.get("direction", ""))
        try:
            if entry.actor is not None:
                access.require_create(entry.actor)
            _apply_interaction(
                entry.actor, interaction, entry.data, True, main_companies=main_companies, unique_checked=True
            )
            if interaction.external_id is not None and interaction.external_id in taken:
                raise ValidationError(
                    {"external_id": [interaction.unique_error_message(Interaction, ("external_id",))]}
                )
        except (AccessDenied, ValidationError) as exc:
            results.append(exc)
            continue
        if interaction.external_id is not None:
            taken.add(interaction.external_id)
        if entry.related is not None:
            interaction.related_type = ContentType.objects.get_for_model(entry.related)
            interaction.related_id = entry.related.pk
        made.append(interaction)
        results.append(interaction)
    if made:
        bulk.insert(Interaction, made)  # COPY on PostgreSQL: the outbox logs a worker's whole claim at once
        _touch_last_interactions(made)
        changes.record_created_each([(i.author if i.author_id else None, i) for i in made])
        emit_each(RecordCreated(), [(i, i.author if i.author_id else None) for i in made])
    return results


@transaction.atomic
def update_interaction(
    *, actor: User | None, interaction: Interaction, data: InteractionData, expected_version: int | None = None
) -> Interaction:
    locked = Interaction.objects.select_for_update().get(pk=interaction.pk)
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
    check_version(locked, expected_version)
    before = changes.snapshot(locked)
    old_parties = (locked.contact_id, locked.company_id)
    participants = _apply_interaction(actor, locked, data, creating=False)
    locked.version += 1
    locked.save()
    if participants is not None:
        InteractionParticipant.objects.filter(interaction=locked).delete()
        InteractionParticipant.objects.bulk_create(
            InteractionParticipant(interaction=locked, contact=p) for p in participants
        )
    _recompute_last_interaction(*old_parties)
    _recompute_last_interaction(locked.contact_id, locked.company_id)
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def delete_interaction(*, actor: User | None, interaction: Interaction, expected_version: int | None = None) -> None:
    locked = Interaction.objects.select_for_update().get(pk=interaction.pk)
    if actor is not None:
        access.require(actor, Action.DELETE, locked)
    check_version(locked, expected_version)
    parties = (locked.contact_id, locked.company_id)
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()
    _recompute_last_interaction(*parties)


# --- tasks ---------------------------------------------------------------------------------------------


def _apply_task(actor: User | None, task: Task, data: Mapping[str, Any], creating: bool) -> None:
    errors: dict[str, list[str]] = {}
    _require_party_visible(actor, data, errors)
    for name in ("title", "description", "due_at", "remind_at", "priority", "contact", "company"):
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            elif value is None and name in ("title", "description", "priority"):
                value = ""  # a text field cleared, not a NULL the column cannot hold
            setattr(task, name, value)
    if "owner" in data and data["owner"] is not None:
        owner = data["owner"]
        if actor is not None and not access.can_assign_to(actor, owner):
            errors["owner"] = [_("You cannot give tasks to %(user)s.") % {"user": owner}]
        elif not owner.is_active:
            errors["owner"] = [_("%(user)s is deactivated.") % {"user": owner}]
        else:
            task.owner = owner
            task.team_id = owner.primary_team_id
    elif creating and actor is not None:
        task.owner = actor
        task.team_id = actor.primary_team_id
    elif creating:
        # The system (a rule, an import) has nobody to give the task to unless it says.
        errors["owner"] = [_("This field is required.")]
    if creating and task.contact is not None:
        task.territory_id = task.contact.territory_id
    if not task.title:
        errors["title"] = [_("This field is required.")]
    if "remind_at" in data:
        # A new reminder time is a new reminder, even if an earlier one was already sent.
        task.reminded_at = None
    if task.remind_at and task.due_at and task.remind_at > task.due_at:
        errors["remind_at"] = [_("The reminder should come before the task is due.")]
    try:
        task.full_clean(exclude=["owner", "team", "territory", "contact", "company", "created_by", "related_type"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_task(*, actor: User | None, data: TaskData, related: Any = None) -> Task:
    if actor is not None:
        access.require_create(actor)
    task = Task(created_by=actor)
    _apply_task(actor, task, data, creating=True)
    if related is not None:
        task.related_type = ContentType.objects.get_for_model(related)
        task.related_id = related.pk
    task.save()
    changes.record_create(actor=actor, obj=task)
    return task


@transaction.atomic
def update_task(*, actor: User | None, task: Task, data: TaskData, expected_version: int | None = None) -> Task:
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
    check_version(locked, expected_version)
    before = changes.snapshot(locked)
    _apply_task(actor, locked, data, creating=False)
    if "status" in data:
        _set_status(locked, data["status"])
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


def reschedule_task(
    *, actor: User | None, task: Task, due_at: datetime.datetime, expected_version: int | None = None
) -> Task:
    """Move a task to another time (a drag on the calendar); its reminder moves with it, the same
    time ahead, and will be sent again."""
    data: TaskData = {"due_at": due_at}
    if task.remind_at is not None and task.due_at is not None:
        data["remind_at"] = task.remind_at + (due_at - task.due_at)
    return update_task(actor=actor, task=task, data=data, expected_version=expected_version)


def _set_status(task: Task, status: str) -> None:
    if status not in TaskStatus.values:
        raise ValidationError(
            {"status": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(TaskStatus.values)}]}
        )
    if status == task.status:
        return
    task.status = status
    task.completed_at = timezone.now() if status == TaskStatus.DONE else None


def complete_task(*, actor: User | None, task: Task, expected_version: int | None = None) -> Task:
    return update_task(actor=actor, task=task, data={"status": TaskStatus.DONE}, expected_version=expected_version)


def reopen_task(*, actor: User | None, task: Task) -> Task:
    return update_task(actor=actor, task=task, data={"status": TaskStatus.OPEN})


@transaction.atomic
def delete_task(*, actor: User | None, task: Task, expected_version: int | None = None) -> None:
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if actor is not None:
        access.require(actor, Action.DELETE, locked)
    check_version(locked, expected_version)
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()


@transaction.atomic
def reset_calendar_feed(*, actor: User) -> CalendarFeed:
    """Give the user a new secret calendar feed URL; the previous one stops working at once."""
    if not getattr(actor, "is_active", False):
        raise access.AccessDenied()
    previous = CalendarFeed.objects.select_for_update().filter(user=actor).first()
    if previous is not None:
        changes.record_delete(actor=actor, obj=previous, before=changes.snapshot(previous))
        previous.delete()
    feed = CalendarFeed.objects.create(user=actor, secret=secrets.token_urlsafe(32))
    changes.record_create(actor=actor, obj=feed)
    return feed


def touch_past_appointments(*, now: datetime.datetime | None = None, since: datetime.timedelta | None = None) -> int:
    """Meetings and visits entered ahead count as the customer's last interaction once their time
    has come: run every few minutes, it catches up on those that passed in the last two days.
    Moving ``last_interaction_at`` only ever forward, it is safe to run any number of times."""
    now = now or timezone.now()
    passed = Interaction.objects.filter(
        channel__in=PLANNED_CHANNELS,
        occurred_at__gt=now - (since or datetime.timedelta(days=2)),
        occurred_at__lte=now,
        created_at__lt=F("occurred_at"),
    )
    count = 0
    for interaction in passed.only("occurred_at", "contact_id", "company_id").order_by("occurred_at")[:5000]:
        with transaction.atomic():
            _touch_last_interaction(interaction, now=now)
        count += 1
    return count


def fire_due_reminders(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Mark every open task whose reminder time has come as reminded, and announce it; returns
    how many tasks were reminded.

    Reminders of one owner that fall due together are announced by one event, so the owner gets
    one notification for them: ``activities.task.reminder_due`` for a single task (with the task
    as its object), ``activities.task.reminders_due`` listing the tasks for several. The marks and
    the event commit together, one owner at a time, so a worker killed half-way leaves the rest for
    the next run and never reminds anyone twice.
    """
    now = now or timezone.now()
    fired = 0
    due = Task.objects.filter(status=TaskStatus.OPEN, reminded_at__isnull=True, remind_at__lte=now)
    by_owner: dict[Any, list[Any]] = defaultdict(list)
    for task_id, owner_id in due.order_by("remind_at", "id").values_list("pk", "owner_id")[:batch_size]:
        by_owner[owner_id].append(task_id)
    for owner_id, task_ids in by_owner.items():
        with transaction.atomic():
            # Completed meanwhile, or being reminded by another worker (its rows locked): left out.
            tasks = list(
                Task.objects.select_for_update(skip_locked=True)
                .filter(pk__in=task_ids, reminded_at__isnull=True, status=TaskStatus.OPEN)
                .order_by("remind_at", "id")
            )
            if not tasks:
                continue
            Task.objects.filter(pk__in=[task.pk for task in tasks]).update(reminded_at=now)
            if len(tasks) == 1:
                emit(ReminderDue(**_reminder(tasks[0])), obj=tasks[0])
            else:
                emit(RemindersDue(owner_id=owner_id, tasks=[Reminder(**_reminder(task)) for task in tasks]))
            fired += len(tasks)
    return fired


def _reminder(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "title": task.title,
        "owner_id": task.owner_id,
        "due_at": task.due_at,
        "remind_at": task.remind_at,
    }
