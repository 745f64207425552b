"""Saved reports: create, change, delete and their scheduled delivery.

Only a report's owner or an administrator changes it; a stale version changes nothing (Conflict).
A definition is checked against its owner's rights on every save. A scheduled report is rendered
as its owner sees it and mailed through the messaging outbox, once per recipient and due time.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accord.analytics.models import Frequency, Report, ReportDelivery, ReportFormat
from accord.analytics.reporting import render
from accord.analytics.selectors import pivot
from accord.core import access, changes, languages
from accord.core.access import AccessDenied
from accord.core.errors import check_version
from accord.messaging.models import MessageChannel
from accord.messaging.services import OutgoingAttachment, queue_message

if TYPE_CHECKING:
    from accord.identity.models import Role, User

log = logging.getLogger(__name__)
DELIVERY_HOUR = 7  # scheduled reports leave at 07:00, server time, before the working day


def next_delivery(frequency: str, after: datetime.datetime) -> datetime.datetime | None:
    """The first delivery time of ``frequency`` strictly after ``after``: 07:00 each day, each
    Monday or on the first of each month (server time)."""
    if not frequency:
        return None
    zone = timezone.get_default_timezone()
    local = timezone.localtime(after, zone)
    day = local.date()
    while True:
        at = datetime.datetime.combine(day, datetime.time(DELIVERY_HOUR), tzinfo=zone)
        if at > local and (
            frequency == Frequency.DAILY
            or (frequency == Frequency.WEEKLY and day.weekday() == 0)
            or (frequency == Frequency.MONTHLY and day.day == 1)
        ):
            return at
        if frequency == Frequency.MONTHLY and day.day != 1:
            # Straight to the first of next month.
            days = calendar.monthrange(day.year, day.month)[1]
            day = day.replace(day=days) + datetime.timedelta(days=1)
        else:
            day += datetime.timedelta(days=1)


def _require_owner(actor: User, report: Report) -> None:
    if report.owner_id != actor.pk and not access.is_admin(actor):
        raise AccessDenied(_("Only the report's owner or an administrator may change it."))


def _clean(
    actor: User,
    owner: User,
    *,
    name: str,
    definition: Any,
    frequency: str,
    delivery_format: str,
    recipients: Sequence[User],
) -> tuple[str, pivot.Definition]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the report a name.")]
    elif len(name) > 120:
        errors["name"] = [_("Keep the name under 120 characters.")]
    if frequency not in Frequency.values:
        errors["frequency"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(v for v in Frequency.values if v)}
        ]
    if delivery_format not in ReportFormat.values:
        errors["delivery_format"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(ReportFormat.values)}]
    if frequency and not access.can_export(owner):
        # A mailed file is an export: a role that may not export may not have one sent either.
        errors["frequency"] = [_("Your role may not export, so it may not have reports mailed.")]
    if frequency and not recipients:
        errors["recipients"] = [_("Choose at least one recipient for a scheduled report.")]
    inactive = [str(u) for u in recipients if not u.is_active or not u.email]
    if inactive:
        errors["recipients"] = [_("These users cannot receive mail: %(names)s.") % {"names": ", ".join(inactive)}]
    parsed: pivot.Definition | None = None
    try:
        # The owner's rights decide what the report may show; it is delivered as the owner sees it.
        parsed = pivot.parse_definition(owner, definition)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if parsed is not None and any(pivot.is_money(pivot.entity_of(parsed.entity), m) for m in parsed.measures):
        blind = [str(u) for u in recipients if not access.sees_amounts(u)]
        if blind:
            errors["recipients"] = [
                _("The report shows amounts, which these users may not see: %(names)s.") % {"names": ", ".join(blind)}
            ]
    if errors:
        raise ValidationError(errors)
    assert parsed is not None
    return name, parsed


@transaction.atomic
def create_report(
    *,
    actor: User,
    name: str,
    definition: Any,
    shared_with: Sequence[Role] = (),
    frequency: str = "",
    delivery_format: str = ReportFormat.XLSX,
    recipients: Sequence[User] = (),
) -> Report:
    """Save a definition under a name, owned by ``actor``."""
    if not actor.is_active:
        raise AccessDenied()
    name, parsed = _clean(
        actor,
        actor,
        name=name,
        definition=definition,
        frequency=frequency,
        delivery_format=delivery_format,
        recipients=recipients,
    )
    report = Report.objects.create(
        name=name,
        entity=parsed.entity,
        definition=parsed.as_dict(),
        owner=actor,
        frequency=frequency,
        delivery_format=delivery_format,
        next_delivery_at=next_delivery(frequency, timezone.now()),
    )
    report.shared_with.set(shared_with)
    report.recipients.set(recipients)
    changes.record_create(actor=actor, obj=report)
    return report


@transaction.atomic
def update_report(
    *,
    actor: User,
    report: Report,
    expected_version: int | None,
    name: str,
    definition: Any,
    shared_with: Sequence[Role] = (),
    frequency: str = "",
    delivery_format: str = ReportFormat.XLSX,
    recipients: Sequence[User] = (),
) -> Report:
    """Change a report; only its owner or an administrator, and only from the current version."""
    _require_owner(actor, report)
    locked = Report.objects.select_for_update().select_related("owner").get(pk=report.pk)
    check_version(locked, expected_version)
    name, parsed = _clean(
        actor,
        locked.owner,
        name=name,
        definition=definition,
        frequency=frequency,
        delivery_format=delivery_format,
        recipients=recipients,
    )
    before = changes.snapshot(locked)
    rescheduled = frequency != locked.frequency
    locked.name = name
    locked.entity = parsed.entity
    locked.definition = parsed.as_dict()
    locked.frequency = frequency
    locked.delivery_format = delivery_format
    if rescheduled:
        locked.next_delivery_at = next_delivery(frequency, timezone.now())
    locked.version += 1
    locked.save()
    locked.shared_with.set(shared_with)
    locked.recipients.set(recipients)
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def delete_report(*, actor: User, report: Report, expected_version: int | None = None) -> None:
    _require_owner(actor, report)
    locked = Report.objects.select_for_update().get(pk=report.pk)
    check_version(locked, expected_version)
    before = changes.snapshot(locked)
    locked.delete()
    changes.record_delete(actor=actor, obj=report, before=before)


# --- scheduled delivery -----------------------------------------------------------------------------


def deliver_due(*, now: datetime.datetime | None = None) -> int:
    """Mail every report whose delivery is due; returns how many were delivered. Safe to run
    again and from several workers: each (report, due time) is claimed once."""
    now = now or timezone.now()
    delivered = 0
    due = Report.objects.filter(next_delivery_at__lte=now).exclude(frequency="").values_list("pk", flat=True)
    for pk in list(due[:500]):
        if _deliver_one(pk, now):
            delivered += 1
    return delivered


def _deliver_one(pk: Any, now: datetime.datetime) -> bool:
    with transaction.atomic():
        report = Report.objects.select_for_update(skip_locked=True).select_related("owner").filter(pk=pk).first()
        if report is None or report.next_delivery_at is None or report.next_delivery_at > now or not report.frequency:
            return False  # another worker has it, or it was unscheduled meanwhile
        due_at = report.next_delivery_at
        report.next_delivery_at = next_delivery(report.frequency, max(now, due_at))
        report.save(update_fields=["next_delivery_at"])
        try:
            with transaction.atomic():
                delivery = ReportDelivery.objects.create(
                    report=report, due_at=due_at, delivery_format=report.delivery_format
                )
        except IntegrityError:
            return False  # delivered for this due time already
        owner = report.owner
        recipients = list(report.recipients.filter(is_active=True).exclude(email=""))
        language = languages.first_supported(getattr(owner, "language", "") or "")
        with override(language):
            try:
                result = pivot.run(owner, pivot.parse_definition(owner, report.definition))
            except ValidationError as exc:
                # The owner lost a right the report needs (amounts): say so instead of mailing.
                delivery.error = "; ".join(str(m) for m in exc.messages)[:500]
                delivery.save(update_fields=["error"])
                log.warning("report %s not delivered: %s", report.pk, delivery.error)
                return False
            content, content_type, extension = render.render(result, report.delivery_format, report.name)
            subject = _("Report: %(name)s") % {"name": report.name}
            body = _(
                "The report “%(name)s” as of %(day)s is attached.\n\nYou receive it %(frequency)s because "
                "%(owner)s scheduled it."
            ) % {
                "name": report.name,
                "day": timezone.localdate(now).isoformat(),
                "frequency": str(Frequency(report.frequency).label).lower(),
                "owner": str(owner),
            }
        filename = f"{_slug(report.name)}-{timezone.localdate(now):%Y%m%d}.{extension}"
        for recipient in recipients:
            queue_message(
                actor=None,
                channel=MessageChannel.EMAIL,
                to=recipient.email,
                subject=subject[:200],
                body=body,
                idempotency_key=f"analytics.report:{report.pk}:{due_at:%Y%m%d%H%M}:{recipient.pk}",
                kind="report",
                language=language,
                attachments=[OutgoingAttachment(filename, content, content_type)],
            )
        delivery.recipients = len(recipients)
        delivery.save(update_fields=["recipients"])
        report.last_delivered_at = now
        report.save(update_fields=["last_delivered_at"])
    return True


def _slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name)[:60] or "report"
