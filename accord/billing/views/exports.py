"""Exports of the invoice, order and payment lists: the list's own filters, the access policy,
CSV, CSV for Excel or XLSX through ``core.exports.download``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from accord.billing.selectors import invoices, orders, payments
from accord.core import access, exports
from accord.core.access import AccessDenied


def _require_export(request: HttpRequest) -> None:
    if not access.can_export(request.user):
        raise AccessDenied()


@login_required
def invoice_export(request: HttpRequest) -> HttpResponseBase:
    _require_export(request)
    query = invoices.invoice_query(request.GET)
    rows = invoices.invoices_for_export(request.user, query)
    return exports.download(request, invoices.invoice_columns(), rows, "invoices")


@login_required
def order_export(request: HttpRequest) -> HttpResponseBase:
    _require_export(request)
    query = orders.order_query(request.GET)
    return exports.download(request, orders.order_columns(), orders.orders_for_export(request.user, query), "orders")


@login_required
def payment_export(request: HttpRequest) -> HttpResponseBase:
    _require_export(request)
    query = payments.payment_query(request.GET)
    rows = payments.payments_for_export(request.user, query)
    return exports.download(request, payments.payment_columns(), rows, "payments")
