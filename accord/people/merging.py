"""Merging duplicate contacts (or companies) into one survivor.

Everything that referred to a duplicate — e-mails, phones, addresses, company links, tags,
interactions, tasks, and whatever later modules add — moves to the survivor, and so does the
duplicates' audit history. Blank fields of the survivor are filled from the duplicates; nothing the
survivor already says is overwritten. The duplicates are then deleted, recorded as merged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.core import access, changes, merging
from accord.core.access import Action
from accord.core.errors import check_version
from accord.people import services
from accord.people.models import Address, Company, Contact, EmailAddress, PartyModel, PhoneNumber

if TYPE_CHECKING:
    from accord.identity.models import User

CONTACT_FILL = (
    "first_name",
    "last_name",
    "birthday",
    "preferred_language",
    "preferred_channel",
    "classification",
    "notes",
)
COMPANY_FILL = ("vat_id", "nip", "regon", "industry", "size", "website", "country", "preferred_language", "notes")


def _renumber_and_dedupe(model: type[Any], party: dict[str, Any], key: str) -> None:
    """Keep the first of each address/number and number them again from 0."""
    seen: set[str] = set()
    for row in model.objects.filter(**party).order_by("position", "id"):
        value = str(getattr(row, key)).lower()
        if value in seen:
            row.delete()
            continue
        position = len(seen)
        seen.add(value)
        if row.position != position:
            model.objects.filter(pk=row.pk).update(position=position)


def _fill_blanks(survivor: PartyModel, others: Sequence[PartyModel], fields: Sequence[str]) -> None:
    for name in fields:
        if getattr(survivor, name) in ("", None):
            for other in others:
                value = getattr(other, name)
                if value not in ("", None):
                    setattr(survivor, name, value)
                    break
    for other in others:
        for key, value in other.custom.items():
            survivor.custom.setdefault(key, value)


def _lock(model: type[Any], survivor: Any, others: Sequence[Any]) -> tuple[Any, list[Any]]:
    ids = [survivor.pk, *[o.pk for o in others]]
    locked = {obj.pk: obj for obj in model.objects.select_for_update().filter(pk__in=ids)}
    if survivor.pk not in locked or any(o.pk not in locked for o in others):
        raise ValidationError({"duplicates": [_("One of the records no longer exists.")]})
    return locked[survivor.pk], [locked[o.pk] for o in others]


def _check(actor: User | None, survivor: Any, others: Sequence[Any]) -> None:
    if actor is not None:
        access.require(actor, Action.CHANGE, survivor)
        for other in others:
            access.require(actor, Action.DELETE, other)
    if not others:
        raise ValidationError({"duplicates": [_("Choose at least one record to merge into this one.")]})
    if any(o.pk == survivor.pk for o in others):
        raise ValidationError({"duplicates": [_("A record cannot be merged into itself.")]})


def _merge(
    actor: User | None, model: type[Any], survivor: Any, duplicates: Sequence[Any], expected_version: int | None
) -> Any:
    survivor, others = _lock(model, survivor, duplicates)
    _check(actor, survivor, others)
    check_version(survivor, expected_version)
    before = changes.snapshot(survivor)
    _fill_blanks(survivor, others, CONTACT_FILL if model is Contact else COMPANY_FILL)
    last = max((o.last_interaction_at for o in [survivor, *others] if o.last_interaction_at), default=None)
    moved = merging.reassign_references(model, survivor, others)
    moved["history"] = merging.move_history(model, survivor, others)
    party = {"contact" if model is Contact else "company": survivor}
    _renumber_and_dedupe(EmailAddress, party, "email")
    _renumber_and_dedupe(PhoneNumber, party, "number")
    _renumber_and_dedupe(Address, party, "id")
    changes.record_merge(actor=actor, survivor=survivor, merged=others, moved=moved)
    model.objects.filter(pk__in=[o.pk for o in others]).delete()
    survivor.last_interaction_at = last
    first_email = survivor.emails.order_by("position").first()
    first_phone = survivor.phones.order_by("position").first()
    survivor.primary_email = first_email.email if first_email else ""
    survivor.primary_phone = first_phone.number if first_phone else ""
    survivor.version += 1
    return survivor, before


@transaction.atomic
def merge_contacts(
    *, actor: User | None, survivor: Contact, duplicates: Sequence[Contact], expected_version: int | None = None
) -> Contact:
    contact, before = _merge(actor, Contact, survivor, duplicates, expected_version)
    if not contact.company_links.filter(is_primary=True).exists():
        contact.company_links.filter(pk__in=contact.company_links.order_by("id").values("pk")[:1]).update(
            is_primary=True
        )
    contact.search_text = services.contact_search_text(contact)
    contact.save()
    changes.record_update(actor=actor, obj=contact, before=before)
    return contact


@transaction.atomic
def merge_companies(
    *, actor: User | None, survivor: Company, duplicates: Sequence[Company], expected_version: int | None = None
) -> Company:
    company, before = _merge(actor, Company, survivor, duplicates, expected_version)
    company.search_text = services.company_search_text(company)
    company.save()
    services.refresh_contacts_of(company)
    changes.record_update(actor=actor, obj=company, before=before)
    return company
