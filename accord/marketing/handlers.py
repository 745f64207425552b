"""What marketing does when other apps' events arrive: bounces and complaints suppress the
address, a converted web-form lead's consent and an import's consent columns become consents
with their proof. Each handler may run twice for one event (core/events.py) and gives the same
result: suppressing is idempotent, and consents already recorded from a source are skipped."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from accord.core.access import AccessDenied
from accord.core.events import on
from accord.core.models import Event
from accord.marketing.models import (
    ConsentChannel,
    ConsentEvent,
    ConsentMethod,
    ConsentPurpose,
    SuppressionReason,
)
from accord.people.events import ConsentsImported
from accord.people.models import Contact

log = logging.getLogger(__name__)

# What a web-to-lead form's consent box covers: being contacted about the offer, by e-mail. The
# form has one box and one text; a site asking more (a newsletter box) records those through
# the API with their own texts.
LEAD_CONSENTS = ((ConsentChannel.EMAIL, ConsentPurpose.OFFERS),)


@on("messaging.message.bounced", "messaging.message.complained")
def suppress_reported_address(event: Event) -> None:
    from accord.marketing.services.consent import normalize_address, suppress
    from accord.messaging.services.outbox import MessageReport

    report = MessageReport.of(event)
    if report.channel not in (ConsentChannel.EMAIL, ConsentChannel.SMS) or not report.to_address:
        return
    reason = SuppressionReason.BOUNCED if event.name.endswith("bounced") else SuppressionReason.COMPLAINED
    try:
        normalize_address(channel=report.channel, address=report.to_address)
    except ValidationError:
        return  # an address that is none cannot be listed (and is never sent to)
    suppress(
        channel=report.channel,
        address=report.to_address,
        reason=reason,
        source=(f"{report.reason}" or reason)[:200],
    )


def lead_source(lead: object) -> str:
    """How a lead's consent names where it came from: the form and the lead."""
    form = getattr(lead, "web_form", None)
    name = form.name if form is not None else _("web form")
    return f"{_('Web form')} “{name}” ({_('lead')} {lead.pk})"[:200]  # type: ignore[attr-defined]


@on("sales.lead.converted")
def consent_from_converted_lead(event: Event) -> None:
    """A lead that ticked the form's consent box became a contact: the consent is recorded with
    the text the visitor saw and when they agreed. With double opt-in on (the default), e-mail
    consent waits for the confirmation link mailed to the contact."""
    from accord.marketing.services.confirmation import request_confirmation
    from accord.marketing.services.consent import Proof, give
    from accord.sales.events import LeadConverted
    from accord.sales.models import Lead

    converted = LeadConverted.of(event)
    if event.object_id is None:
        return
    lead = Lead.objects.select_related("web_form").filter(pk=event.object_id).first()
    if lead is None or converted.contact_id is None or lead.consent_given_at is None or not lead.consent_text:
        return
    contact = Contact.objects.filter(pk=converted.contact_id).first()
    if contact is None:
        return
    source = lead_source(lead)
    for channel, purpose in LEAD_CONSENTS:
        if channel == ConsentChannel.EMAIL and not contact.primary_email:
            continue
        done = ConsentEvent.objects.filter(contact=contact, channel=channel, purpose=purpose, source=source)
        if done.exists():
            continue
        proof = Proof(method=ConsentMethod.FORM, text=lead.consent_text, source=source, ip_address=lead.consent_ip)
        with transaction.atomic():
            if channel == ConsentChannel.EMAIL and settings.ACCORD_CONSENT_DOUBLE_OPT_IN:
                request_confirmation(actor=None, contact=contact, purpose=purpose, proof=proof)
            else:
                give(
                    actor=None,
                    contact=contact,
                    channel=channel,
                    purpose=purpose,
                    proof=proof,
                    at=lead.consent_given_at,
                )


