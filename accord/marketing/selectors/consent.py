"""Who may be sent marketing: consent granted and an address that is present and not suppressed."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from accord.marketing.models import Consent, ConsentChannel, ConsentState, Suppression
from accord.people.models import Address

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
