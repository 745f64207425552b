"""What a portal user's company has: tickets, quotes, orders, invoices, partner leads."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accord.billing.models import Invoice, InvoiceStatus, Order, OrderStatus
from accord.billing.models.invoices import UNPAID
from accord.core.models import as_uuid
from accord.identity.models import PortalAccess, PortalKind
from accord.sales.models import Deal, Lead, Quote, QuoteStatus
from accord.service.models import MessageKind, Ticket, TicketMessage
from accord.service.selectors import knowledge

__all__ = [
    "access_of",
    "article",
    "conversation",
    "deals",
    "invoice",
    "invoices",
    "is_overdue",
    "lead",
    "leads",
    "order",
    "orders",
    "quote",
    "quotes",
    "suggestions",
    "ticket",
    "tickets",
]


def access_of(user: Any) -> PortalAccess | None:
    """The active portal access of ``user``, or None (staff, an anonymous visitor, a switched-off
    portal user)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return (
        PortalAccess.objects.select_related("contact", "company", "user").filter(user_id=user.pk, active=True).first()
    )


def _customer(access: PortalAccess, company: str = "company", contact: str = "contact") -> Q:
    """The rows of the portal user's customer: their company's, or their own without one."""
    if access.company_id is not None:
        return Q(**{f"{company}_id": access.company_id})
    return Q(**{f"{contact}_id": access.contact_id})


def _one(queryset: QuerySet[Any], pk: Any) -> Any:
    key = as_uuid(pk)
    found = queryset.filter(pk=key).first() if key is not None else None
    if found is None:
        raise Http404
    return found


def _customers_only(access: PortalAccess) -> None:
    if access.kind != PortalKind.CUSTOMER:
        raise Http404


# --- tickets ------------------------------------------------------------------------------------------


def tickets(access: PortalAccess) -> QuerySet[Ticket]:
    """The customer's tickets, newest first; merged ones live on in the ticket they went into."""
    _customers_only(access)
    return (
        Ticket.objects.filter(_customer(access), merged_into__isnull=True).select_related("contact").order_by("-number")
    )


def ticket(access: PortalAccess, pk: Any) -> Ticket:
    return _one(tickets(access), pk)


def conversation(ticket: Ticket) -> list[TicketMessage]:
    """The public conversation: the customer's messages and the agents' replies, never a note."""
    return list(
        ticket.messages.filter(kind__in=(MessageKind.CUSTOMER, MessageKind.REPLY))
        .select_related("author", "contact")
        .order_by("created_at", "id")
    )


def suggestions(text: str, language: str, limit: int = 5) -> list[Any]:
    """Public, published knowledge base articles in ``language`` that may answer ``text``."""
    # Asked as nobody: the knowledge base's reader for the public sees public, published articles.
    return [s.article for s in knowledge.suggest(None, text, language=language, limit=limit)]


def article(pk: Any) -> Any:
    return _one(knowledge.public_articles(), pk)


# --- quotes, orders, invoices -------------------------------------------------------------------------


def quotes(access: PortalAccess) -> QuerySet[Quote]:
    """The customer's quotes that were sent to them (drafts are the seller's own business)."""
    _customers_only(access)
    if access.company_id is not None:
        mine = Q(deal__company_id=access.company_id)
    else:
        mine = Q(deal__contact_links__contact_id=access.contact_id)
    return (
        Quote.objects.filter(mine, sent_at__isnull=False)
        .exclude(status=QuoteStatus.DRAFT)
        .select_related("deal")
        .distinct()
        .order_by("-sent_at", "-revision")
    )


def quote(access: PortalAccess, pk: Any) -> Quote:
    return _one(quotes(access).prefetch_related("lines"), pk)


def orders(access: PortalAccess) -> QuerySet[Order]:
    _customers_only(access)
    return Order.objects.filter(_customer(access)).exclude(status=OrderStatus.DRAFT).order_by("-created_at")


def order(access: PortalAccess, pk: Any) -> Order:
    return _one(orders(access).prefetch_related("lines"), pk)


def invoices(access: PortalAccess) -> QuerySet[Invoice]:
    """The customer's issued invoices (drafts are not invoices yet), newest first."""
    _customers_only(access)
    return (
        Invoice.objects.filter(_customer(access)).exclude(status=InvoiceStatus.DRAFT).order_by("-issue_date", "-number")
    )


def invoice(access: PortalAccess, pk: Any) -> Invoice:
    return _one(invoices(access).prefetch_related("lines"), pk)


def is_overdue(invoice: Invoice, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return invoice.status in UNPAID and invoice.due_date is not None and invoice.due_date < today


# --- partners -----------------------------------------------------------------------------------------


def leads(access: PortalAccess) -> QuerySet[Lead]:
    """The leads this partner registered (their company's), newest first."""
    if access.kind != PortalKind.PARTNER or access.company_id is None:
        raise Http404
    return Lead.objects.filter(partner_id=access.company_id).select_related("deal").order_by("-created_at")


def lead(access: PortalAccess, pk: Any) -> Lead:
    return _one(leads(access), pk)


def deals(access: PortalAccess) -> QuerySet[Deal]:
    """The deals the partner brought (their leads became them), newest first, with their stage."""
    if access.kind != PortalKind.PARTNER or access.company_id is None:
        raise Http404
    return Deal.objects.filter(partner_id=access.company_id).select_related("stage").order_by("-created_at")