@on("people.contact.consents_imported")
def consents_from_import(event: Event) -> None:
    """An import's consent columns: each row's answers recorded with method "import", the file as
    source and the row's consent text. A row already recorded from this event is skipped."""
    from accord.marketing.services.consent import ImportedConsent, record_import

    imported = ConsentsImported.of(event)
    source = imported.source
    actor = event.actor
    contacts = Contact.objects.in_bulk([row.contact_id for row in imported.rows])
    for row in imported.rows:
        contact = contacts.get(row.contact_id)
        if contact is None:
            continue
        answers = []
        for key, granted in [*((k, True) for k in row.granted), *((k, False) for k in row.withdrawn)]:
            channel, _dot, purpose = key.partition(".")
            if channel in ConsentChannel.values and purpose in ConsentPurpose.values:
                answers.append(ImportedConsent(channel=channel, purpose=purpose, granted=granted))
        with transaction.atomic():
            # Only what this event has not recorded yet: a second dispatch adds nothing.
            seen = set(
                ConsentEvent.objects.filter(contact=contact, source=source, at__gte=event.created_at).values_list(
                    "channel", "purpose"
                )
            )
            todo = [a for a in answers if (a.channel, a.purpose) not in seen]
            if not todo:
                continue
            try:
                record_import(actor=actor, contact=contact, answers=todo, source=source, text=row.text)
            except (AccessDenied, Http404):
                # The importing user lost the right to change this contact since: not recorded.
                log.warning("imported consent of contact %s not recorded: %s may not change it", contact.pk, actor)


@on("people.contact.merged")
def consent_of_merged_contacts(event: Event) -> None:
    """Duplicates merged into a contact brought their consent history along; the latest change of
    each channel and purpose decides the survivor's consent."""
    from accord.marketing.services.consent import reconcile_after_merge

    contact = Contact.objects.filter(pk=event.object_id).first() if event.object_id else None
    if contact is not None:
        reconcile_after_merge(contact=contact)


@on("marketing.consent.changed")
def withdraw_queued_campaign_messages(event: Event) -> None:
    """A consent no longer granted: that contact's campaign messages still in the outbox for that
    channel and purpose do not go."""
    from accord.marketing.events import ConsentChanged
    from accord.marketing.services.campaigns import withdraw_unsent

    changed = ConsentChanged.of(event)
    if changed.state != "granted":
        withdraw_unsent(channel=changed.channel, purpose=changed.purpose, contact_id=changed.contact_id)


@on("marketing.suppression.added")
def withdraw_suppressed_campaign_messages(event: Event) -> None:
    """An address suppressed: campaign messages to it still in the outbox do not go."""
    from accord.marketing.events import AddressSuppressed
    from accord.marketing.services.campaigns import withdraw_unsent

    added = AddressSuppressed.of(event)
    withdraw_unsent(channel=added.channel, purpose=added.purpose, address=added.address)


# --- what starts journeys --------------------------------------------------------------------------


@on("sales.deal.stage_changed")
def journeys_for_won_deal(event: Event) -> None:
    """A deal entered a won stage: its contacts start the "deal won" journeys (once per deal)."""
    from accord.marketing.models import JourneyTrigger
    from accord.marketing.services.journeys import enroll
    from accord.sales.events import StageChanged
    from accord.sales.models import DealContact, Stage, StageKind

    changed = StageChanged.of(event)
    if event.object_id is None or not Stage.objects.filter(pk=changed.to_stage_id, kind=StageKind.WON).exists():
        return
    contacts = DealContact.objects.filter(deal_id=event.object_id).values_list("contact_id", flat=True)
    enroll(trigger=JourneyTrigger.DEAL_WON, contact_ids=contacts, key=f"deal:{event.object_id}")


@on("billing.payment.allocated")
def journeys_for_paid_invoice(event: Event) -> None:
    """A payment paid an invoice in full: its contact starts the "invoice paid" journeys (once
    per invoice)."""
    from accord.billing.events import PaymentAllocated
    from accord.billing.models import Invoice
    from accord.marketing.models import JourneyTrigger
    from accord.marketing.services.journeys import enroll

    allocated = PaymentAllocated.of(event)
    if allocated.status != "paid":
        return
    contact = Invoice.objects.filter(pk=allocated.invoice_id).values_list("contact_id", flat=True).first()
    if contact is not None:
        enroll(trigger=JourneyTrigger.INVOICE_PAID, contact_ids=[contact], key=f"invoice:{allocated.invoice_id}")


@on("sales.lead.converted")
def journeys_for_web_form(event: Event) -> None:
    """A lead that came from a web form became a contact: the contact starts the "web form"
    journeys of that form (or of any form), once per lead."""
    from accord.marketing.models import JourneyTrigger
    from accord.marketing.services.journeys import enroll
    from accord.sales.events import LeadConverted
    from accord.sales.models import Lead

    converted = LeadConverted.of(event)
    if event.object_id is None or converted.contact_id is None:
        return
    form = Lead.objects.filter(pk=event.object_id).values_list("web_form_id", flat=True).first()
    if form is None:
        return
    enroll(
        trigger=JourneyTrigger.FORM_SUBMITTED,
        contact_ids=[converted.contact_id],
        key=f"lead:{event.object_id}",
        web_form_id=form,
    )
