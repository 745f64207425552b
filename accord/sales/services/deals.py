"""Deals: create, change, move between stages, win, lose, delete — each audited and announced."""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, changes, money, search
from accord.core.access import Action
from accord.core.errors import check_version
from accord.core.events import emit
from accord.people.models import Company, Contact
from accord.sales.events import StageChanged
from accord.sales.models import (
    AmountSource,
    Deal,
    DealContact,
    DealLine,
    DealStageChange,
    LostReason,
    Pipeline,
    Stage,
    StageKind,
)
from accord.sales.services.lines import LineIn, clean_lines, line_snapshot, totals

if TYPE_CHECKING:
    from accord.identity.models import User

DEAL_FIELDS = (
    "name",
    "amount",
    "currency",
    "expected_close",
    "next_step",
    "description",
    "source",
    "external_id",
)
# What a user who may not see amounts may not give a deal (see ``_apply``).
AMOUNT_FIELDS = ("amount", "amount_source", "lines")
GAP = 1024.0  # spacing of card positions; a move writes one row until a column is renumbered


def default_pipeline() -> Pipeline:
    pipeline = Pipeline.objects.filter(active=True).order_by("-is_default", "position", "name").first()
    if pipeline is None:
        raise ValidationError({"pipeline": [_("There is no active pipeline.")]})
    return pipeline


def first_stage(pipeline: Pipeline) -> Stage:
    stage = pipeline.stages.filter(kind=StageKind.OPEN).order_by("position").first()
    if stage is None:
        raise ValidationError({"stage": [_("The pipeline %(name)s has no open stage.") % {"name": pipeline}]})
    return stage


def deal_search_text(deal: Deal) -> str:
    company = deal.company.name if deal.company_id and deal.company else ""
    people = Contact.objects.filter(deal_links__deal=deal).values_list("first_name", "last_name")
    return search.document(
        deal.name, company, *(" ".join(p for p in person if p) for person in people), deal.external_id
    )


