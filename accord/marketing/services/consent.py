"""Consent and the suppression list: the writes, and ``may_send``, the last gate before marketing
goes out.

What a suppression blocks, and why it is kept apart from consent: consent belongs to a contact, a
suppression to an address. An address that bounced, whose owner reported spam, or that an admin
barred receives no marketing on that channel at all (``purpose`` empty), whatever the consents of
the contacts carrying it. A one-click unsubscribe withdraws the consent for that channel and purpose
*and* suppresses the address for that purpose only, so a duplicate contact or a re-import with an
old consent cannot bring the mail back; the person's other purposes stay as they were. Giving the
consent for that purpose again, with proof, lifts the "unsubscribed" suppression of the address for
that purpose (and only that reason: bounces, complaints and manual entries stay until removed by hand).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accord.core import changes
from accord.core.events import emit
from accord.marketing.events import AddressSuppressed, AddressUnsuppressed
from accord.marketing.models import (
    Consent,
    ConsentChannel,
    ConsentPurpose,
    ConsentState,
    Suppression,
    SuppressionReason,
)

if TYPE_CHECKING:
    from accord.identity.models import User
    from accord.people.models import Contact


def normalize_address(*, channel: str, address: str) -> str:
    """An address as the suppression list keeps it: e-mails in lower case, phones in E.164.
    Raises ``ValidationError`` (naming ``address``) when it is none."""
    from accord.people.validators import normalize_phone

    raw = (address or "").strip()
    if channel == ConsentChannel.EMAIL:
        if "@" not in raw or " " in raw:
            raise ValidationError({"address": [_("Enter a valid e-mail address.")]})
        return raw.lower()
    if channel in (ConsentChannel.SMS, ConsentChannel.PHONE):
        try:
            return normalize_phone(raw)
        except ValidationError as exc:
            raise ValidationError({"address": exc.messages}) from exc
    raise ValidationError({"channel": [_("Only e-mail addresses and phone numbers can be suppressed.")]})


def is_suppressed(*, channel: str, address: str, purpose: str) -> bool:
    """Whether marketing for ``purpose`` may not go to ``address`` on ``channel``."""
    try:
        normalized = normalize_address(channel=channel, address=address)
    except ValidationError:
        return channel in (ConsentChannel.EMAIL, ConsentChannel.SMS, ConsentChannel.PHONE)
    return Suppression.objects.filter(channel=channel, address=normalized, purpose__in=("", purpose)).exists()


def may_send(*, contact: Contact, channel: str, purpose: str, address: str) -> bool:
    """The last gate before a marketing message goes out: the contact granted this channel and
    purpose (a pending double opt-in is not granted) and ``address`` is not suppressed for it.
    An address that is not one (an e-mail without @) never passes."""
    if channel not in ConsentChannel.values or purpose not in ConsentPurpose.values:
        return False
    granted = Consent.objects.filter(
        contact_id=contact.pk, channel=channel, purpose=purpose, state=ConsentState.GRANTED
    ).exists()
    if not granted:
        return False
    if channel == ConsentChannel.LETTER:
        return True
    return not is_suppressed(channel=channel, address=address, purpose=purpose)


@transaction.atomic
def suppress(
    *,
    channel: str,
    address: str,
    reason: str,
    source: str = "",
    purpose: str = "",
    actor: User | None = None,
) -> Suppression:
    """Put ``address`` on the suppression list for ``channel`` (every purpose unless ``purpose``).
    Idempotent: an address already there keeps its first reason and row."""
    if channel not in ConsentChannel.values:
        raise ValidationError({"channel": [_("Choose a channel.")]})
    if reason not in SuppressionReason.values:
        raise ValidationError({"reason": [_("Choose a reason.")]})
    if purpose and purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": [_("Choose a purpose.")]})
    normalized = normalize_address(channel=channel, address=address)
    existing = Suppression.objects.filter(channel=channel, address=normalized, purpose=purpose).first()
    if existing is not None:
        return existing
    row = Suppression.objects.create(
        channel=channel,
        address=normalized,
        purpose=purpose,
        reason=reason,
        source=(source or "")[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    changes.record_create(actor=actor, obj=row)
    emit(
        AddressSuppressed(channel=channel, address=normalized, purpose=purpose, reason=reason),
        obj=row,
        actor=actor,
    )
    return row


@transaction.atomic
def unsuppress(*, suppression: Suppression, actor: User | None) -> None:
    """Take an address off the suppression list (an admin or marketer, by hand)."""
    before = changes.snapshot(suppression)
    payload = AddressUnsuppressed(
        channel=suppression.channel,
        address=suppression.address,
        purpose=suppression.purpose,
        reason=suppression.reason,
    )
    emit(payload, obj=suppression, actor=actor)
    changes.record_delete(actor=actor, obj=suppression, before=before)
    suppression.delete()
