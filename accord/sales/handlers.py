"""What sales does when events arrive: automation rules on stage changes, and deals kept current
with the interactions logged about them."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from accord.core.events import on
from accord.core.models import Event
from accord.sales.events import StageChanged
from accord.sales.models import Deal
from accord.sales.services import automation


@on("sales.deal.stage_changed")
def run_stage_rules(event: Event) -> None:
    """A deal entered a stage: give its owner the tasks and reminders the rules ask for."""
    if event.object_id is None:
        return
    changed = StageChanged.of(event)
    automation.apply_stage_rules(
        deal_id=event.object_id, to_stage_id=changed.to_stage_id, change_id=changed.change_id or event.pk
    )


@on("activities.interaction.created")
def note_deal_interaction(event: Event) -> None:
    """A call, e-mail or meeting logged on a deal ends its idle period."""
    from accord.activities.models import Interaction

    if event.object_id is None:
        return
    interaction = (
        Interaction.objects.filter(pk=event.object_id).only("related_type", "related_id", "occurred_at").first()
    )
    if interaction is None or interaction.related_id is None:
        return
    if interaction.related_type_id != ContentType.objects.get_for_model(Deal).pk:
        return
    automation.note_interaction(deal_id=interaction.related_id, when=interaction.occurred_at)