def _apply(
    actor: User | None, deal: Deal, data: Mapping[str, Any], *, creating: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Put ``data`` on the unsaved ``deal``; return the cleaned child lists and every error found."""
    errors: dict[str, list[str]] = {}
    extra: dict[str, Any] = {}
    typed_before = deal.amount
    if actor is not None and not access.sees_amounts(actor):
        # Who may not see amounts may not set them: not the amount, not where it comes from, not
        # the priced lines it may follow. A null (an amount sent back as it was read) is no change.
        given = [name for name in AMOUNT_FIELDS if data.get(name) is not None]
        if given:
            raise ValidationError(access.amounts_refused(given))
        data = {k: v for k, v in data.items() if k not in AMOUNT_FIELDS}
    for name in DEAL_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            if name == "external_id":
                value = value or None
            elif name in ("name", "next_step", "description", "source") and value is None:
                value = ""
            elif name == "amount" and value is not None and not isinstance(value, decimal.Decimal):
                try:
                    value = decimal.Decimal(str(value).replace(",", "."))
                except decimal.InvalidOperation:
                    errors["amount"] = [_("Enter a number.")]
                    continue
            setattr(deal, name, value)
    deal.currency = (deal.currency or settings.DEFAULT_CURRENCY).upper()
    if not deal.name:
        errors["name"] = [_("This field is required.")]
    if len(deal.currency) != 3 or not deal.currency.isalpha():
        errors["currency"] = [_("Currency must be a three-letter code such as PLN or EUR.")]
    if deal.amount is not None and deal.amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
    if "owner" in data and data["owner"] is not None:
        owner = data["owner"]
        if actor is not None and not access.can_assign_to(actor, owner):
            errors["owner"] = [access.owner_refused()]
        else:
            deal.owner = owner
            deal.team_id = owner.primary_team_id
    elif creating and actor is not None:
        deal.owner = actor
        deal.team_id = actor.primary_team_id
    elif creating:
        # The system (an import, a conversion run by no one) has nobody to give the deal to.
        errors["owner"] = [_("This field is required.")]
    if "territory" in data:
        if refused := access.placement_refused(actor, deal, "territory", data["territory"]):
            errors["territory"] = refused
        else:
            deal.territory = data["territory"]
    if "company" in data:
        company = data["company"]
        if company is not None and actor is not None and not access.can_view(actor, company):
            errors["company"] = [_("No such company.")]
        else:
            deal.company = company
            if creating and company is not None and "territory" not in data:
                deal.territory_id = company.territory_id
    if "contacts" in data:
        people: list[tuple[Contact, str]] = []
        for i, item in enumerate(data["contacts"] or []):
            contact, role = (item["contact"], item.get("role", "")) if isinstance(item, Mapping) else (item, "")
            if actor is not None and not access.can_view(actor, contact):
                errors[f"contacts.{i}"] = [_("No such contact.")]
            elif all(c.pk != contact.pk for c, _r in people):
                people.append((contact, role))
        extra["contacts"] = people
    if "lines" in data:
        lines, line_errors = clean_lines(data["lines"] or [], currency=deal.currency, company=deal.company)
        errors.update(line_errors)
        extra["lines"] = lines
    _settle_amount(deal, data, extra, typed_before=typed_before, creating=creating, errors=errors)
    if not money.fits(deal.amount) and "amount" not in errors and "lines" not in errors:
        errors["amount" if deal.amount_source != AmountSource.LINES else "lines"] = [money.too_large_message()]
    try:
        deal.full_clean(
            exclude=["owner", "team", "territory", "pipeline", "stage", "company", "lost_reason", "amount"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    clash = Deal.objects.filter(external_id=deal.external_id).exclude(pk=deal.pk)
    if deal.external_id and (creating or "external_id" in data) and clash.exists():
        errors.setdefault("external_id", []).append(_("Another record already has this external id."))
    return extra, errors


def _settle_amount(
    deal: Deal,
    data: Mapping[str, Any],
    extra: Mapping[str, Any],
    *,
    typed_before: Any,
    creating: bool,
    errors: dict[str, list[str]],
) -> None:
    """Decide where the amount comes from and, when from the lines, set it to their net total.

    ``amount_source`` given decides. Otherwise typing a (different) amount makes it the deal's
    amount, kept whatever lines come later; clearing it to zero means "no amount", and a deal
    without one follows its lines, as a new deal does when created without an amount.
    """
    wanted = data.get("amount_source")
    if wanted is not None:
        if wanted not in AmountSource.values:
            errors["amount_source"] = [_("Choose “manual” or “lines”.")]
            return
        deal.amount_source = wanted
    elif "amount" in data and (creating or deal.amount != typed_before):
        deal.amount_source = AmountSource.MANUAL if deal.amount else AmountSource.LINES
    elif creating:
        deal.amount_source = AmountSource.LINES
    if deal.amount_source != AmountSource.LINES:
        return
    if "lines" in extra:
        lines: Sequence[Any] = extra["lines"]
    else:
        lines = list(deal.lines.all()) if deal.pk and not creating else []
    total = totals(lines).net if lines else decimal.Decimal("0.00")
    if wanted == AmountSource.LINES and data.get("amount") is not None and data["amount"] != total:
        errors["amount"] = [
            _("The amount follows the product lines (%(total)s); leave it out or make it a manual amount.")
            % {"total": total}
        ]
        return
    deal.amount = total


def lines_total(deal: Deal) -> decimal.Decimal:
    """The net total of a deal's product lines (what "Use the lines' total" would make its amount)."""
    return totals(list(deal.lines.all())).net.quantize(decimal.Decimal("0.01"))


def _write_children(deal: Deal, extra: Mapping[str, Any]) -> None:
    if "contacts" in extra:
        DealContact.objects.filter(deal=deal).delete()
        DealContact.objects.bulk_create(DealContact(deal=deal, contact=c, role=r) for c, r in extra["contacts"])
    if "lines" in extra:
        DealLine.objects.filter(deal=deal).delete()
        lines: Sequence[LineIn] = extra["lines"]
        DealLine.objects.bulk_create(
            DealLine(
                deal=deal,
                product=line.product,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=line.unit_price,
                discount_percent=line.discount_percent,
                vat_rate=line.vat_rate,
                position=i,
            )
            for i, line in enumerate(lines)
        )


def _children_snapshot(deal: Deal) -> dict[str, Any]:
    return {
        "contacts": sorted(str(c) for c in Contact.objects.filter(deal_links__deal=deal)),
        "lines": [
            line_snapshot(line)
            for line in DealLine.objects.filter(deal=deal).select_related("product").order_by("position", "id")
        ],
    }


def _record_stage_change(deal: Deal, from_stage: Stage | None, actor: User | None) -> DealStageChange:
    change = DealStageChange.objects.create(
        deal=deal,
        from_stage=from_stage,
        to_stage=deal.stage,
        changed_by=actor if getattr(actor, "pk", None) else None,
        changed_at=timezone.now(),
        amount=deal.amount,
        currency=deal.currency,
        probability=deal.probability,
    )
    changed = StageChanged(
        change_id=change.pk, from_stage_id=from_stage.pk if from_stage else None, to_stage_id=deal.stage_id
    )
    emit(changed, obj=deal, actor=actor)
    return change


def _enter_stage(deal: Deal, stage: Stage, *, lost_reason: LostReason | None, lost_note: str) -> None:
    """Put ``deal`` in ``stage``: status, probability and closing follow from the stage's kind."""
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": [_("That stage belongs to another pipeline.")]})
    if stage.kind == StageKind.LOST and lost_reason is None:
        raise ValidationError({"lost_reason": [_("Say why the deal was lost.")]})
    archived = lost_reason is not None and not lost_reason.active and lost_reason.pk != deal.lost_reason_id
    if stage.kind == StageKind.LOST and archived:
        raise ValidationError({"lost_reason": [_("This reason is archived: choose another one.")]})
    deal.stage = stage
    deal.status = stage.kind
    deal.probability = stage.probability
    if stage.kind == StageKind.OPEN:
        deal.closed_at = None
        deal.lost_reason = None
        deal.lost_note = ""
    else:
        deal.closed_at = deal.closed_at or timezone.now()
        deal.lost_reason = lost_reason if stage.kind == StageKind.LOST else None
        deal.lost_note = lost_note if stage.kind == StageKind.LOST else ""


@transaction.atomic
def create_deal(
    *,
    actor: User | None,
    data: Mapping[str, Any],
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    lost_reason: LostReason | None = None,
    checked: bool = False,
    partner: Company | None = None,
) -> Deal:
    """Create a deal (by default in the first stage of the default pipeline). ``actor`` None is
    the system (imports, automation). ``checked``: the caller already decided that ``actor`` may
    make this deal (converting a lead they may change); the actor is recorded, not asked again.
    ``partner`` is the partner company that registered the deal in the portal."""
    if actor is not None and not checked:
        access.require_create(actor)
    pipeline = pipeline or (stage.pipeline if stage else default_pipeline())
    if not pipeline.active:
        # The screens offer only active pipelines; the API and imports are held to the same rule.
        raise ValidationError({"pipeline": [_("This pipeline is archived: choose another one.")]})
    stage = stage or first_stage(pipeline)
    deal = Deal(pipeline=pipeline, stage=stage, partner=partner)
    extra, errors = _apply(None if checked else actor, deal, data, creating=True)
    if errors:
        raise ValidationError(errors)
    _enter_stage(deal, stage, lost_reason=lost_reason, lost_note=str(data.get("lost_note", "")))
    top = Deal.objects.filter(stage=stage, status=deal.status).aggregate(m=Min("position"))["m"]
    deal.position = (top - GAP) if top is not None else 0.0
    deal.save()
    _write_children(deal, extra)
    deal.search_text = deal_search_text(deal)
    deal.save(update_fields=["search_text"])
    _record_stage_change(deal, None, actor)
    changes.record_create(actor=actor, obj=deal, extra=_children_snapshot(deal))
    return deal


@transaction.atomic
def update_deal(
    *, actor: User | None, deal: Deal, data: Mapping[str, Any], expected_version: int | None = None
) -> Deal:
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
    check_version(locked, expected_version)
    before = changes.snapshot(locked, extra=_children_snapshot(locked))
    extra, errors = _apply(actor, locked, data, creating=False)
    if errors:
        raise ValidationError(errors)
    _write_children(locked, extra)
    after_extra = _children_snapshot(locked)
    if changes.snapshot(locked, extra=after_extra) == before:
        return locked
    locked.search_text = deal_search_text(locked)
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before, extra=after_extra)
    return locked


