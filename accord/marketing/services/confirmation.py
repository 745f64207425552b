"""Double opt-in for e-mail consent: the consent waits (``pending``) until the person follows the
signed, expiring link mailed to them through the outbox; nothing marketing goes out meanwhile.

The link's key names the consent and the version it was asked at, so it stops working once the
consent changed again (withdrawn, asked anew). Opening the link shows a page with a button: a mail
scanner that fetches every link confirms nothing.
"""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accord.marketing.models import Consent, ConsentAction, ConsentChannel, ConsentMethod, ConsentPurpose, ConsentState
from accord.marketing.services.consent import (
    BadLink,
    Proof,
    _authorize,
    _check_choice,
    _check_proof,
    _lift_unsubscribe,
    _write,
    absolute_url,
)

if TYPE_CHECKING:
    from accord.identity.models import User
    from accord.people.models import Contact

CONFIRM_SALT = "accord.marketing.consent.confirm"


def confirmation_token(consent: Consent) -> str:
    """The signed key of the confirmation link: the consent and the version it was asked at, so a
    link stops working once the consent changed again (withdrawn, asked anew)."""
    return signing.dumps({"c": str(consent.pk), "v": consent.version}, salt=CONFIRM_SALT)


@transaction.atomic
def request_confirmation(
    *,
    actor: User | None,
    contact: Contact,
    purpose: str,
    proof: Proof,
    channel: str = ConsentChannel.EMAIL,
) -> Consent:
    """E-mail consent given online: the consent waits (``pending``, nothing marketing goes out)
    until the person follows the signed link mailed to the contact's address, which works
    ``ACCORD_CONSENT_CONFIRM_DAYS`` days. A consent already granted stays as it is."""
    _check_choice(channel, purpose)
    if channel != ConsentChannel.EMAIL:
        raise ValidationError({"channel": [_("Only e-mail consent is confirmed by e-mail.")]})
    proof = _check_proof(proof, giving=True)
    _authorize(actor, contact)
    if not contact.primary_email:
        raise ValidationError({"channel": [_("The contact has no e-mail address to confirm.")]})
    current = Consent.objects.filter(contact=contact, channel=channel, purpose=purpose).first()
    if current is not None and current.state == ConsentState.GRANTED:
        return current
    consent = _write(
        actor=actor,
        contact=contact,
        channel=channel,
        purpose=purpose,
        state=ConsentState.PENDING,
        action=ConsentAction.REQUESTED,
        proof=proof,
        version=None,
    )
    _queue_confirmation(actor=actor, contact=contact, consent=consent)
    return consent


def _queue_confirmation(*, actor: User | None, contact: Contact, consent: Consent) -> None:
    from accord.messaging.services import queue_message
    from accord.people.selectors import customer_language

    language = customer_language(contact=contact)
    link = absolute_url(reverse("marketing:confirm", args=[confirmation_token(consent)]))
    days = settings.ACCORD_CONSENT_CONFIRM_DAYS
    with translation.override(language):
        purpose = ConsentPurpose(consent.purpose).label
        subject = _("Please confirm your subscription: %(purpose)s") % {"purpose": purpose}
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": contact.full_name},
                _("you asked to receive %(purpose)s by e-mail. You agreed to this text:")
                % {"purpose": str(purpose).lower()},
                consent.text,
                _("To confirm, open this link (it works for %(days)s days):") % {"days": days},
                link,
                _("If it was not you, ignore this e-mail: you will receive nothing."),
            ]
        )
    queue_message(
        actor=actor,
        channel="email",
        to=contact.primary_email,
        subject=subject,
        body=body,
        idempotency_key=f"consent-confirm:{consent.pk}:{consent.version}",
        kind="consent_confirmation",
        language=language,
        contact=contact,
        related=consent,
    )


def read_confirmation(token: str) -> Consent:
    """The pending consent a confirmation link is for; ``BadLink`` when the link is forged,
    expired or no longer matches the consent."""
    max_age = datetime.timedelta(days=settings.ACCORD_CONSENT_CONFIRM_DAYS)
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise BadLink(_("This confirmation link has expired. Please subscribe again.")) from None
    except signing.BadSignature:
        raise BadLink(_("This confirmation link is not valid.")) from None
    try:
        consent_id = uuid.UUID(str(data["c"]))
    except (TypeError, KeyError, ValueError):
        raise BadLink(_("This confirmation link is not valid.")) from None
    consent = Consent.objects.select_related("contact").filter(pk=consent_id).first()
    if consent is None or consent.version != data.get("v") or consent.state != ConsentState.PENDING:
        if consent is not None and consent.state == ConsentState.GRANTED:
            return consent
        raise BadLink(_("This confirmation link is no longer valid."))
    return consent


@transaction.atomic
def confirm(*, token: str, ip_address: str | None = None) -> Consent:
    """The person followed the confirmation link: the pending consent is granted, with the text
    they were shown when they asked. Following it twice changes nothing the second time."""
    consent = read_confirmation(token)
    if consent.state == ConsentState.GRANTED:
        return consent
    proof = _check_proof(
        Proof(method=ConsentMethod.DOUBLE_OPT_IN, text=consent.text, source=consent.source, ip_address=ip_address),
        giving=False,
    )
    confirmed = _write(
        actor=None,
        contact=consent.contact,
        channel=consent.channel,
        purpose=consent.purpose,
        state=ConsentState.GRANTED,
        action=ConsentAction.CONFIRMED,
        proof=proof,
        version=consent.version,
        recorded_by=consent.recorded_by,
    )
    _lift_unsubscribe(actor=None, contact=consent.contact, channel=consent.channel, purpose=consent.purpose)
    return confirmed
