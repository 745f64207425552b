"""REST endpoints of consent and the suppression list.

``/contacts/{id}/consents``: GET the contact's consents (every channel and purpose, with their
proof), PUT some of them (granted, withdrawn, or pending: asked to confirm by e-mail), POST
``/withdraw`` one; ``/history`` lists every change with its proof. A contact out of sight is a 404,
a user who may not edit it a 403, as on the screens. ``/suppressions``: the list (admins and
marketers), add, read, remove.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema, Status

from accord.core.access import Action, require
from accord.core.api import ERRORS, StrictSchema, expected_version
from accord.core.errors import message_dict
from accord.core.requests import AuthedRequest
from accord.marketing.models import Consent, ConsentState, Suppression, SuppressionReason
from accord.marketing.selectors import consent as selectors
from accord.marketing.services import confirmation
from accord.marketing.services import consent as services

router = Router(tags=["consent"])

Channel = Literal["email", "sms", "phone", "letter"]
Purpose = Literal["newsletter", "offers", "greetings"]
Method = Literal["form", "import", "phone", "paper", "portal", "api", "user"]


class ConsentOut(Schema):
    channel: str
    purpose: str
    state: str  # "" when never recorded
    version: int | None = None
    given_at: datetime.datetime | None = None
    withdrawn_at: datetime.datetime | None = None
    method: str = ""
    text: str = ""
    source: str = ""
    ip_address: str | None = None
    recorded_by_id: Any = None


class ConsentsOut(Schema):
    contact_id: uuid.UUID
    consents: list[ConsentOut]


class ConsentEventOut(Schema):
    id: uuid.UUID
    at: datetime.datetime
    channel: str
    purpose: str
    action: str
    state: str
    address: str
    method: str
    text: str
    source: str
    ip_address: str | None
    recorded_by_id: Any


class ConsentIn(StrictSchema):
    channel: Channel
    purpose: Purpose
    state: Literal["granted", "withdrawn", "pending"]
    method: Method = "api"
    text: str = ""
    source: str = ""
    ip_address: str | None = None
    version: int | None = None


class ConsentsIn(StrictSchema):
    consents: list[ConsentIn]


class WithdrawIn(StrictSchema):
    channel: Channel
    purpose: Purpose
    method: Method = "api"
    source: str = ""
    ip_address: str | None = None
    version: int | None = None


def _consent_out(consent: Consent | None, channel: str, purpose: str) -> dict[str, Any]:
    if consent is None:
        return {"channel": channel, "purpose": purpose, "state": ""}
    return {
        "channel": channel,
        "purpose": purpose,
        "state": consent.state,
        "version": consent.version,
        "given_at": consent.given_at,
        "withdrawn_at": consent.withdrawn_at,
        "method": consent.method,
        "text": consent.text,
        "source": consent.source,
        "ip_address": consent.ip_address,
        "recorded_by_id": consent.recorded_by_id,
    }


def _grid(contact: Any) -> dict[str, Any]:
    return {
        "contact_id": contact.pk,
        "consents": [_consent_out(c.consent, c.channel, c.purpose) for c in selectors.consent_grid(contact)],
    }


@router.get("/contacts/{uuid:contact_id}/consents", response={200: ConsentsOut, **ERRORS})
def get_consents(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    return _grid(selectors.visible_contact(request.user, contact_id))


@router.put("/contacts/{uuid:contact_id}/consents", response={200: ConsentsOut, **ERRORS})
def put_consents(request: AuthedRequest, contact_id: uuid.UUID, payload: ConsentsIn) -> Any:
    """Set the listed consents, all or none: ``granted`` gives (with ``text``, the words agreed
    to), ``withdrawn`` withdraws, ``pending`` asks the contact to confirm by e-mail (double opt-in).
    A consent already in the state asked for is left as it is. Errors are keyed ``consents.N.field``."""
    contact = selectors.visible_contact(request.user, contact_id)
    require(request.user, Action.CHANGE, contact)
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        for number, item in enumerate(payload.consents):
            try:
                _apply(request, contact, item)
            except ValidationError as exc:
                errors.update({f"consents.{number}.{k}": v for k, v in message_dict(exc).items()})
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ValidationError(errors)
    return _grid(contact)


def _apply(request: AuthedRequest, contact: Any, item: ConsentIn) -> None:
    current = selectors.consent_of(contact, channel=item.channel, purpose=item.purpose)
    if current is not None and current.state == item.state and item.version is None:
        return
    proof = services.Proof(method=item.method, text=item.text, source=item.source, ip_address=item.ip_address)
    if item.state == ConsentState.GRANTED:
        services.give(
            actor=request.user,
            contact=contact,
            channel=item.channel,
            purpose=item.purpose,
            proof=proof,
            version=item.version,
        )
    elif item.state == ConsentState.WITHDRAWN:
        services.withdraw(
            actor=request.user,
            contact=contact,
            channel=item.channel,
            purpose=item.purpose,
            proof=proof,
            version=item.version,
        )
    else:
        confirmation.request_confirmation(
            actor=request.user, contact=contact, channel=item.channel, purpose=item.purpose, proof=proof
        )


@router.post("/contacts/{uuid:contact_id}/consents/withdraw", response={200: ConsentOut, **ERRORS})
def withdraw_consent(request: AuthedRequest, contact_id: uuid.UUID, payload: WithdrawIn) -> Any:
    contact = selectors.visible_contact(request.user, contact_id)
    consent = services.withdraw(
        actor=request.user,
        contact=contact,
        channel=payload.channel,
        purpose=payload.purpose,
        proof=services.Proof(method=payload.method, source=payload.source, ip_address=payload.ip_address),
        version=expected_version(request, payload.version),
    )
    return _consent_out(consent, consent.channel, consent.purpose)


@router.get("/contacts/{uuid:contact_id}/consents/history", response={200: list[ConsentEventOut], **ERRORS})
def consent_history(request: HttpRequest, contact_id: uuid.UUID) -> Any:
    return selectors.history(selectors.visible_contact(request.user, contact_id), limit=None)


# --- the suppression list -----------------------------------------------------------------------------


class SuppressionOut(Schema):
    id: uuid.UUID
    version: int
    channel: str
    address: str
    purpose: str
    reason: str
    source: str
    created_at: datetime.datetime
    created_by_id: Any


class SuppressionPageOut(Schema):
    items: list[SuppressionOut]
    page: int
    pages: int
    total: int


class SuppressionIn(StrictSchema):
    channel: Literal["email", "sms", "phone"]
    address: str
    purpose: Literal["", "newsletter", "offers", "greetings"] = ""
    reason: Literal["manual", "bounced", "complained", "unsubscribed"] = "manual"
    source: str = ""


@router.get("/suppressions", response={200: SuppressionPageOut, **ERRORS})
def list_suppressions(
    request: HttpRequest, q: str = "", channel: str = "", reason: str = "", page: int = 1, limit: int = 100
) -> Any:
    """The suppression list, newest first; ``q`` finds addresses containing it. 403 for anyone but
    admins and marketers."""
    services.require_suppression_manager(request.user)
    rows = selectors.suppressions(request.user, search=q, channel=channel, reason=reason)
    pages = Paginator(rows, max(1, min(limit, 500)))
    found = pages.get_page(page)
    return {"items": list(found.object_list), "page": found.number, "pages": pages.num_pages, "total": pages.count}


@router.post("/suppressions", response={201: SuppressionOut, **ERRORS})
def add_suppression(request: AuthedRequest, payload: SuppressionIn) -> Any:
    row = services.suppress(
        actor=request.user,
        channel=payload.channel,
        address=payload.address,
        purpose=payload.purpose,
        reason=payload.reason or SuppressionReason.MANUAL,
        source=payload.source,
    )
    return Status(201, row)


@router.get("/suppressions/{uuid:suppression_id}", response={200: SuppressionOut, **ERRORS})
def get_suppression(request: HttpRequest, suppression_id: uuid.UUID) -> Any:
    services.require_suppression_manager(request.user)
    return selectors.suppression(request.user, suppression_id)


@router.delete("/suppressions/{uuid:suppression_id}", response={204: None, **ERRORS})
def remove_suppression(request: AuthedRequest, suppression_id: uuid.UUID) -> Any:
    services.require_suppression_manager(request.user)
    row: Suppression = selectors.suppression(request.user, suppression_id)
    services.unsuppress(actor=request.user, suppression=row, version=expected_version(request))
    return Status(204, None)