@transaction.atomic
def move_deal(
    *,
    actor: User | None,
    deal: Deal,
    stage: Stage,
    after: Deal | None = None,
    before: Deal | None = None,
    lost_reason: LostReason | None = None,
    lost_note: str = "",
    expected_version: int | None = None,
) -> Deal:
    """Move a deal to ``stage`` (between the cards ``after`` and ``before`` on the board, or to the
    top). Changing stage writes a stage-history row; reordering within a stage does not."""
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
    check_version(locked, expected_version)
    before_state = changes.snapshot(locked)
    from_stage = locked.stage
    stage_changed = stage.pk != locked.stage_id
    if stage_changed or (stage.kind == StageKind.LOST and lost_reason != locked.lost_reason):
        _enter_stage(locked, stage, lost_reason=lost_reason, lost_note=lost_note)
    locked.position = _position_between(locked, stage, after, before)
    locked.version += 1
    locked.save()
    if stage_changed:
        _record_stage_change(locked, from_stage, actor)
        changes.record_update(actor=actor, obj=locked, before=before_state)
    return locked


def _position_between(deal: Deal, stage: Stage, after: Deal | None, before: Deal | None) -> float:
    """A position between two neighbouring cards; renumbers the column when the gap runs out."""
    low = after.position if after is not None and after.stage_id == stage.pk else None
    high = before.position if before is not None and before.stage_id == stage.pk else None
    if low is None and high is None:
        if stage.kind != StageKind.OPEN:
            # Only open deals are cards on the board: a closed deal's place in its stage is moot.
            return 0.0
        # Pipeline and status let the partial board index answer this from its first entry.
        top = (
            Deal.objects.filter(pipeline_id=stage.pipeline_id, stage=stage, status=StageKind.OPEN)
            .exclude(pk=deal.pk)
            .aggregate(m=Min("position"))["m"]
        )
        return (top - GAP) if top is not None else 0.0
    if low is None:
        return float(high) - GAP  # type: ignore[arg-type]
    if high is None:
        return float(low) + GAP
    middle = (float(low) + float(high)) / 2
    if middle in (low, high):  # the floats ran out of room: spread the column out again
        _renumber(stage)
        after_refreshed = Deal.objects.get(pk=after.pk)  # type: ignore[union-attr]
        return after_refreshed.position + GAP / 2
    return middle


