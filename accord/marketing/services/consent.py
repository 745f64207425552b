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

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core import access, changes
from accord.core.access import Action
from accord.core.errors import Conflict, check_version
from accord.core.events import emit
from accord.marketing.events import AddressSuppressed, AddressUnsuppressed, ConsentChanged
from accord.marketing.models import (
    Consent,
    ConsentAction,
    ConsentChannel,
    ConsentEvent,
    ConsentMethod,
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
        return bool((address or "").strip())  # a postal address; the suppression list holds none
    return not is_suppressed(channel=channel, address=address, purpose=purpose)


def may_send_many(*, channel: str, purpose: str, recipients: Sequence[tuple[Any, str]]) -> set[Any]:
    """``may_send`` for a batch of ``(contact key, address)`` pairs in two queries (a campaign's
    send loop): the keys of the contacts that may be sent to. Pass at most a few thousand at once."""
    if channel not in ConsentChannel.values or purpose not in ConsentPurpose.values or not recipients:
        return set()
    granted = set(
        Consent.objects.filter(
            contact_id__in=[pk for pk, _address in recipients],
            channel=channel,
            purpose=purpose,
            state=ConsentState.GRANTED,
        ).values_list("contact_id", flat=True)
    )
    if channel == ConsentChannel.LETTER:
        return {pk for pk, address in recipients if pk in granted and (address or "").strip()}
    normalized: dict[Any, str] = {}
    for pk, address in recipients:
        if pk in granted:
            try:
                normalized[pk] = normalize_address(channel=channel, address=address)
            except ValidationError:
                continue  # not an address: never sent to
    blocked = set(
        Suppression.objects.filter(
            channel=channel, address__in=set(normalized.values()), purpose__in=("", purpose)
        ).values_list("address", flat=True)
    )
    return {pk for pk, address in normalized.items() if address not in blocked}


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
    Idempotent: an address already there keeps its first reason and row. With an ``actor`` (a
    person adding it by hand) they must be an admin or marketer; without, it is the system's
    (a bounce, a complaint, an unsubscribe link)."""
    require_suppression_manager(actor)
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
    try:
        with transaction.atomic():
            row = Suppression.objects.create(
                channel=channel,
                address=normalized,
                purpose=purpose,
                reason=reason,
                source=(source or "")[:200],
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        # Listed at the same moment (a bounce and a complaint together): that row stands.
        return Suppression.objects.get(channel=channel, address=normalized, purpose=purpose)
    changes.record_create(actor=actor, obj=row)
    emit(
        AddressSuppressed(channel=channel, address=normalized, purpose=purpose, reason=reason),
        obj=row,
        actor=actor,
    )
    return row


@transaction.atomic
def unsuppress(*, suppression: Suppression, actor: User | None, version: int | None = None) -> None:
    """Take an address off the suppression list (an admin or marketer, by hand)."""
    require_suppression_manager(actor)
    locked = Suppression.objects.select_for_update().filter(pk=suppression.pk).first()
    if locked is None:
        return  # removed meanwhile: the outcome asked for
    check_version(locked, version)
    _delete_suppression(suppression=locked, actor=actor)


def _delete_suppression(*, suppression: Suppression, actor: User | None) -> None:
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


def can_manage_suppressions(user: Any) -> bool:
    """Admins and marketers keep the suppression list."""
    if access.is_admin(user):
        return True
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    return bool(role is not None and user.is_active and role.code == "marketer")


def require_suppression_manager(user: Any) -> None:
    if user is not None and not can_manage_suppressions(user):
        raise access.AccessDenied()


# --- consent ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proof:
    """How a consent was given or withdrawn, as the person making the change states it."""

    method: str
    text: str = ""
    source: str = ""
    ip_address: str | None = None


# Methods a person at Accord records by hand, or a system by its own means; each needs the text shown.
_NEEDS_TEXT = frozenset(
    {ConsentMethod.FORM, ConsentMethod.PHONE, ConsentMethod.PAPER, ConsentMethod.PORTAL, ConsentMethod.API}
)


def _check_choice(channel: str, purpose: str) -> None:
    errors: dict[str, list[str]] = {}
    if channel not in ConsentChannel.values:
        errors["channel"] = [_("Choose a channel.")]
    if purpose not in ConsentPurpose.values:
        errors["purpose"] = [_("Choose a purpose.")]
    if errors:
        raise ValidationError(errors)


def _check_proof(proof: Proof, *, giving: bool) -> Proof:
    errors: dict[str, list[str]] = {}
    if proof.method not in ConsentMethod.values:
        errors["method"] = [_("Choose how the consent was given.")]
    text = (proof.text or "").strip()
    source = (proof.source or "").strip()[:200]
    if giving and proof.method in _NEEDS_TEXT and not text:
        errors["text"] = [_("Enter the exact text the person agreed to.")]
    if giving and proof.method == ConsentMethod.IMPORT and not source:
        errors["source"] = [_("Name the file or system the consent was imported from.")]
    ip = (proof.ip_address or "").strip() or None
    if ip is not None:
        from django.core.validators import validate_ipv46_address

        try:
            validate_ipv46_address(ip)
        except ValidationError:
            errors["ip_address"] = [_("Enter a valid IP address.")]
    if errors:
        raise ValidationError(errors)
    return Proof(method=proof.method, text=text, source=source, ip_address=ip)


def _address(contact: Contact, channel: str) -> str:
    from accord.marketing.selectors.consent import ADDRESS_FIELD

    field = ADDRESS_FIELD.get(ConsentChannel(channel))
    return str(getattr(contact, field)) if field else ""


def _authorize(actor: User | None, contact: Contact) -> None:
    """Consent is part of the contact: those who may edit the contact may change it. Without an
    actor the change is the person's own (a confirmation or unsubscribe link) or the system's."""
    if actor is not None:
        access.require(actor, Action.CHANGE, contact)


def _locked(contact: Contact, channel: str, purpose: str) -> tuple[Consent, bool]:
    """The consent row, locked for the change; a new unsaved one if there is none yet."""
    found = Consent.objects.select_for_update().filter(contact=contact, channel=channel, purpose=purpose).first()
    if found is not None:
        return found, False
    return Consent(contact=contact, channel=channel, purpose=purpose), True


def _write(
    *,
    actor: User | None,
    contact: Contact,
    channel: str,
    purpose: str,
    state: str,
    action: str,
    proof: Proof,
    version: int | None,
    at: datetime.datetime | None = None,
    recorded_by: User | None = None,
) -> Consent:
    """Change the consent to ``state`` with ``proof``: the row, its history event, the audit entry
    and the event, in the caller's transaction."""
    consent, new = _locked(contact, channel, purpose)
    if not new:
        check_version(consent, version)
    before = None if new else changes.snapshot(consent)
    now = at or timezone.now()
    consent.state = state
    consent.method, consent.text, consent.source = proof.method, proof.text, proof.source
    consent.ip_address = proof.ip_address
    consent.recorded_by = recorded_by if recorded_by is not None else (actor if getattr(actor, "pk", None) else None)
    if state in (ConsentState.GRANTED, ConsentState.PENDING):
        consent.given_at, consent.withdrawn_at = now, None
    else:
        consent.withdrawn_at = now
    if new:
        try:
            with transaction.atomic():
                consent.save()
        except IntegrityError:
            # Recorded at the same moment by someone else (the unique contact, channel, purpose).
            raise Conflict(current_version=1) from None
        changes.record_create(actor=actor, obj=consent)
    else:
        consent.version += 1
        consent.save()
        assert before is not None
        changes.record_update(actor=actor, obj=consent, before=before)
    ConsentEvent.objects.create(
        consent=consent,
        contact=contact,
        channel=channel,
        purpose=purpose,
        action=action,
        state=state,
        at=now,
        address=_address(contact, channel),
        method=proof.method,
        text=proof.text,
        source=proof.source,
        ip_address=proof.ip_address,
        recorded_by=consent.recorded_by,
    )
    emit(
        ConsentChanged(
            contact_id=contact.pk, channel=channel, purpose=purpose, action=action, state=state, method=proof.method
        ),
        obj=consent,
        actor=actor,
    )
    return consent


def _lift_unsubscribe(*, actor: User | None, contact: Contact, channel: str, purpose: str) -> None:
    """A consent given again, with proof, outweighs the person's earlier unsubscribe from this
    purpose at this address: that suppression goes. Bounces, complaints and manual entries stay."""
    address = _address(contact, channel)
    if not address:
        return
    for row in Suppression.objects.filter(
        channel=channel, address=address, purpose=purpose, reason=SuppressionReason.UNSUBSCRIBED
    ):
        _delete_suppression(suppression=row, actor=actor)


@transaction.atomic
def give(
    *,
    actor: User | None,
    contact: Contact,
    channel: str,
    purpose: str,
    proof: Proof,
    version: int | None = None,
    at: datetime.datetime | None = None,
) -> Consent:
    """Record that the contact gave consent for ``channel`` and ``purpose``, with ``proof``
    (the text they agreed to, how and where). Granted at once: for e-mail given online, where
    the address is not known to be theirs, ask with ``request_confirmation`` instead."""
    _check_choice(channel, purpose)
    proof = _check_proof(proof, giving=True)
    _authorize(actor, contact)
    consent = _write(
        actor=actor,
        contact=contact,
        channel=channel,
        purpose=purpose,
        state=ConsentState.GRANTED,
        action=ConsentAction.GRANTED,
        proof=proof,
        version=version,
        at=at,
    )
    _lift_unsubscribe(actor=actor, contact=contact, channel=channel, purpose=purpose)
    return consent


@transaction.atomic
def withdraw(
    *,
    actor: User | None,
    contact: Contact,
    channel: str,
    purpose: str,
    proof: Proof,
    version: int | None = None,
) -> Consent:
    """Record that the contact withdrew consent (or refused it: a contact with no consent yet gets
    a withdrawn one, so the refusal is on record). Takes no more than giving did (Art. 7(3)):
    no text is required."""
    _check_choice(channel, purpose)
    proof = _check_proof(proof, giving=False)
    _authorize(actor, contact)
    return _write(
        actor=actor,
        contact=contact,
        channel=channel,
        purpose=purpose,
        state=ConsentState.WITHDRAWN,
        action=ConsentAction.WITHDRAWN,
        proof=proof,
        version=version,
    )


@dataclass(frozen=True)
class ImportedConsent:
    channel: str
    purpose: str
    granted: bool


@transaction.atomic
def record_import(
    *,
    actor: User | None,
    contact: Contact,
    answers: list[ImportedConsent],
    source: str,
    text: str = "",
    at: datetime.datetime | None = None,
) -> list[Consent]:
    """Consents read from an import file (method "import", ``source`` the file). A "yes" does not
    overturn a withdrawal already on record: the file is older evidence than the person's own
    word, so the withdrawal stays (and is returned unchanged). A "no" withdraws."""
    done = []
    for answer in answers:
        proof = Proof(method=ConsentMethod.IMPORT, text=text, source=source)
        if answer.granted:
            current = Consent.objects.filter(contact=contact, channel=answer.channel, purpose=answer.purpose).first()
            if current is not None and current.state == ConsentState.WITHDRAWN:
                done.append(current)
                continue
            if current is not None and current.state == ConsentState.GRANTED:
                done.append(current)  # already given, with its own (older, first-hand) proof
                continue
            done.append(
                give(
                    actor=actor,
                    contact=contact,
                    channel=answer.channel,
                    purpose=answer.purpose,
                    proof=proof,
                    at=at,
                )
            )
        else:
            done.append(
                withdraw(actor=actor, contact=contact, channel=answer.channel, purpose=answer.purpose, proof=proof)
            )
    return done


# --- links in e-mails ------------------------------------------------------------------------------


class BadLink(Exception):
    """A confirmation or unsubscribe link that is forged, damaged, expired or used up."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def absolute_url(path: str) -> str:
    """``path`` on the address people reach Accord at from outside (links in e-mails)."""
    return f"{settings.ACCORD_BASE_URL}{path}"


# --- merged contacts ----------------------------------------------------------------------------------


@transaction.atomic
def reconcile_after_merge(*, contact: Contact) -> list[Consent]:
    """After duplicates were merged into ``contact``, their consent history is the contact's, but
    a merge keeps one consent row per channel and purpose (the survivor's). The latest change on
    record decides each one: a duplicate's later withdrawal wins over the survivor's older grant,
    and the other way round. Returns the consents changed."""
    changed: list[Consent] = []
    latest: dict[tuple[str, str], ConsentEvent] = {}
    for event in ConsentEvent.objects.filter(contact=contact).order_by("at", "id"):
        latest[(event.channel, event.purpose)] = event
    for (channel, purpose), event in latest.items():
        consent, new = _locked(contact, channel, purpose)
        ConsentEvent.objects.filter(contact=contact, channel=channel, purpose=purpose, consent__isnull=True).update(
            consent=consent if not new else None
        )
        if not new and consent.state == event.state and consent.method == event.method and consent.text == event.text:
            continue
        before = None if new else changes.snapshot(consent)
        consent.state = event.state
        consent.method, consent.text, consent.source = event.method, event.text, event.source
        consent.ip_address, consent.recorded_by_id = event.ip_address, event.recorded_by_id
        if event.state == ConsentState.WITHDRAWN:
            consent.withdrawn_at = event.at
        else:
            consent.given_at, consent.withdrawn_at = event.at, None
        if new:
            consent.save()
            changes.record_create(actor=None, obj=consent)
            ConsentEvent.objects.filter(contact=contact, channel=channel, purpose=purpose).update(consent=consent)
        else:
            consent.version += 1
            consent.save()
            assert before is not None
            changes.record_update(actor=None, obj=consent, before=before)
        emit(
            ConsentChanged(
                contact_id=contact.pk,
                channel=channel,
                purpose=purpose,
                action=event.action,
                state=event.state,
                method=event.method,
            ),
            obj=consent,
        )
        changed.append(consent)
    return changed
