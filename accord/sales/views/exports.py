"""Exports of the sales lists (leads, quotes, products): the list's own filters, the access policy,
CSV, CSV for Excel or XLSX through ``core.exports.download``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from accord.core import access, exports
from accord.core.access import AccessDenied
from accord.core.listing import parse
from accord.sales.selectors import leads, products, quotes


def _require_export(request: HttpRequest) -> None:
    if not access.can_export(request.user):
        raise AccessDenied()


@login_required
def lead_export(request: HttpRequest) -> HttpResponseBase:
    _require_export(request)
    query = parse(leads.LEAD_LIST, request.GET, strict=False, default_limit=settings.ACCORD_PAGE_SIZE)
    return exports.download(request, leads.lead_columns(), leads.leads_for_export(request.user, query), "leads")


@login_required
def quote_export(request: HttpRequest) -> HttpResponseBase:
    _require_export(request)
    query = quotes.quote_query(request.GET, user=request.user)
    columns = quotes.quote_columns(request.user)
    return exports.download(request, columns, quotes.quotes_for_export(request.user, query), "quotes")


@login_required
def product_export(request: HttpRequest) -> HttpResponseBase:
    _require_export(request)
    query = parse(products.PRODUCT_LIST, request.GET, strict=False, default_limit=settings.ACCORD_PAGE_SIZE)
    rows = products.products_for_export(request.user, query)
    return exports.download(request, products.product_columns(), rows, "products")