def _renumber(stage: Stage) -> None:
    """Spread a column's cards out again, in their order: one UPDATE per 1,000 cards."""
    ordered = Deal.objects.filter(stage=stage).order_by("position", "id").values_list("pk", flat=True)
    Deal.objects.bulk_update(
        [Deal(pk=pk, position=i * GAP) for i, pk in enumerate(ordered)], ["position"], batch_size=1000
    )


def win_deal(*, actor: User | None, deal: Deal, expected_version: int | None = None) -> Deal:
    stage = deal.pipeline.stages.filter(kind=StageKind.WON).order_by("position").first()
    if stage is None:
        raise ValidationError({"stage": [_("The pipeline %(name)s has no won stage.") % {"name": deal.pipeline}]})
    return move_deal(actor=actor, deal=deal, stage=stage, expected_version=expected_version)


def lose_deal(
    *, actor: User | None, deal: Deal, reason: LostReason | None, note: str = "", expected_version: int | None = None
) -> Deal:
    stage = deal.pipeline.stages.filter(kind=StageKind.LOST).order_by("position").first()
    if stage is None:
        raise ValidationError({"stage": [_("The pipeline %(name)s has no lost stage.") % {"name": deal.pipeline}]})
    return move_deal(
        actor=actor, deal=deal, stage=stage, lost_reason=reason, lost_note=note, expected_version=expected_version
    )


@transaction.atomic
def delete_deal(*, actor: User | None, deal: Deal, expected_version: int | None = None) -> None:
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    if actor is not None:
        access.require(actor, Action.DELETE, locked)
    check_version(locked, expected_version)
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked, extra=_children_snapshot(locked)))
    locked.delete()


def touch_activity(deal_ids: Sequence[Any], when: Any) -> int:
    """Note that something happened on these deals (an interaction was logged)."""
    from django.db.models import Q

    return (
        Deal.objects.filter(pk__in=deal_ids)
        .filter(Q(last_activity_at__lt=when) | Q(last_activity_at__isnull=True))
        .update(last_activity_at=when)
    )
