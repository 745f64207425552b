"""Who may be sent marketing: consent granted and an address that is present and not suppressed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from accord.core import access
from accord.marketing.models import (
    Consent,
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentState,
    Suppression,
    SuppressionReason,
)
from accord.people.models import Address, Contact

# The contact's column holding its address on each channel. A letter goes to a postal address,
# which the suppression list does not hold: only consent and an address are asked of it.
ADDRESS_FIELD = {
    ConsentChannel.EMAIL: "primary_email",
    ConsentChannel.SMS: "primary_phone",
    ConsentChannel.PHONE: "primary_phone",
}


def reachable_q(*, channel: str, purpose: str, prefix: str = "") -> Q:
    """A filter on ``people.Contact`` (or, with ``prefix="contact__"``, on a model pointing at one)
    for the contacts that may receive marketing for ``purpose`` on ``channel`` now.

    Two EXISTS subqueries, each an index lookup per contact or a semi-join PostgreSQL can drive from
    the small side: the granted consents (partial index ``consent_granted_idx``, or the unique
    (contact, channel, purpose) one) and the suppressed addresses (unique (channel, address,
    purpose)). No join multiplies rows, so the filter composes with counts and pagination.
    """
    channel = ConsentChannel(channel)
    granted = Consent.objects.filter(
        contact_id=OuterRef(f"{prefix}pk" if not prefix else f"{prefix}id"),
        channel=channel,
        purpose=purpose,
        state=ConsentState.GRANTED,
    )
    q = Q(Exists(granted))
    field = ADDRESS_FIELD.get(channel)
    if field is None:
        return q & Q(Exists(_postal_addresses(prefix)))
    suppressed = Suppression.objects.filter(
        channel=channel, address=OuterRef(f"{prefix}{field}"), purpose__in=("", purpose)
    )
    return q & ~Q(**{f"{prefix}{field}": ""}) & ~Q(Exists(suppressed))


def _postal_addresses(prefix: str) -> QuerySet[Address]:
    return Address.objects.filter(contact_id=OuterRef(f"{prefix}pk" if not prefix else f"{prefix}id")).exclude(
        street="", city=""
    )


# --- screens and API ----------------------------------------------------------------------------------

HISTORY_SHOWN = 20


@dataclass(frozen=True)
class ConsentCell:
    """One channel and purpose of a contact: its consent, or None when none was ever recorded."""

    channel: str
    purpose: str
    consent: Consent | None

    @property
    def state(self) -> str:
        return self.consent.state if self.consent is not None else ""

    @property
    def channel_label(self) -> str:
        return str(ConsentChannel(self.channel).label)

    @property
    def purpose_label(self) -> str:
        return str(ConsentPurpose(self.purpose).label)


def visible_contact(user: Any, pk: Any) -> Contact:
    """The contact whose consent ``user`` asks for: Http404 when they cannot see it."""
    return access.get_visible(user, Contact.objects.all(), pk=pk)


def consent_grid(contact: Contact) -> list[ConsentCell]:
    """Every channel and purpose of ``contact``, in the order of the choices (one query)."""
    found = {(c.channel, c.purpose): c for c in Consent.objects.filter(contact=contact).select_related("recorded_by")}
    return [
        ConsentCell(channel=ch, purpose=p, consent=found.get((ch, p)))
        for ch in ConsentChannel.values
        for p in ConsentPurpose.values
    ]


def consents_of(contact: Contact) -> list[Consent]:
    """The consents recorded for ``contact`` (those never recorded are absent)."""
    return list(Consent.objects.filter(contact=contact).select_related("recorded_by"))


def consent_of(contact: Contact, *, channel: str, purpose: str) -> Consent | None:
    return Consent.objects.filter(contact=contact, channel=channel, purpose=purpose).first()


def history(contact: Contact, *, limit: int | None = HISTORY_SHOWN) -> list[ConsentEvent]:
    """The contact's consent events, newest first."""
    events = ConsentEvent.objects.filter(contact=contact).select_related("recorded_by").order_by("-at", "-id")
    return list(events[:limit] if limit else events)


def suppressions(user: Any, *, search: str = "", channel: str = "", reason: str = "") -> QuerySet[Suppression]:
    """The suppression list as an admin or marketer sees it (nobody else sees it: empty), newest
    first; ``search`` finds addresses starting with it (lower case; a phone's digits)."""
    from accord.marketing.services.consent import can_manage_suppressions

    if not can_manage_suppressions(user):
        return Suppression.objects.none()
    rows = Suppression.objects.select_related("created_by").order_by("-created_at", "-id")
    if channel in ConsentChannel.values:
        rows = rows.filter(channel=channel)
    if reason in SuppressionReason.values:
        rows = rows.filter(reason=reason)
    term = search.strip().lower()
    if term:
        rows = rows.filter(address__contains=term)
    return rows


def suppression(user: Any, pk: Any) -> Suppression:
    """One row of the suppression list; Http404 for someone who may not keep the list."""
    return access.get_visible(user, suppressions(user), pk=pk)
