"""One-click unsubscribe (RFC 8058): the signed link in every marketing message and what
following it does.

The token is signed with the site's secret under its own salt and names the contact, channel,
purpose and (optionally) the campaign or message it was sent in: changing any of them breaks the
signature, so one recipient's link cannot unsubscribe another, or another purpose. It does not
expire: RFC 8058 expects the link to keep working as long as mail bearing it may be read.

Following it (the POST a mail client sends by itself, ``List-Unsubscribe=One-Click``, or the
button on the page) withdraws the contact's consent for that channel and purpose and puts the
address on the suppression list for that purpose, reason "unsubscribed": the address gets no more
of that purpose from any contact carrying it, while the person's other purposes stay as they are
(see services/consent.py for what a suppression blocks).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accord.marketing.models import Consent, ConsentChannel, ConsentMethod, ConsentPurpose, SuppressionReason
from accord.marketing.services.consent import BadLink, Proof, _address, absolute_url, suppress, withdraw

if TYPE_CHECKING:
    from accord.people.models import Contact

UNSUBSCRIBE_SALT = "accord.marketing.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeLink:
    """What an unsubscribe token says, checked."""

    contact: Contact
    channel: str
    purpose: str
    ref: str


def unsubscribe_token(*, contact: Contact, channel: str, purpose: str, ref: str = "") -> str:
    return signing.dumps(
        {"c": str(contact.pk), "ch": channel, "p": purpose, "r": ref}, salt=UNSUBSCRIBE_SALT, compress=True
    )


def unsubscribe_url(*, contact: Contact, channel: str, purpose: str, ref: str = "") -> str:
    token = unsubscribe_token(contact=contact, channel=channel, purpose=purpose, ref=ref)
    return absolute_url(reverse("marketing:unsubscribe", args=[token]))


def unsubscribe_headers(*, contact: Contact, channel: str, purpose: str, ref: str = "") -> dict[str, str]:
    """The two headers of RFC 8058 for a marketing e-mail to ``contact`` (``ref``: the campaign or
    message it belongs to), to pass to ``queue_message(headers=...)``."""
    url = unsubscribe_url(contact=contact, channel=channel, purpose=purpose, ref=ref)
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def read_unsubscribe(token: str) -> UnsubscribeLink:
    """The contact, channel and purpose a token names; ``BadLink`` for a forged or damaged one,
    or one whose contact is gone."""
    from accord.people.models import Contact

    invalid = _("This unsubscribe link is not valid.")
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise BadLink(invalid) from None
    if not isinstance(data, dict):
        raise BadLink(invalid)
    channel, purpose, ref = data.get("ch"), data.get("p"), data.get("r", "")
    if channel not in ConsentChannel.values or purpose not in ConsentPurpose.values or not isinstance(ref, str):
        raise BadLink(invalid)
    try:
        contact_id = uuid.UUID(str(data.get("c")))
    except ValueError:
        raise BadLink(invalid) from None
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise BadLink(_("This unsubscribe link is no longer valid."))
    return UnsubscribeLink(contact=contact, channel=channel, purpose=purpose, ref=ref)


@transaction.atomic
def unsubscribe(*, token: str, ip_address: str | None = None) -> Consent:
    """Follow an unsubscribe link: the consent is withdrawn and the address suppressed for the
    purpose. Done twice, the second time only adds another withdrawal to the history."""
    link = read_unsubscribe(token)
    source = _("Unsubscribe link") + (f" ({link.ref})" if link.ref else "")
    consent = withdraw(
        actor=None,
        contact=link.contact,
        channel=link.channel,
        purpose=link.purpose,
        proof=Proof(method=ConsentMethod.UNSUBSCRIBE, source=source[:200], ip_address=ip_address),
    )
    address = _address(link.contact, link.channel)
    if address:
        suppress(
            channel=link.channel,
            address=address,
            purpose=link.purpose,
            reason=SuppressionReason.UNSUBSCRIBED,
            source=source,
        )
    return consent
