"""Sales automation: rules that give a deal's owner a task or a reminder when the deal enters a
stage, or when nothing has happened on an open deal for too long.

A rule fires once per (rule, deal, occasion): the ``AutomationRun`` row is inserted first, in the
same transaction as the task or the notification request, so a retried event, a job run twice or
two workers racing produce one task, never two. Occasions:

- ``stage:<stage change id>``: entering the stage; entering it again later is a new occasion.
- ``idle:<date of the last interaction>``: an idle period; a new interaction starts a new one.
"""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.activities import services as activities
from accord.core import languages
from accord.core.event_types import NotifyRequested
from accord.core.events import emit
from accord.sales.models import AutomationRule, AutomationRun, Deal, DealStatus, RuleAction, RuleTrigger

log = logging.getLogger(__name__)

IDLE_BATCH = 500  # deals fired per rule per run; the next run carries on where this one stopped


def last_interaction_expression() -> Coalesce:
    """When something last happened on a deal: its last logged interaction, else its creation."""
    return Coalesce(F("last_activity_at"), F("created_at"), output_field=DateTimeField())


def _fire(rule: AutomationRule, deal: Deal, occasion: str, *, now: datetime.datetime) -> bool:
    """Carry out ``rule`` for ``deal`` once for ``occasion``; False when it had already fired."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = AutomationRun.objects.create(rule=rule, deal=deal, occasion=occasion)
                if run.at != now:
                    # The job's clock, not the insert's: "fired since the last interaction" compares to it.
                    AutomationRun.objects.filter(pk=run.pk).update(at=now)
        except IntegrityError:
            # Fired already: by an earlier attempt at this event or job, or by another worker.
            return False
        owner = deal.owner
        if owner is None or not owner.is_active:
            # Nobody to act; the run row still records that the occasion was handled.
            return True
        if rule.action == RuleAction.CREATE_TASK:
            _create_task(rule, deal, occasion, now=now)
        else:
            _request_notification(rule, deal, occasion)
        return True


def _create_task(rule: AutomationRule, deal: Deal, occasion: str, *, now: datetime.datetime) -> None:
    owner = deal.owner
    contact = deal.contacts.order_by("deal_links__id").first()
    with languages.writing_to_user(owner):
        description = _("Created by the automation rule “%(rule)s” for the deal “%(deal)s”.") % {
            "rule": rule.name,
            "deal": deal.name,
        }
    url = _deal_url(deal)
    if url:
        description = f"{description}\n{url}"
    activities.create_task(
        actor=None,
        data={
            "title": rule.task_title,
            "description": description,
            "due_at": now + datetime.timedelta(days=rule.due_in_days),
            "owner": owner,
            "company": deal.company,
            "contact": contact,
        },
        related=deal,  # the task points at the deal itself (generic relation), and at its customer
    )


def _deal_url(deal: Deal) -> str:
    try:
        return reverse("sales:deal-detail", args=[deal.pk])
    except NoReverseMatch:
        return ""  # the deal screens are not installed (API-only set-ups)


def _request_notification(rule: AutomationRule, deal: Deal, occasion: str) -> None:
    """Ask messaging (through the event log; sales does not import it) to remind the owner."""
    owner = deal.owner
    with languages.writing_to_user(owner):
        subject = f"{rule.task_title} · {deal.name}"
        body = _("Automation rule “%(rule)s”.") % {"rule": rule.name}
    request = NotifyRequested(
        user_id=owner.pk,
        subject=subject,
        body=body,
        url=_deal_url(deal),
        idempotency_key=f"automation:{rule.pk}:{deal.pk}:{occasion}",
        related_entity="sales.deal",
        related_id=deal.pk,
    )
    emit(request, obj=deal)


def stage_rules(pipeline_id: Any, stage_id: Any) -> QuerySet[AutomationRule]:
    """Active "enters a stage" rules matching this stage (a rule without a stage matches any stage of
    its pipeline; one without a pipeline either matches every pipeline)."""
    return AutomationRule.objects.filter(active=True, trigger=RuleTrigger.STAGE_ENTERED).filter(
        Q(pipeline__isnull=True) | Q(pipeline_id=pipeline_id), Q(stage__isnull=True) | Q(stage_id=stage_id)
    )


def apply_stage_rules(*, deal_id: Any, to_stage_id: Any, change_id: Any, now: datetime.datetime | None = None) -> int:
    """A deal entered a stage: fire the matching rules; returns how many fired now."""
    now = now or timezone.now()
    deal = Deal.objects.select_related("owner", "company").filter(pk=deal_id).first()
    if deal is None or str(deal.stage_id) != str(to_stage_id):
        # Deleted, or moved on again before the worker got here: the old stage's tasks are moot.
        return 0
    fired = 0
    for rule in stage_rules(deal.pipeline_id, to_stage_id):
        fired += _fire(rule, deal, f"stage:{change_id}", now=now)
    return fired


def idle_deals(rule: AutomationRule, now: datetime.datetime) -> QuerySet[Deal]:
    """Open deals that ``rule`` has not yet fired for in their current idle period, one SQL query."""
    cutoff = now - datetime.timedelta(days=rule.idle_days or 0)
    qs = Deal.objects.filter(status=DealStatus.OPEN).annotate(last_interaction=last_interaction_expression())
    if rule.pipeline_id:
        qs = qs.filter(pipeline_id=rule.pipeline_id)
    if rule.stage_id:
        qs = qs.filter(stage_id=rule.stage_id)
    fired = AutomationRun.objects.filter(rule=rule, deal=OuterRef("pk"), at__gte=OuterRef("last_interaction"))
    return qs.filter(last_interaction__lte=cutoff).exclude(Exists(fired))


def run_idle_rules(
    *, now: datetime.datetime | None = None, batch_size: int = IDLE_BATCH, max_seconds: float = 600.0
) -> int:
    """Fire every active idle rule for the open deals without an interaction for its number of
    days, once per idle period; each deal in its own transaction. Works in batches until done or
    ``max_seconds`` have passed (the next hourly run carries on). Returns how many fired."""
    now = now or timezone.now()
    deadline = time.monotonic() + max_seconds
    fired = 0
    rules = AutomationRule.objects.filter(active=True, trigger=RuleTrigger.IDLE, idle_days__isnull=False)
    for rule in rules:
        while time.monotonic() < deadline:
            deals = idle_deals(rule, now).select_related("owner", "company").order_by(F("last_interaction").asc(), "id")
            batch = list(deals[:batch_size])
            fired_now = 0
            if rule.action == RuleAction.NOTIFY_OWNER:
                # One reminder per owner for the deals that went quiet together, not one each:
                # a new rule over a year of old deals would otherwise bring a rep hundreds.
                by_owner: dict[Any, list[Deal]] = {}
                for deal in batch:
                    by_owner.setdefault(deal.owner_id, []).append(deal)
                for owned in by_owner.values():
                    if time.monotonic() >= deadline:
                        break
                    fired_now += _fire_idle_digest(rule, owned, now=now)
            else:
                for deal in batch:
                    if time.monotonic() >= deadline:
                        break
                    fired_now += _fire(rule, deal, _idle_occasion(deal), now=now)
            fired += fired_now
            if len(batch) < batch_size or not fired_now:
                break  # all done, or only deals another worker is handling are left
    if fired:
        log.info("idle-deal rules fired %d times", fired)
    return fired


def _idle_occasion(deal: Deal) -> str:
    last = timezone.localtime(deal.last_interaction).date()  # type: ignore[attr-defined]
    return f"idle:{last.isoformat()}"


DIGEST_LISTED = 8  # deals named in a digest; the rest are counted


def _fire_idle_digest(rule: AutomationRule, deals: list[Deal], *, now: datetime.datetime) -> int:
    """Fire a reminder rule for several idle deals of one owner in one transaction: a run row per
    deal, and one notification naming them (a single deal gets the usual one). Deals another worker
    fired first are left out; the runs and the request commit together, so none is lost or sent twice."""
    if len(deals) == 1:
        return int(_fire(rule, deals[0], _idle_occasion(deals[0]), now=now))
    with transaction.atomic():
        fired: list[Deal] = []
        for deal in deals:
            try:
                with transaction.atomic():
                    run = AutomationRun.objects.create(rule=rule, deal=deal, occasion=_idle_occasion(deal))
            except IntegrityError:
                continue
            if run.at != now:
                AutomationRun.objects.filter(pk=run.pk).update(at=now)
            fired.append(deal)
        owner = deals[0].owner
        if len(fired) == 1:
            if owner is not None and owner.is_active:
                _request_notification(rule, fired[0], _idle_occasion(fired[0]))
        elif fired and owner is not None and owner.is_active:
            _request_digest(rule, fired, now=now)
        return len(fired)


def _request_digest(rule: AutomationRule, deals: list[Deal], *, now: datetime.datetime) -> None:
    owner = deals[0].owner
    with languages.writing_to_user(owner):
        subject = ngettext("%(text)s · %(count)d deal", "%(text)s · %(count)d deals", len(deals)) % {
            "text": rule.task_title,
            "count": len(deals),
        }
        names = [deal.name for deal in deals[:DIGEST_LISTED]]
        if len(deals) > DIGEST_LISTED:
            more = len(deals) - DIGEST_LISTED
            names.append(ngettext("and %(count)d more", "and %(count)d more", more) % {"count": more})
        body = _("Automation rule “%(rule)s”: %(deals)s.") % {"rule": rule.name, "deals": ", ".join(names)}
    try:
        url = reverse("sales:deal-list") + f"?owner={owner.pk}&status=open&sort=updated"
    except NoReverseMatch:
        url = ""
    request = NotifyRequested(
        user_id=owner.pk,
        subject=subject[:200],
        body=body,
        url=url,
        # The runs it reports are unique per deal and occasion and commit with it: one key per
        # rule, owner and job time cannot collide with another digest of the same deals.
        idempotency_key=f"automation-digest:{rule.pk}:{owner.pk}:{now.isoformat()}",
    )
    emit(request)


def note_interaction(*, deal_id: Any, when: datetime.datetime) -> int:
    """An interaction about this deal was logged: it is not idle since ``when``."""
    return (
        Deal.objects.filter(pk=deal_id)
        .filter(Q(last_activity_at__lt=when) | Q(last_activity_at__isnull=True))
        .update(last_activity_at=when)
    )
