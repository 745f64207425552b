"""What billing does when other apps' events arrive: collections paused and resumed for a customer
(an open complaint in service holds the ladder back)."""

from __future__ import annotations

from accord.core.event_types import CollectionsPauseLifted, CollectionsPauseRequested
from accord.core.events import on
from accord.core.models import Event
from accord.people.models import Company, Contact


@on("collections.pause_requested")
def pause_requested(event: Event) -> None:
    from accord.billing.services import collections

    request = CollectionsPauseRequested.of(event)
    company = Company.objects.filter(pk=request.company_id).first() if request.company_id else None
    contact = Contact.objects.filter(pk=request.contact_id).first() if request.contact_id else None
    if company is None and contact is None:
        return  # the customer is gone; nothing to hold back
    collections.pause(
        actor=None, company=company, contact=contact, reason=request.reason, source=request.source, until=request.until
    )


@on("collections.pause_lifted")
def pause_lifted(event: Event) -> None:
    from accord.billing.services import collections

    collections.lift_pause(actor=None, source=CollectionsPauseLifted.of(event).source)
