"""Offer rules (create, change, delete) and what happens to an offer made to a contact: shown,
logged as made, turned into a deal, sent by a campaign, held out, or declined.

Rules are kept by admins and marketers. The actions on a contact's offer are for anyone who may
change the contact (a rep on their own contacts): the offer is the contact's next best offer now,
never one the caller names, so nobody can log or decline an offer the contact would not get.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.activities import services as activities
from accord.core import access, changes
from accord.core.access import Action
from accord.core.errors import check_version
from accord.core.models import as_uuid
from accord.marketing import segmenting
from accord.marketing.models import ExposureKind, OfferExposure, OfferRule
from accord.marketing.selectors import offers as selectors
from accord.marketing.selectors.offers import Offer
from accord.people.models import Contact, ContactCompany
from accord.sales.models import Product
from accord.sales.services import deals as deal_services

if TYPE_CHECKING:
    from accord.identity.models import User
    from accord.sales.models import Deal

MAX_HOLDOUT = 50
MAX_LIST = 20
TEXT_FIELDS = ("name", "title", "description")


def _words(raw: Any, field: str, errors: dict[str, list[str]]) -> list[str]:
    """A list of short names from a list or a comma-separated text, once each in any case."""
    if raw in (None, ""):
        return []
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        errors[field] = [_("Enter a list of names.")]
        return []
    out: list[str] = []
    for item in items:
        name = item.strip()[:60]
        if name and name.casefold() not in {o.casefold() for o in out}:
            out.append(name)
    if len(out) > MAX_LIST:
        errors[field] = [_("At most %(max)d names.") % {"max": MAX_LIST}]
    return out


def _int(raw: Any, field: str, errors: dict[str, list[str]], *, minimum: int, maximum: int) -> int | None:
    try:
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError(raw)
        number = int(str(raw).strip())
    except (TypeError, ValueError):
        errors[field] = [_("Enter a whole number.")]
        return None
    if not minimum <= number <= maximum:
        errors[field] = [_("Enter a number from %(min)d to %(max)d.") % {"min": minimum, "max": maximum}]
        return None
    return number


def _date(raw: Any, field: str, errors: dict[str, list[str]]) -> datetime.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw))
    except ValueError:
        errors[field] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def _clean(
    rule: OfferRule, data: Mapping[str, Any], errors: dict[str, list[str]], creating: bool, actor: Any = None
) -> None:
    for name in TEXT_FIELDS:
        if name in data or (creating and name == "name"):
            value = str(data.get(name) or "").strip()
            if name == "name" and not value:
                errors["name"] = [_("This field is required.")]
            elif name != "description" and len(value) > 200:
                errors[name] = [_("At most %(max)d characters.") % {"max": 200}]
            setattr(rule, name, value)
    if "url" in data:
        url = str(data.get("url") or "").strip()
        parts = urlsplit(url) if url else None
        if parts is not None and (parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500):
            errors["url"] = [_("Enter a web address starting with https:// or http://.")]
        rule.url = url
    if "product" in data:
        product = data.get("product")
        if product is not None and not isinstance(product, Product):
            key = as_uuid(str(product))
            product = Product.objects.filter(pk=key).first() if key else None
            if product is None:
                errors["product"] = [_("No such product.")]
        if isinstance(product, Product) and not product.active and product.pk != rule.product_id:
            errors["product"] = [_("This product is no longer sold.")]
        rule.product = product if isinstance(product, Product) else None
    for name in ("preferences", "classifications"):
        if name in data:
            setattr(rule, name, _words(data.get(name), name, errors))
    if "conditions" in data:
        try:
            rule.conditions = segmenting.clean(data.get("conditions"), user=actor)
        except ValidationError as exc:
            # "rules.0.days" -> "conditions.0.days": the field the caller sent.
            errors.update({"conditions" + key.removeprefix("rules"): msgs for key, msgs in exc.message_dict.items()})
    if "priority" in data:
        priority = _int(data.get("priority"), "priority", errors, minimum=-1000, maximum=1000)
        rule.priority = priority if priority is not None else rule.priority
    if "holdout_percent" in data:
        share = _int(data.get("holdout_percent") or 0, "holdout_percent", errors, minimum=0, maximum=MAX_HOLDOUT)
        rule.holdout_percent = share if share is not None else rule.holdout_percent
    for name, maximum in (("repurchase_days", 3650), ("conversion_days", 365)):
        if name in data:
            days = _int(data.get(name), name, errors, minimum=0 if name == "repurchase_days" else 1, maximum=maximum)
            if days is not None:
                setattr(rule, name, days)
    for name in ("valid_from", "valid_until"):
        if name in data:
            setattr(rule, name, _date(data.get(name), name, errors))
    if "active" in data:
        rule.active = bool(data.get("active"))
    if rule.valid_from and rule.valid_until and rule.valid_until < rule.valid_from and "valid_until" not in errors:
        errors["valid_until"] = [_("The offer cannot end before it starts.")]
    if not rule.product_id and not rule.product and not rule.title and "product" not in errors:
        errors["title"] = [_("Choose a product or describe the offer.")]
    if not rule.product and not rule.url and rule.title and "url" not in errors:
        errors["url"] = [_("A free-text offer needs a link.")]


@transaction.atomic
def create_rule(*, actor: User | None, data: Mapping[str, Any]) -> OfferRule:
    """A new offer rule: ``name``, ``product`` or ``title`` and ``url``, ``preferences``,
    ``classifications``, ``conditions`` (a segment rule tree), ``priority``, ``valid_from``,
    ``valid_until``, ``holdout_percent``, ``repurchase_days``, ``conversion_days``, ``active``."""
    if actor is not None:
        selectors.require_offer_manager(actor)
    rule = OfferRule(created_by=actor if getattr(actor, "pk", None) else None)
    errors: dict[str, list[str]] = {}
    _clean(rule, data, errors, creating=True, actor=actor)
    if errors:
        raise ValidationError(errors)
    rule.save()
    changes.record_create(actor=actor, obj=rule)
    return rule


def _lock(actor: User | None, rule: OfferRule, expected_version: int | None) -> OfferRule:
    if actor is not None:
        selectors.require_offer_manager(actor)
    locked = OfferRule.objects.select_for_update().get(pk=rule.pk)
    check_version(locked, expected_version)
    return locked


@transaction.atomic
def update_rule(
    *, actor: User | None, rule: OfferRule, data: Mapping[str, Any], expected_version: int | None = None
) -> OfferRule:
    """Change a rule; a stale ``expected_version`` is a Conflict and changes nothing."""
    locked = _lock(actor, rule, expected_version)
    before = changes.snapshot(locked)
    errors: dict[str, list[str]] = {}
    _clean(locked, data, errors, creating=False, actor=actor)
    if errors:
        raise ValidationError(errors)
    if changes.snapshot(locked) == before:
        return locked
    locked.version += 1
    locked.save()
    changes.record_update(actor=actor, obj=locked, before=before)
    return locked


@transaction.atomic
def delete_rule(*, actor: User | None, rule: OfferRule, expected_version: int | None = None) -> None:
    """Delete a rule, and with it what it measured."""
    locked = _lock(actor, rule, expected_version)
    changes.record_delete(actor=actor, obj=locked, before=changes.snapshot(locked))
    locked.delete()


# --- exposures -------------------------------------------------------------------------------------


def _kind_of(offer: Offer, kind: str) -> str:
    return ExposureKind.HELD_OUT if offer.held_out else kind


@transaction.atomic
def record_exposure(*, offer: Offer, kind: str, at: datetime.datetime | None = None) -> OfferExposure:
    """Note that ``offer`` was shown, made or sent (a held-out contact's offer: that it would have
    been). The first one starts the conversion window."""
    at = at or timezone.now()
    kind = _kind_of(offer, kind)
    exposure = (
        OfferExposure.objects.select_for_update().filter(rule_id=offer.rule.pk, contact_id=offer.contact_id).first()
    )
    if exposure is None:
        try:
            with transaction.atomic():
                return OfferExposure.objects.create(
                    rule_id=offer.rule.pk,
                    contact_id=offer.contact_id,
                    held_out=offer.held_out,
                    first_at=at,
                    last_at=at,
                    last_kind=kind,
                    made_at=at if kind == ExposureKind.MADE else None,
                )
        except IntegrityError:
            # Shown at the same moment in another request: that row is the first.
            exposure = OfferExposure.objects.select_for_update().get(rule_id=offer.rule.pk, contact_id=offer.contact_id)
    exposure.last_at = max(exposure.last_at, at)
    exposure.last_kind = kind
    fields = ["last_at", "last_kind"]
    if kind == ExposureKind.MADE:
        exposure.made_at = at
        fields.append("made_at")
    exposure.save(update_fields=fields)
    return exposure


@transaction.atomic
def record_exposures(*, offers: Iterable[Offer], kind: str = ExposureKind.SENT) -> int:
    """``record_exposure`` for many offers at once (a campaign's sends and its held-out
    recipients): one INSERT of the new rows, one UPDATE per rule of the rows already there.
    Returns how many offers were recorded."""
    now = timezone.now()
    listed = list(offers)
    if not listed:
        return 0
    by_rule: dict[Any, list[Offer]] = {}
    for offer in listed:
        by_rule.setdefault(offer.rule.pk, []).append(offer)
    for rule_pk, group in by_rule.items():
        OfferExposure.objects.bulk_create(
            [
                OfferExposure(
                    rule_id=rule_pk,
                    contact_id=o.contact_id,
                    held_out=o.held_out,
                    first_at=now,
                    last_at=now,
                    last_kind=_kind_of(o, kind),
                )
                for o in group
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
        for out in (False, True):
            chunk = [o.contact_id for o in group if o.held_out is out]
            for start in range(0, len(chunk), 1000):
                OfferExposure.objects.filter(
                    rule_id=rule_pk, contact_id__in=chunk[start : start + 1000], first_at__lt=now
                ).update(last_at=now, last_kind=ExposureKind.HELD_OUT if out else kind)
    return len(listed)


def _current(actor: User, contact: Contact, rule_id: Any) -> Offer:
    """The contact's next best offer, which must be ``rule_id``'s (the page may be stale)."""
    access.require(actor, Action.CHANGE, contact)
    offer = selectors.next_best_offer(contact)
    if offer is None or str(offer.rule.pk) != str(rule_id):
        raise ValidationError({"rule": [_("This offer is no longer the contact's next best offer. Reload the page.")]})
    return offer


@transaction.atomic
def log_offer_made(*, actor: User, contact: Contact, rule_id: Any) -> Offer:
    """Note on the contact's timeline that the offer was made to them."""
    offer = _current(actor, contact, rule_id)
    activities.log_interaction(
        actor=actor,
        data={
            "channel": "note",
            "contact": contact,
            "subject": _("Offer made: %(offer)s") % {"offer": offer.name},
            "body": "\n".join(p for p in (offer.reason, offer.url) if p),
            "occurred_at": timezone.now(),
        },
        related=offer.rule,
    )
    record_exposure(offer=offer, kind=ExposureKind.MADE)
    return offer


