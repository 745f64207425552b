"""The portal's REST endpoints under /api/v1/portal, for a signed-in portal user's browser session
(with its CSRF token): the same reads and writes as the portal's pages, through the same selectors
and services. A record of another customer is a 404, as one that does not exist. One endpoint is
the staff's: inviting a contact (bearer token or staff session)."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import SessionAuth

from accord.core.api import ERRORS
from accord.identity.auth import api_auth
from accord.identity.models import PortalAccess
from accord.portal import selectors
from accord.portal.selectors import staff as staff_selectors
from accord.portal.services import customers, invitations, partners

router = Router(tags=["portal"])


class PortalSessionAuth(SessionAuth):
    """A signed-in portal user with active portal access; the access rides on the request."""

    def authenticate(self, request: HttpRequest, key: Any) -> Any:
        if request.headers.get("Authorization"):
            return None
        found = selectors.access_of(request.user)
        if found is None:
            return None
        request.portal_access = found  # type: ignore[attr-defined]
        return found


portal_auth = PortalSessionAuth()


def _access(request: HttpRequest) -> PortalAccess:
    return request.portal_access  # type: ignore[attr-defined]


class PortalTicketOut(Schema):
    id: uuid.UUID
    number: int
    subject: str
    status: str
    created_at: datetime.datetime


class PortalMessageOut(Schema):
    kind: str
    body: str
    created_at: datetime.datetime


class PortalTicketDetailOut(PortalTicketOut):
    messages: list[PortalMessageOut]


class PortalTicketIn(Schema):
    subject: str
    body: str


class PortalMessageIn(Schema):
    body: str


class PortalQuoteOut(Schema):
    id: uuid.UUID
    number: str
    revision: int
    status: str
    valid_until: datetime.date
    currency: str
    net_total: Decimal
    gross_total: Decimal
    version: int


class PortalOrderOut(Schema):
    id: uuid.UUID
    number: str
    status: str
    currency: str
    net_total: Decimal
    gross_total: Decimal


class PortalInvoiceOut(Schema):
    id: uuid.UUID
    number: str
    status: str
    issue_date: datetime.date | None
    due_date: datetime.date | None
    currency: str
    gross_total: Decimal
    paid_amount: Decimal
    overdue: bool


class PortalLeadOut(Schema):
    id: uuid.UUID
    name: str
    status: str
    created_at: datetime.datetime
    deal_status: str | None


class PortalDealOut(Schema):
    id: uuid.UUID
    name: str
    stage: str
    status: str


class PortalDealIn(Schema):
    customer: str = ""
    name: str = ""
    amount: Decimal | None = None
    currency: str = ""
    expected_close: datetime.date | None = None
    description: str = ""


class PortalLeadIn(Schema):
    company_name: str = ""
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    email: str = ""
    phone: str = ""
    message: str = ""


class PortalMeOut(Schema):
    kind: str
    first_name: str
    last_name: str
    email: str
    company: str | None


class PortalInvitationIn(Schema):
    contact_id: uuid.UUID
    kind: Literal["customer", "partner"] = "customer"


class PortalInvitationOut(Schema):
    id: uuid.UUID
    kind: str
    email: str
    active: bool


def _ticket(t: Any) -> dict[str, Any]:
    return {"id": t.pk, "number": t.number, "subject": t.subject, "status": t.status, "created_at": t.created_at}


def _invoice(i: Any) -> dict[str, Any]:
    return {
        "id": i.pk,
        "number": i.number,
        "status": i.status,
        "issue_date": i.issue_date,
        "due_date": i.due_date,
        "currency": i.currency,
        "gross_total": i.gross_total,
        "paid_amount": i.paid_amount,
        "overdue": selectors.is_overdue(i),
    }


@router.get("/portal/me", response={200: PortalMeOut, **ERRORS}, auth=portal_auth)
def me(request: HttpRequest) -> Any:
    found = _access(request)
    contact = found.contact
    return {
        "kind": found.kind,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.primary_email,
        "company": found.company.name if found.company else None,
    }


@router.get("/portal/tickets", response={200: list[PortalTicketOut], **ERRORS}, auth=portal_auth)
def ticket_list(request: HttpRequest) -> Any:
    return [_ticket(t) for t in selectors.tickets(_access(request))[:200]]


@router.get("/portal/tickets/{ticket_id}", response={200: PortalTicketDetailOut, **ERRORS}, auth=portal_auth)
def ticket_detail(request: HttpRequest, ticket_id: str) -> Any:
    found = selectors.ticket(_access(request), ticket_id)
    messages = [{"kind": m.kind, "body": m.body, "created_at": m.created_at} for m in selectors.conversation(found)]
    return {**_ticket(found), "messages": messages}


@router.post("/portal/tickets", response={201: PortalTicketOut, **ERRORS}, auth=portal_auth)
def ticket_create(request: HttpRequest, payload: PortalTicketIn) -> Any:
    ticket = customers.open_ticket(access=_access(request), subject=payload.subject, body=payload.body)
    return Status(201, _ticket(ticket))


@router.post("/portal/tickets/{ticket_id}/messages", response={201: PortalMessageOut, **ERRORS}, auth=portal_auth)
def ticket_message(request: HttpRequest, ticket_id: str, payload: PortalMessageIn) -> Any:
    found = selectors.ticket(_access(request), ticket_id)
    message = customers.write(access=_access(request), ticket=found, body=payload.body)
    return Status(201, {"kind": message.kind, "body": message.body, "created_at": message.created_at})


def _quote(q: Any) -> dict[str, Any]:
    return {
        "id": q.pk,
        "number": q.number,
        "revision": q.revision,
        "status": q.status,
        "valid_until": q.valid_until,
        "currency": q.currency,
        "net_total": q.net_total,
        "gross_total": q.gross_total,
        "version": q.version,
    }


@router.get("/portal/quotes", response={200: list[PortalQuoteOut], **ERRORS}, auth=portal_auth)
def quote_list(request: HttpRequest) -> Any:
    return [_quote(q) for q in selectors.quotes(_access(request))[:200]]


@router.get("/portal/quotes/{quote_id}", response={200: PortalQuoteOut, **ERRORS}, auth=portal_auth)
def quote_detail(request: HttpRequest, quote_id: str) -> Any:
    return _quote(selectors.quote(_access(request), quote_id))


@router.post("/portal/quotes/{quote_id}/accept", response={200: PortalQuoteOut, **ERRORS}, auth=portal_auth)
def quote_accept(request: HttpRequest, quote_id: str) -> Any:
    found = selectors.quote(_access(request), quote_id)
    return _quote(customers.accept_quote(access=_access(request), quote=found))


@router.get("/portal/orders", response={200: list[PortalOrderOut], **ERRORS}, auth=portal_auth)
def order_list(request: HttpRequest) -> Any:
    return list(selectors.orders(_access(request))[:200])


@router.get("/portal/orders/{order_id}", response={200: PortalOrderOut, **ERRORS}, auth=portal_auth)
def order_detail(request: HttpRequest, order_id: str) -> Any:
    return selectors.order(_access(request), order_id)


@router.get("/portal/invoices", response={200: list[PortalInvoiceOut], **ERRORS}, auth=portal_auth)
def invoice_list(request: HttpRequest) -> Any:
    return [_invoice(i) for i in selectors.invoices(_access(request))[:200]]


@router.get("/portal/invoices/{invoice_id}", response={200: PortalInvoiceOut, **ERRORS}, auth=portal_auth)
def invoice_detail(request: HttpRequest, invoice_id: str) -> Any:
    return _invoice(selectors.invoice(_access(request), invoice_id))


def _lead(lead: Any) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "name": str(lead),
        "status": lead.status,
        "created_at": lead.created_at,
        "deal_status": lead.deal.status if lead.deal_id else None,
    }


@router.get("/portal/leads", response={200: list[PortalLeadOut], **ERRORS}, auth=portal_auth)
def lead_list(request: HttpRequest) -> Any:
    return [_lead(lead) for lead in selectors.leads(_access(request))[:200]]


def _deal(deal: Any) -> dict[str, Any]:
    return {"id": deal.pk, "name": deal.name, "stage": deal.stage.name, "status": deal.status}


@router.get("/portal/deals", response={200: list[PortalDealOut], **ERRORS}, auth=portal_auth)
def deal_list(request: HttpRequest) -> Any:
    """The deals the partner brought: registered by them, or their registered leads became them."""
    return [_deal(d) for d in selectors.deals(_access(request))[:200]]


@router.post("/portal/deals", response={201: PortalDealOut, **ERRORS}, auth=portal_auth)
def deal_create(request: HttpRequest, payload: PortalDealIn) -> Any:
    """Register a deal with a customer (deal registration); the partner's account manager owns it."""
    return Status(201, _deal(partners.register_deal(access=_access(request), data=payload.dict())))


@router.post("/portal/leads", response={201: PortalLeadOut, **ERRORS}, auth=portal_auth)
def lead_create(request: HttpRequest, payload: PortalLeadIn) -> Any:
    lead = partners.register_lead(access=_access(request), data=payload.dict())
    return Status(201, _lead(lead))


@router.post("/portal/invitations", response={201: PortalInvitationOut, **ERRORS}, auth=api_auth)
def invitation_create(request: HttpRequest, payload: PortalInvitationIn) -> Any:
    """Staff: invite a contact to the portal (they receive an e-mail with a sign-in link)."""
    contact = staff_selectors.invitable_contact(request.user, payload.contact_id)
    found = invitations.invite(actor=request.user, contact=contact, kind=payload.kind)  # type: ignore[arg-type]
    return Status(201, {"id": found.pk, "kind": found.kind, "email": found.user.email, "active": found.active})
