"""Reads of quotes, scoped through their deal: a quote is visible to whoever may see its deal."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core import access
from accord.core.exports import Column, walk
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate, parse
from accord.core.models import entity_label
from accord.sales.models import Deal, Quote, QuoteStatus

OPEN = (QuoteStatus.DRAFT, QuoteStatus.SENT)


def _expired(values: list[Any]) -> Q:
    past = Q(status__in=OPEN, valid_until__lt=timezone.localdate())
    return past if values[-1] else ~past


def _search(qs: QuerySet[Quote], text: str) -> QuerySet[Quote]:
    for word in text.split():
        qs = qs.filter(Q(number__icontains=word) | Q(customer_name__icontains=word) | Q(deal__name__icontains=word))
    return qs


QUOTE_LIST = ListSpec[Quote](
    entity=entity_label(Quote),
    filters=[
        Filter("status", "status", kind="choice", choices=QuoteStatus.values),
        Filter("deal", "deal_id", kind="uuid"),
        Filter("owner", "deal__owner_id", kind="uuid"),
        Filter("team", "deal__team_id", kind="uuid"),
        Filter("company", "deal__company_id", kind="uuid"),
        Filter("number", "number"),
        Filter("currency", "currency"),
        Filter("expired", "valid_until", kind="bool", build=_expired),
        Filter("valid_after", "valid_until", kind="date", lookup="gte"),
        Filter("valid_before", "valid_until", kind="date", lookup="lte"),
        Filter("gross_min", "gross_total", kind="decimal", lookup="gte", money=True),
        Filter("gross_max", "gross_total", kind="decimal", lookup="lte", money=True),
    ],
    sorts=[
        Sort("created", "created_at", kind="datetime"),
        Sort("valid_until", "valid_until", kind="date"),
        Sort("number", "number"),
        Sort("gross", "gross_total", money=True),
    ],
    default_sort="-created",
    search=_search,
)


def visible_quotes(user: Any) -> QuerySet[Quote]:
    """The quotes of the deals ``user`` may see (quotes carry no owner of their own)."""
    return Quote.objects.filter(deal__in=access.scope(user, Deal.objects.all()).values("pk"))


def _rows(qs: QuerySet[Quote]) -> QuerySet[Quote]:
    return qs.select_related("deal", "deal__owner", "deal__company", "created_by")


def quote_query(params: Mapping[str, Any], *, strict: bool = False, user: Any = None) -> ListQuery:
    """The quote list's parameters; given ``user``, those by amount only if that user sees amounts."""
    return parse(QUOTE_LIST, params, strict=strict, default_limit=settings.ACCORD_PAGE_SIZE, user=user)


def quote_page(user: Any, query: ListQuery, *, with_lines: bool = False) -> Page[Quote]:
    qs = _rows(apply(QUOTE_LIST, query, visible_quotes(user)))
    return paginate(QUOTE_LIST, query, qs.prefetch_related("lines") if with_lines else qs)


def quote_detail(user: Any, pk: Any) -> Quote:
    """One visible quote with its lines; 404 when its deal is out of sight."""
    return access.get_visible(user, _rows(visible_quotes(user)).prefetch_related("lines"), pk=pk)


def revisions(quote: Quote) -> list[Quote]:
    return list(Quote.objects.filter(number=quote.number).order_by("-revision"))


# The export's columns that are amounts: left out for a user who may not see them.
MONEY_COLUMNS = frozenset({"net_total", "vat_total", "gross_total"})


def quote_columns(user: Any = None) -> list[Column]:
    """The export's columns; given ``user``, without the amounts when that user may not see them."""
    columns = _quote_columns()
    if user is not None and not access.sees_amounts(user):
        columns = [c for c in columns if c.name not in MONEY_COLUMNS]
    return columns


def _quote_columns() -> list[Column]:
    return [
        Column("id", lambda q: q.pk, _("ID")),
        Column("number", lambda q: q.number, pgettext_lazy("quote", "Number")),
        Column("revision", lambda q: q.revision, _("Revision")),
        Column("status", lambda q: q.status, _("Status")),
        Column("deal", lambda q: q.deal.name, _("Deal")),
        Column("customer", lambda q: q.customer_name, _("Customer")),
        Column("owner", lambda q: q.deal.owner.username, _("Owner")),
        Column("currency", lambda q: q.currency, _("Currency")),
        Column("net_total", lambda q: q.net_total, _("Net")),
        Column("vat_total", lambda q: q.vat_total, _("VAT")),
        Column("gross_total", lambda q: q.gross_total, _("Gross")),
        Column("valid_until", lambda q: q.valid_until, pgettext_lazy("quote", "Valid until")),
        Column("sent_at", lambda q: q.sent_at, pgettext_lazy("date sent", "Sent")),
        Column("decided_at", lambda q: q.decided_at, _("Decided")),
        Column("created_at", lambda q: q.created_at, _("Created")),
    ]


def quotes_for_export(user: Any, query: ListQuery) -> Iterator[Quote]:
    """The filtered list for an export by ``user``, who needs the export permission."""
    access.require_export(user)
    return walk(QUOTE_LIST, query, _rows(apply(QUOTE_LIST, query, visible_quotes(user))))