@transaction.atomic
def create_offer_deal(*, actor: User, contact: Contact, rule_id: Any) -> Deal:
    """A deal for the offer's product with the contact (and the contact's main company)."""
    offer = _current(actor, contact, rule_id)
    product = offer.rule.product
    if product is None:
        raise ValidationError({"rule": [_("This offer has no product to make a deal for.")]})
    company = ContactCompany.objects.filter(contact=contact, is_primary=True).select_related("company").first()
    data: dict[str, Any] = {
        "name": _("%(product)s for %(contact)s") % {"product": product.name, "contact": contact},
        "contacts": [contact],
        "description": offer.reason,
    }
    if company is not None and access.can_view(actor, company.company):
        data["company"] = company.company
    try:
        with transaction.atomic():
            deal = deal_services.create_deal(actor=actor, data={**data, "lines": [{"product": product}]})
    except ValidationError as exc:
        if not any(key.startswith("lines") for key in exc.message_dict):
            raise
        # No catalogue price in the deal's currency: the deal starts without a line.
        deal = deal_services.create_deal(actor=actor, data=data)
    record_exposure(offer=offer, kind=ExposureKind.MADE)
    return deal


@transaction.atomic
def decline_offer(*, actor: User, contact: Contact, rule_id: Any) -> Offer:
    """The contact is not interested: the offer is not made to them again for ``DECLINE_DAYS``."""
    offer = _current(actor, contact, rule_id)
    exposure = record_exposure(offer=offer, kind=ExposureKind.DECLINED)
    before = changes.snapshot(exposure)
    exposure.declined_at = timezone.now()
    exposure.declined_by = actor
    exposure.save(update_fields=["declined_at", "declined_by"])
    changes.record_update(actor=actor, obj=exposure, before=before)
    return offer


def parse_conditions(text: str) -> Any:
    """The conditions typed as JSON in the rule form, or a ValidationError on ``conditions``."""
    if not text.strip():
        return {"match": "all", "rules": []}
    try:
        return json.loads(text)
    except ValueError:
        raise ValidationError({"conditions": [_("Enter the conditions as JSON.")]}) from None
