"""What billing's services share: the customer block, locking with the access check, currencies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.utils.translation import gettext as _

from accord.core import access
from accord.core.access import Action
from accord.core.errors import check_version
from accord.people.models import Company, Contact

if TYPE_CHECKING:
    from accord.identity.models import User

M = TypeVar("M", bound=models.Model)


def lock(actor: User | None, model: type[M], pk: Any, expected_version: int | None) -> M:
    """The row locked for the write, after the access check (404 out of sight, 403 read-only) and
    the version check (409 when stale)."""
    locked = model._default_manager.select_for_update().get(pk=pk)
    if actor is not None:
        access.require(actor, Action.CHANGE, locked)
    check_version(locked, expected_version)
    return locked


def check_parties(
    actor: User | None, company: Any, contact: Any, errors: dict[str, list[str]], *, required: bool = True
) -> None:
    """A billing record is the customer's: a company or a contact the actor may see."""
    if company is not None and (not isinstance(company, Company) or (actor and not access.can_view(actor, company))):
        errors["company"] = [_("Choose a company you can see.")]
    if contact is not None and (not isinstance(contact, Contact) or (actor and not access.can_view(actor, contact))):
        errors["contact"] = [_("Choose a contact you can see.")]
    if required and company is None and contact is None and "company" not in errors:
        errors["company"] = [_("Choose the customer: a company or a contact.")]


def customer_block(company: Company | None, contact: Contact | None) -> dict[str, str]:
    """Name, address, country and tax id of the customer as a document prints them."""
    if company is not None:
        # The first address by position, prefetched or read.
        return block_of(company.name, company.nip or company.vat_id, next(iter(company.addresses.all()), None))
    if contact is not None:
        return block_of(str(contact), "", next(iter(contact.addresses.all()), None))
    return block_of("", "", None)


def block_of(name: str, tax_id: str, address: Any) -> dict[str, str]:
    """The customer block of ``name`` at ``address`` (an ``Address``, or anything with its
    street, postal code, city and country; None when there is none), for callers that read
    the customers of many documents at once."""
    lines: list[str] = []
    country = ""
    if address is not None:
        lines.extend(p for p in (address.street, f"{address.postal_code} {address.city}".strip()) if p)
        country = (address.country or "").strip().upper()[:2]
    return {
        "name": name[:200],
        "address": "\n".join(lines),
        "country": country if len(country) == 2 and country.isalpha() else "",
        "tax_id": tax_id[:30],
    }


def clean_currency(value: Any, errors: dict[str, list[str]]) -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        errors["currency"] = [_("Enter a three-letter currency code (PLN, EUR).")]
    return code


def text(data: Mapping[str, Any], name: str, errors: dict[str, list[str]], limit: int | None = None) -> str:
    value = str(data.get(name) or "").strip()
    if limit is not None and len(value) > limit:
        errors[name] = [_("The text is too long (at most %(limit)s characters).") % {"limit": limit}]
    return value
