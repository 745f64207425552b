"""Journeys: writing one and its steps, starting and pausing it, enrolling contacts when its
trigger fires, and running the steps (see ``accord/marketing/models/journeys.py``).

``advance`` is what the worker calls every minute. Each due enrollment is taken in its own
transaction (locked, skipping one another worker holds): its steps run one after the other until
a wait or the end, each writing its ``StepRun`` together with what it does, so a step is done
once whatever the crashes and retries. An e-mail or SMS step goes through the outbox with the key
``journey:<enrollment>:<step>`` and only with the contact's consent for the journey's purpose
(the outbox and the suppression list refuse the rest); marketing e-mails carry the RFC 8058
one-click unsubscribe like a campaign's, and their opens and clicks are tracked for the branches.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import Action
from accord.core.errors import check_version
from accord.core.models import as_uuid
from accord.marketing.models import (
    BranchCondition,
    ConsentChannel,
    ConsentPurpose,
    Enrollment,
    EnrollmentState,
    Journey,
    JourneyStatus,
    JourneyStep,
    JourneyTrigger,
    RunOutcome,
    Segment,
    StepKind,
    StepRun,
)
from accord.marketing.selectors.consent import ADDRESS_FIELD
from accord.marketing.services import campaign_content as content
from accord.marketing.services.consent import may_send
from accord.marketing.services.unsubscribe import unsubscribe_headers, unsubscribe_url
from accord.messaging.services.outbox import queue_message
from accord.messaging.services.templates import Renderer
from accord.people.models import Contact

if TYPE_CHECKING:
    from accord.identity.models import User

log = logging.getLogger(__name__)

KIND = "journey"
PURPOSES = (ConsentPurpose.NEWSLETTER, ConsentPurpose.OFFERS, ConsentPurpose.GREETINGS)
NAME_MAX = 200
SUBJECT_MAX = 200
SMS_MAX = 1000
TITLE_MAX = 200
TAG_MAX = 60
WAIT_DAYS_MAX = 366
TASK_DAYS_MAX = 366
BATCH = 200
TRACK_SALT = "accord.marketing.journey-track"


# --- the journey ---------------------------------------------------------------------------------------


def _clean(actor: User, journey: Journey, data: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    from accord.marketing.selectors.segments import visible_segments
    from accord.sales.models import WebForm

    creating = journey._state.adding
    if "name" in data or creating:
        name = str(data.get("name") or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > NAME_MAX:
            errors["name"] = [_("At most %(max)d characters.") % {"max": NAME_MAX}]
        journey.name = name
    if "trigger" in data or creating:
        trigger = data.get("trigger") or ""
        if trigger not in JourneyTrigger.values:
            errors["trigger"] = [_("Choose what starts the journey.")]
        journey.trigger = trigger
    if "purpose" in data or creating:
        purpose = str(data.get("purpose") or "") if "purpose" in data else ConsentPurpose.OFFERS
        if purpose not in PURPOSES:
            errors["purpose"] = [_("Choose newsletter, offers or greetings.")]
        journey.purpose = purpose
    if "include_current" in data:
        journey.include_current = bool(data.get("include_current"))
    if "segment" in data:
        value = data.get("segment")
        if value in (None, ""):
            journey.segment = None
        else:
            segment = visible_segments(actor).filter(pk=_pk(value)).first() if _pk(value) else None
            if segment is None:
                errors["segment"] = [_("Choose a segment you can see.")]
            else:
                journey.segment = segment
    if "web_form" in data:
        value = data.get("web_form")
        if value in (None, ""):
            journey.web_form = None
        else:
            form = WebForm.objects.filter(pk=_pk(value)).first() if _pk(value) else None
            if form is None:
                errors["web_form"] = [_("Choose one of the web forms.")]
            else:
                journey.web_form = form
    if journey.trigger == JourneyTrigger.SEGMENT_JOINED and journey.segment_id is None and "trigger" not in errors:
        errors.setdefault("segment", []).append(_("A journey started by a segment needs the segment."))


def _pk(value: Any) -> Any:
    """A primary key given as text or as a record; None when it cannot be one."""
    return as_uuid(getattr(value, "pk", value))


def create_journey(*, actor: User, data: Mapping[str, Any]) -> Journey:
    """A new draft journey of ``actor``'s."""
    access.require_create(actor)
    journey = Journey(owner=actor, team_id=actor.primary_team_id)
    errors: dict[str, list[str]] = {}
    _clean(actor, journey, data, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        journey.save()
        changes.record_create(actor=actor, obj=journey)
    return journey


def _lock(actor: User | None, journey: Journey, action: Action, expected_version: int | None) -> Journey:
    locked = Journey.objects.select_for_update(of=("self",)).select_related("segment", "owner").get(pk=journey.pk)
    if actor is not None:
        access.require(actor, action, locked)
    check_version(locked, expected_version)
    return locked


def _save(actor: User | None, journey: Journey, before: dict[str, Any]) -> Journey:
    if changes.snapshot(journey) == before:
        return journey
    journey.version += 1
    journey.save()
    changes.record_update(actor=actor, obj=journey, before=before)
    return journey


def _bump(locked: Journey, *others: Journey) -> None:
    """A step changed: the journey's version moves, so an editor holding the old one is told (the
    caller's copies of the journey are brought up to date)."""
    Journey.objects.filter(pk=locked.pk).update(version=F("version") + 1, updated_at=timezone.now())
    locked.refresh_from_db(fields=["version", "updated_at"])
    for other in others:
        other.version, other.updated_at = locked.version, locked.updated_at


@transaction.atomic
def update_journey(
    *, actor: User, journey: Journey, data: Mapping[str, Any], expected_version: int | None = None
) -> Journey:
    """Change a journey's name, trigger and purpose; what starts it only while it is not active."""
    locked = _lock(actor, journey, Action.CHANGE, expected_version)
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    if locked.status == JourneyStatus.ACTIVE and any(
        name in data and str(data[name] or "") != str(getattr(locked, f"{name}_id", getattr(locked, name, "")) or "")
        for name in ("trigger", "segment", "web_form")
    ):
        errors["trigger"] = [_("Pause the journey before changing what starts it.")]
        raise ValidationError(errors)
    _clean(actor, locked, data, errors)
    if errors:
        raise ValidationError(errors)
    return _save(actor, locked, before)


@transaction.atomic
def delete_journey(*, actor: User, journey: Journey, expected_version: int | None = None) -> None:
    locked = _lock(actor, journey, Action.DELETE, expected_version)
    if locked.status == JourneyStatus.ACTIVE:
        raise ValidationError({"status": [_("Pause the journey before deleting it.")]})
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()


# --- steps -------------------------------------------------------------------------------------------


def _text(config: Mapping[str, Any], name: str, limit: int, errors: dict[str, list[str]], *, required: bool) -> str:
    value = config.get(name)
    if isinstance(value, (list, dict, tuple, set)):
        errors[name] = [_("Enter text.")]
        return ""
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors[name] = [_("This field is required.")]
    elif len(value) > limit:
        errors[name] = [_("At most %(max)d characters.") % {"max": limit}]
    return value


def _number(config: Mapping[str, Any], name: str, low: int, high: int, errors: dict[str, list[str]]) -> int:
    value = config.get(name)
    if value in (None, ""):
        return 0
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = [_("Enter a whole number.")]
        return 0
    if not low <= number <= high:
        errors[name] = [_("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}]
    return number


def clean_step(journey: Journey, kind: Any, config: Any, *, step: JourneyStep | None = None) -> dict[str, Any]:
    """The settings of a step of ``kind``, checked; ValidationError naming the field otherwise."""
    errors: dict[str, list[str]] = {}
    if kind not in StepKind.values:
        raise ValidationError({"kind": [_("Choose a kind of step.")]})
    if not isinstance(config, Mapping):
        raise ValidationError({"config": [_("Expected an object of the step's settings.")]})
    clean: dict[str, Any] = {}
    if kind == StepKind.WAIT:
        clean["days"] = _number(config, "days", 0, WAIT_DAYS_MAX, errors)
        clean["hours"] = _number(config, "hours", 0, 23, errors)
        if not errors and not clean["days"] and not clean["hours"]:
            errors["days"] = [_("Wait at least an hour.")]
    elif kind == StepKind.EMAIL:
        clean["subject"] = _text(config, "subject", SUBJECT_MAX, errors, required=True)
        clean["body"] = _text(config, "body", content.TEXT_MAX, errors, required=True)
        clean["button_text"] = _text(config, "button_text", 100, errors, required=False)
        clean["button_url"] = _text(config, "button_url", 2000, errors, required=bool(clean["button_text"]))
        for name in ("subject", "body", "button_text"):
            if clean[name] and name not in errors:
                content.check_text(clean[name], name, errors)
        if clean["button_url"] and "button_url" not in errors:
            clean["button_url"] = content._check_url(clean["button_url"], "button_url", errors)
    elif kind == StepKind.SMS:
        clean["text"] = _text(config, "text", SMS_MAX, errors, required=True)
        if clean["text"] and "text" not in errors:
            content.check_text(clean["text"], "text", errors)
    elif kind == StepKind.BRANCH:
        condition = config.get("condition") or BranchCondition.OPENED
        if condition not in BranchCondition.values:
            errors["condition"] = [_("Choose opened or clicked.")]
        clean["condition"] = condition
        emails = {str(s.pk): s for s in journey.steps.filter(kind=StepKind.EMAIL)}
        asked = str(config.get("step") or "")
        if asked not in emails:
            errors["step"] = [_("Choose an e-mail step of this journey.")]
        clean["step"] = int(asked) if asked in emails else None
        otherwise = config.get("otherwise")
        clean["otherwise"] = None
        if otherwise not in (None, ""):
            steps = {str(s.pk) for s in journey.steps.all()}
            if str(otherwise) not in steps or (step is not None and str(otherwise) == str(step.pk)):
                errors["otherwise"] = [_("Choose a later step of this journey, or the end.")]
            else:
                clean["otherwise"] = int(str(otherwise))
    elif kind == StepKind.TASK:
        clean["title"] = _text(config, "title", TITLE_MAX, errors, required=True)
        clean["due_days"] = _number(config, "due_days", 0, TASK_DAYS_MAX, errors)
        if clean["title"] and "title" not in errors:
            content.check_text(clean["title"], "title", errors)
    elif kind == StepKind.TAG:
        from accord.people.services import _clean_tags

        tag = _text(config, "tag", TAG_MAX, errors, required=True)
        if tag and "tag" not in errors:
            names = _clean_tags([tag], errors)
            if "tags" in errors:
                errors["tag"] = errors.pop("tags")
            tag = names[0] if names else tag
        clean["tag"] = tag
    if errors:
        raise ValidationError(errors)
    return clean


def steps_editable(journey: Journey) -> bool:
    """Whether the journey's steps may change now: only while it does not run."""
    return journey.status != JourneyStatus.ACTIVE


def _editable(journey: Journey) -> None:
    if not steps_editable(journey):
        raise ValidationError({"status": [_("Pause the journey before changing its steps.")]})


@transaction.atomic
def add_step(
    *, actor: User, journey: Journey, kind: Any, config: Any, expected_version: int | None = None
) -> JourneyStep:
    """A step added at the end of a journey that is not running."""
    locked = _lock(actor, journey, Action.CHANGE, expected_version)
    _editable(locked)
    clean = clean_step(locked, kind, config)
    last = locked.steps.aggregate(top=Max("position"))["top"] or 0
    step = JourneyStep.objects.create(journey=locked, position=last + 1, kind=kind, config=clean)
    _bump(locked, journey)
    return step


@transaction.atomic
def update_step(*, actor: User, step: JourneyStep, config: Any, expected_version: int | None = None) -> JourneyStep:
    locked = _lock(actor, step.journey, Action.CHANGE, expected_version)
    _editable(locked)
    step = JourneyStep.objects.select_for_update().get(pk=step.pk, journey=locked)
    step.config = clean_step(locked, step.kind, config, step=step)
    step.save(update_fields=["config"])
    _bump(locked, step.journey)
    return step


@transaction.atomic
def remove_step(*, actor: User, step: JourneyStep, expected_version: int | None = None) -> None:
    """Take a step out; a branch that asked about or jumped to it is taken out or mended too."""
    locked = _lock(actor, step.journey, Action.CHANGE, expected_version)
    _editable(locked)
    for other in locked.steps.filter(kind=StepKind.BRANCH).exclude(pk=step.pk):
        if other.config.get("step") == step.pk:
            raise ValidationError(
                {
                    "step": [
                        _("Step %(position)d branches on this e-mail: change or remove it first.")
                        % {"position": other.position}
                    ]
                }
            )
        if other.config.get("otherwise") == step.pk:
            other.config = {**other.config, "otherwise": None}
            other.save(update_fields=["config"])
    waiting = Enrollment.objects.filter(step=step, state=EnrollmentState.ACTIVE)
    following = _after(step)
    if following is not None:
        waiting.update(step=following)
    else:
        # Waiting for the last step, which is gone: their journey is over.
        waiting.update(state=EnrollmentState.DONE, step=None, next_run_at=None, finished_at=timezone.now())
    step.delete()
    _renumber(locked)
    _bump(locked, step.journey)


@transaction.atomic
def move_step(*, actor: User, step: JourneyStep, up: bool, expected_version: int | None = None) -> None:
    locked = _lock(actor, step.journey, Action.CHANGE, expected_version)
    _editable(locked)
    steps = list(locked.steps.order_by("position", "id"))
    at = next((i for i, s in enumerate(steps) if s.pk == step.pk), None)
    if at is None:
        raise ValidationError({"step": [_("The step is no longer in the journey.")]})
    to = at - 1 if up else at + 1
    if 0 <= to < len(steps):
        steps[at], steps[to] = steps[to], steps[at]
        for i, s in enumerate(steps, start=1):
            if s.position != i:
                JourneyStep.objects.filter(pk=s.pk).update(position=i)
    _bump(locked, step.journey)


def _renumber(journey: Journey) -> None:
    for i, s in enumerate(journey.steps.order_by("position", "id"), start=1):
        if s.position != i:
            JourneyStep.objects.filter(pk=s.pk).update(position=i)


def problems(journey: Journey) -> dict[str, list[str]]:
    """What keeps a journey from starting (empty: it may start)."""
    found: dict[str, list[str]] = {}
    steps = list(journey.steps.order_by("position", "id"))
    if not steps:
        found["steps"] = [_("Add at least one step.")]
    if journey.trigger == JourneyTrigger.SEGMENT_JOINED and journey.segment_id is None:
        found["segment"] = [_("A journey started by a segment needs the segment.")]
    position = {s.pk: s.position for s in steps}
    for s in steps:
        if s.kind != StepKind.BRANCH:
            continue
        asked = s.config.get("step")
        if asked not in position or position[asked] >= s.position:
            found.setdefault("steps", []).append(
                _("Step %(position)d must ask about an e-mail sent before it.") % {"position": s.position}
            )
        otherwise = s.config.get("otherwise")
        if otherwise is not None and (otherwise not in position or position[otherwise] <= s.position):
            found.setdefault("steps", []).append(
                _("Step %(position)d may only jump forward.") % {"position": s.position}
            )
    return found


@transaction.atomic
def activate(*, actor: User, journey: Journey, expected_version: int | None = None) -> Journey:
    """Start (or resume) a journey. Started by a segment for the first time, the contacts in it
    already are remembered without being enrolled, unless the journey asks to include them."""
    locked = _lock(actor, journey, Action.CHANGE, expected_version)
    found = problems(locked)
    if found:
        raise ValidationError(found)
    if locked.status == JourneyStatus.ACTIVE:
        return locked
    before = changes.snapshot(locked)
    first_start = locked.activated_at is None
    locked.status = JourneyStatus.ACTIVE
    locked.activated_at = locked.activated_at or timezone.now()
    saved = _save(actor, locked, before)
    if first_start and locked.trigger == JourneyTrigger.SEGMENT_JOINED and not locked.include_current:
        from accord.marketing.selectors.segments import members

        assert locked.segment is not None
        now = timezone.now()
        ids = members(user=locked.owner, segment=locked.segment).values_list("pk", flat=True)
        _insert(locked, ids, key="", now=now, state=EnrollmentState.SKIPPED)
    return saved


@transaction.atomic
def pause(*, actor: User, journey: Journey, expected_version: int | None = None) -> Journey:
    """Stop a journey: no one new is enrolled and no step runs until it is started again."""
    locked = _lock(actor, journey, Action.CHANGE, expected_version)
    if locked.status != JourneyStatus.ACTIVE:
        return locked
    before = changes.snapshot(locked)
    locked.status = JourneyStatus.PAUSED
    return _save(actor, locked, before)


# --- enrolling -----------------------------------------------------------------------------------------


def _insert(
    journey: Journey,
    contact_ids: Iterable[Any],
    *,
    key: str,
    now: datetime.datetime,
    state: str = EnrollmentState.ACTIVE,
) -> int:
    """Enrol the contacts (once per journey, contact and ``key``: those already in are left as
    they are); how many rows were offered."""
    count = 0
    batch: list[Enrollment] = []
    due = now if state == EnrollmentState.ACTIVE else None
    for pk in contact_ids:
        batch.append(Enrollment(journey=journey, contact_id=pk, key=key, state=state, entered_at=now, next_run_at=due))
        if len(batch) >= 2000:
            Enrollment.objects.bulk_create(batch, ignore_conflicts=True)
            count += len(batch)
            batch = []
    if batch:
        Enrollment.objects.bulk_create(batch, ignore_conflicts=True)
        count += len(batch)
    return count


def _visible(journey: Journey, contact_ids: Iterable[Any]) -> list[Any]:
    return list(
        access.scope(journey.owner, Contact.objects.filter(pk__in=list(contact_ids))).values_list("pk", flat=True)
    )


def enroll(
    *,
    trigger: str,
    contact_ids: Iterable[Any],
    key: str,
    web_form_id: Any = None,
    now: datetime.datetime | None = None,
) -> int:
    """A trigger fired for these contacts (``key``: the occasion, such as the deal won): each
    active journey it starts enrols those of them its owner may see. How many enrolments."""
    ids = list(contact_ids)
    if not ids:
        return 0
    journeys = Journey.objects.filter(status=JourneyStatus.ACTIVE, trigger=trigger).select_related("owner")
    if trigger == JourneyTrigger.FORM_SUBMITTED:
        journeys = journeys.filter(Q(web_form__isnull=True) | Q(web_form_id=web_form_id))
    now = now or timezone.now()
    total = 0
    for journey in journeys:
        visible = _visible(journey, ids)
        if visible:
            with transaction.atomic():
                total += _insert(journey, visible, key=key, now=now)
    if total:
        _nudge()
    return total


def sweep_segments(*, now: datetime.datetime | None = None) -> int:
    """Enrol the contacts who have joined the segment of each active segment journey since the
    last sweep (those met before are enrolled already or remembered as skipped)."""
    from django.db.models import Exists, OuterRef

    from accord.marketing.selectors.segments import members

    now = now or timezone.now()
    total = 0
    for journey in Journey.objects.filter(
        status=JourneyStatus.ACTIVE, trigger=JourneyTrigger.SEGMENT_JOINED, segment__isnull=False
    ).select_related("owner", "segment"):
        met = Enrollment.objects.filter(journey=journey, key="", contact_id=OuterRef("pk"))
        assert journey.segment is not None
        new = members(user=journey.owner, segment=journey.segment).filter(~Exists(met)).values_list("pk", flat=True)
        with transaction.atomic():
            total += _insert(journey, new.iterator(chunk_size=2000), key="", now=now)
    return total


def sweep_birthdays(*, now: datetime.datetime | None = None) -> int:
    """Enrol, in every birthday journey, the contacts whose birthday it is today where they live
    (once a year each: the year is the occasion)."""
    from accord.marketing.selectors.greetings import birthdays_q, in_countries, with_country
    from accord.marketing.zones import local_clocks

    now = now or timezone.now()
    journeys = list(
        Journey.objects.filter(status=JourneyStatus.ACTIVE, trigger=JourneyTrigger.BIRTHDAY).select_related("owner")
    )
    if not journeys:
        return 0
    total = 0
    for clock in local_clocks(now):
        contacts = with_country(Contact.objects.filter(birthdays_q(clock.today))).filter(
            in_countries(clock.countries - {""}, "" in clock.countries)
        )
        for journey in journeys:
            ids = access.scope(journey.owner, contacts).values_list("pk", flat=True)
            with transaction.atomic():
                total += _insert(journey, ids.iterator(chunk_size=2000), key=f"birthday:{clock.today.year}", now=now)
    return total


def _nudge() -> None:
    """Have the worker run the new enrolments' first steps soon after the commit."""

    def go() -> None:
        from accord.marketing.tasks import advance_journeys

        try:
            advance_journeys.enqueue()
        except Exception:  # the minute's sweep runs them anyway
            log.warning("could not queue the journeys' run", exc_info=True)

    transaction.on_commit(go)


# --- running the steps -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    outcome: str
    detail: str = ""
    message: Any = None
    # Where to go next: None for the step after, 0 to end the journey, else a step's id.
    goto: int | None = None
    wait: datetime.timedelta | None = None


def _after(step: JourneyStep) -> JourneyStep | None:
    return (
        JourneyStep.objects.filter(journey_id=step.journey_id, position__gt=step.position).order_by("position").first()
    )


def advance(*, now: datetime.datetime | None = None, batch: int = BATCH, max_seconds: float = 50.0) -> int:
    """Run the steps of every due enrollment of the active journeys; how many enrollments moved."""
    now = now or timezone.now()
    deadline = time.monotonic() + max_seconds
    moved = 0
    due = Enrollment.objects.filter(
        state=EnrollmentState.ACTIVE, next_run_at__lte=now, journey__status=JourneyStatus.ACTIVE
    ).order_by("next_run_at", "id")
    last: tuple[Any, int] | None = None
    while time.monotonic() < deadline:
        page = due
        if last is not None:
            page = due.filter(Q(next_run_at__gt=last[0]) | Q(next_run_at=last[0], id__gt=last[1]))
        rows = list(page.values_list("next_run_at", "id")[:batch])
        if not rows:
            break
        for _at, pk in rows:
            try:
                moved += _advance_one(pk, now)
            except Exception:
                # Rolled back whole: the enrollment is where it was and is tried again next time;
                # the others go on.
                log.exception("journey enrollment %s could not move on", pk)
            if time.monotonic() >= deadline:
                break
        last = rows[-1]
    return moved


def _advance_one(pk: int, now: datetime.datetime) -> int:
    with transaction.atomic():
        enrollment = (
            Enrollment.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("journey", "journey__owner", "contact")
            .filter(pk=pk, state=EnrollmentState.ACTIVE, next_run_at__lte=now, journey__status=JourneyStatus.ACTIVE)
            .first()
        )
        if enrollment is None:
            return 0  # another worker has it, or it moved on
        steps = list(JourneyStep.objects.filter(journey_id=enrollment.journey_id).order_by("position", "id"))
        by_id = {s.pk: s for s in steps}
        step = by_id.get(enrollment.step_id) if enrollment.step_id else (steps[0] if steps else None)
        done = set(StepRun.objects.filter(enrollment=enrollment).values_list("step_id", flat=True))
        for _guard in range(len(steps) + 1):
            if step is None or step.pk in done:
                # The end, or a step already run (a jump back): the journey is over for them.
                enrollment.state = EnrollmentState.DONE
                enrollment.finished_at = now
                enrollment.step = None
                enrollment.next_run_at = None
                break
            result = _run(enrollment, step, now)
            done.add(step.pk)
            if result.goto == 0:
                following = None
            elif result.goto is not None:
                following = by_id.get(result.goto)
            else:
                index = steps.index(step)
                following = steps[index + 1] if index + 1 < len(steps) else None
            step = following
            if result.wait is not None:
                enrollment.step = step
                enrollment.next_run_at = now + result.wait
                if step is None:
                    enrollment.state, enrollment.finished_at, enrollment.next_run_at = EnrollmentState.DONE, now, None
                break
        enrollment.save(update_fields=["state", "step", "next_run_at", "finished_at"])
        return 1


def _run(enrollment: Enrollment, step: JourneyStep, now: datetime.datetime) -> Outcome:
    """Do one step and write its run (its e-mail's run first: the tracking links name it)."""
    run = StepRun.objects.create(enrollment=enrollment, step=step, at=now, outcome=RunOutcome.DONE)
    try:
        with transaction.atomic():
            result = RUNNERS[step.kind](enrollment, step, run, now)
    except ValidationError as exc:
        # What the step needs is not there (an address the outbox refuses, a task without an
        # owner): written down on the run, and the journey goes on.
        result = Outcome(RunOutcome.FAILED, "; ".join(exc.messages)[:300])
    run.outcome, run.detail, run.message = result.outcome, result.detail[:300], result.message
    run.save(update_fields=["outcome", "detail", "message"])
    return result


def _wait(enrollment: Enrollment, step: JourneyStep, run: StepRun, now: datetime.datetime) -> Outcome:
    delay = datetime.timedelta(days=int(step.config.get("days") or 0), hours=int(step.config.get("hours") or 0))
    return Outcome(RunOutcome.WAITED, wait=delay)


def _variables(enrollment: Enrollment) -> dict[str, Any]:
    from accord.marketing.services.campaigns import _extras

    contact = enrollment.contact
    companies, cities = _extras([contact.pk])
    return content.personal_fields(contact, company_name=companies.get(contact.pk, ""), city=cities.get(contact.pk, ""))


def _language(contact: Contact) -> str:
    from accord.people.selectors import customer_languages

    return customer_languages([contact]).get(contact.pk, "") or ""


def _reachable(enrollment: Enrollment, channel: str) -> Outcome | None:
    """Why the contact may not get this marketing message (None: they may)."""
    contact = enrollment.contact
    address = str(getattr(contact, ADDRESS_FIELD[ConsentChannel(channel)]) or "")
    if not address:
        return Outcome(RunOutcome.NO_ADDRESS)
    if not may_send(contact=contact, channel=channel, purpose=enrollment.journey.purpose, address=address):
        return Outcome(RunOutcome.NO_CONSENT)
    return None


def _email(enrollment: Enrollment, step: JourneyStep, run: StepRun, now: datetime.datetime) -> Outcome:
    refused = _reachable(enrollment, ConsentChannel.EMAIL)
    if refused is not None:
        return refused
    contact, journey = enrollment.contact, enrollment.journey
    language = _language(contact)
    config = step.config
    blocks = [{"type": "paragraph", "text": part.strip()} for part in str(config["body"]).split("\n\n") if part.strip()]
    links: list[str] = []
    if config.get("button_text") and config.get("button_url"):
        blocks.append({"type": "button", "text": config["button_text"], "url": config["button_url"]})
    plain, html = content.build_email(blocks, language=language, links=links, track_opens=True)
    ref = f"journey:{journey.pk}"
    variables = _variables(enrollment)
    variables["unsubscribe_url"] = unsubscribe_url(
        contact=contact, channel=ConsentChannel.EMAIL, purpose=journey.purpose, ref=ref
    )
    variables["pixel_url"] = _track_url("marketing:journey-open", open_token(run.pk))
    for i, _url in enumerate(links):
        variables[f"link_{i}"] = _track_url("marketing:journey-click", click_token(run.pk, i))
    renderer = Renderer()
    subject = " ".join(renderer.texts(config["subject"], "", variables, language)[0].split())[:SUBJECT_MAX]
    body, body_html = renderer.texts(plain, html, variables, language)
    message = queue_message(
        actor=None,
        channel=ConsentChannel.EMAIL,
        to=contact.primary_email,
        subject=subject,
        body=body,
        body_html=body_html,
        idempotency_key=f"journey:{enrollment.pk}:{step.pk}",
        kind=KIND,
        language=language,
        contact=contact,
        related=journey,
        headers=unsubscribe_headers(contact=contact, channel=ConsentChannel.EMAIL, purpose=journey.purpose, ref=ref),
    )
    return Outcome(RunOutcome.SENT, message=message)


def _sms(enrollment: Enrollment, step: JourneyStep, run: StepRun, now: datetime.datetime) -> Outcome:
    refused = _reachable(enrollment, ConsentChannel.SMS)
    if refused is not None:
        return refused
    contact, journey = enrollment.contact, enrollment.journey
    language = _language(contact)
    text = Renderer().texts(step.config["text"], "", _variables(enrollment), language)[0].strip()[:SMS_MAX]
    message = queue_message(
        actor=None,
        channel=ConsentChannel.SMS,
        to=contact.primary_phone,
        subject="",
        body=text,
        idempotency_key=f"journey:{enrollment.pk}:{step.pk}",
        kind=KIND,
        language=language,
        contact=contact,
        related=journey,
    )
    return Outcome(RunOutcome.SENT, message=message)


def _branch(enrollment: Enrollment, step: JourneyStep, run: StepRun, now: datetime.datetime) -> Outcome:
    field = "clicked_at" if step.config.get("condition") == BranchCondition.CLICKED else "opened_at"
    asked = StepRun.objects.filter(enrollment=enrollment, step_id=step.config.get("step"))
    if asked.filter(**{f"{field}__isnull": False}).exists():
        return Outcome(RunOutcome.YES)
    otherwise = step.config.get("otherwise")
    return Outcome(RunOutcome.NO, goto=int(otherwise) if otherwise else 0)


def _task(enrollment: Enrollment, step: JourneyStep, run: StepRun, now: datetime.datetime) -> Outcome:
    from accord.activities import services as activities

    contact, journey = enrollment.contact, enrollment.journey
    owner = contact.owner if contact.owner.is_active else journey.owner
    title = Renderer().texts(step.config["title"], "", _variables(enrollment), _language(contact))[0].strip()
    days = int(step.config.get("due_days") or 0)
    task = activities.create_task(
        actor=None,
        data={
            "title": title[:TITLE_MAX] or journey.name,
            "owner": owner,
            "contact": contact,
            "due_at": now + datetime.timedelta(days=days),
        },
        related=journey,
    )
    return Outcome(RunOutcome.DONE, detail=str(task.pk))


def _tag(enrollment: Enrollment, step: JourneyStep, run: StepRun, now: datetime.datetime) -> Outcome:
    """The tag added through the contact's own service (a new version, an audit entry by the
    system, the tag made when it is new); a contact who has it already is left as it is."""
    from accord.people import services as people

    name = str(step.config["tag"])
    contact = enrollment.contact
    names = [tag.name for tag in contact.tags.all()]
    if name.casefold() not in {n.casefold() for n in names}:
        people.update_contact(actor=None, contact=contact, data=people.contact_data({"tags": [*names, name]}))
    return Outcome(RunOutcome.DONE, detail=name)


RUNNERS: dict[str, Any] = {
    StepKind.WAIT: _wait,
    StepKind.EMAIL: _email,
    StepKind.SMS: _sms,
    StepKind.BRANCH: _branch,
    StepKind.TASK: _task,
    StepKind.TAG: _tag,
}


# --- opens and clicks ------------------------------------------------------------------------------------

_tokens = content.TrackingTokens(TRACK_SALT)


def open_token(run_id: int) -> str:
    return _tokens.open(run_id)


def click_token(run_id: int, link: int) -> str:
    return _tokens.click(run_id, link)


def _track_url(name: str, token: str) -> str:
    before, after = content.url_around(name)
    return f"{before}{token}{after}"


def record_open(token: str) -> bool:
    read = _tokens.read(token)
    if read is None or read[1] != "o":
        return False
    return bool(StepRun.objects.filter(pk=read[0]).update(opened_at=Coalesce(F("opened_at"), timezone.now())))


def record_click(token: str) -> str:
    """Where a journey e-mail's tracked link goes (its step's own button link), the click
    counted; Http404 for any other token."""
    read = _tokens.read(token)
    if read is None or read[1] == "o":
        raise Http404
    run = StepRun.objects.filter(pk=read[0]).select_related("step").first()
    if run is None or read[1] != "0" or not run.step.config.get("button_url"):
        raise Http404
    now = timezone.now()
    StepRun.objects.filter(pk=run.pk).update(
        clicked_at=Coalesce(F("clicked_at"), now), opened_at=Coalesce(F("opened_at"), now)
    )
    return str(run.step.config["button_url"])


def segment_in_use(segment: Segment) -> bool:
    return Journey.objects.filter(segment=segment).exists()
