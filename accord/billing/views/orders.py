"""Order screens: the list, a new order, an order's page (lines, totals, invoices) with its status
moves and "Create invoice", and "Create order" on an accepted quote."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.billing.forms import BLANK_ROWS, OrderForm, posted_lines, rate_choices
from accord.billing.models import InvoiceKind, OrderStatus
from accord.billing.selectors import orders as selectors
from accord.billing.services import invoices as invoice_services
from accord.billing.services import orders as services
from accord.billing.services.lines import summarize
from accord.billing.views.common import company_for, decorate, line_errors, report, version
from accord.core import access, lists
from accord.core.access import Action
from accord.core.errors import Conflict
from accord.core.forms import apply_errors
from accord.core.requests import AuthedRequest
from accord.sales.selectors import quotes as quote_selectors


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    try:
        query = selectors.order_query(request.GET)
    except ValidationError as exc:
        report(request, exc)
        query = selectors.order_query({})
    page = selectors.order_page(request.user, query)
    base = [(k, v) for k, values in dict(query.raw).items() for v in values]
    return render(
        request,
        "billing/order_list.html",
        {
            **lists.context(request, lists.get("order"), query),
            "page": page,
            "query": query,
            "statuses": OrderStatus.choices,
            "can_create": access.can_create(request.user),
            "next_link": urlencode([*base, ("cursor", page.next_cursor)]) if page.next_cursor else "",
            "prev_link": urlencode([*base, ("before", page.prev_cursor)]) if page.prev_cursor else "",
        },
    )


@login_required
def order_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    order = selectors.order_detail(request.user, pk)
    lines = decorate(list(order.lines.all()))
    summary = summarize([(line.vat_rate, line.net) for line in lines])
    can_change = access.can(request.user, Action.CHANGE, order)
    invoiced = invoice_services.invoiced_line_ids(order)
    for line in lines:
        line.invoiced = line.pk in invoiced
    return render(
        request,
        "billing/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "vat_rows": [
                {"label": line.rate, "net": line.net, "vat": line.vat, "gross": line.gross} for line in summary.by_rate
            ],
            "invoices": list(order.invoices.all()),
            "moves": services.MOVES[order.status] if can_change else (),
            "status_labels": dict(OrderStatus.choices),
            "can_invoice": can_change
            and order.status in (OrderStatus.CONFIRMED, OrderStatus.FULFILLED)
            and len(invoiced) < len(lines),
        },
    )


@login_required
def order_create(request: AuthedRequest) -> HttpResponse:
    access.require_create(request.user)
    status = 200
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    if request.method == "POST":
        form = OrderForm(request.POST)
        rows = posted_lines(request.POST)
        if form.is_valid():
            try:
                data = {
                    "company": company_for(request, form.cleaned_data.get("company")),
                    "currency": form.cleaned_data["currency"],
                    "notes": form.cleaned_data["notes"],
                    "lines": rows,
                }
                order = services.create_order(actor=request.user, data=data)
            except ValidationError as exc:
                problems = line_errors(exc)
                apply_errors(form, exc, rows=("lines",))
            else:
                messages.success(request, _("Order %(number)s was saved.") % {"number": order.number})
                return redirect("billing:order-detail", pk=order.pk)
        status = 422
    else:
        form = OrderForm()
    return render(
        request,
        "billing/order_form.html",
        {
            "form": form,
            "rows": rows + [{} for _i in range(BLANK_ROWS)],
            "rates": rate_choices(),
            "line_problems": problems,
        },
        status=status,
    )


@login_required
@require_POST
def order_status(request: AuthedRequest, pk: Any) -> HttpResponse:
    order = selectors.order_detail(request.user, pk)
    try:
        services.set_status(
            actor=request.user, order=order, status=request.POST.get("status", ""), expected_version=version(request)
        )
    except (ValidationError, Conflict) as exc:
        report(request, exc)
    return redirect("billing:order-detail", pk=order.pk)


@login_required
@require_POST
def order_invoice(request: AuthedRequest, pk: Any) -> HttpResponse:
    """A draft invoice (or pro-forma) of the order's lines not yet invoiced."""
    order = selectors.order_detail(request.user, pk)
    kind = InvoiceKind.PROFORMA if request.POST.get("kind") == "proforma" else InvoiceKind.VAT
    try:
        invoice = invoice_services.create_from_order(actor=request.user, order=order, kind=kind)
    except ValidationError as exc:
        report(request, exc)
        return redirect("billing:order-detail", pk=order.pk)
    messages.success(request, _("A draft invoice was made of the order. Check it and issue it."))
    return redirect("billing:invoice-detail", pk=invoice.pk)


@login_required
@require_POST
def order_from_quote(request: AuthedRequest, pk: Any) -> HttpResponse:
    """ "Create order" on an accepted quote's page; the quote's order if it has one already."""
    quote = quote_selectors.quote_detail(request.user, pk)
    try:
        order = services.create_from_quote(actor=request.user, quote=quote)
    except ValidationError as exc:
        report(request, exc)
        return redirect("sales:quote-detail", pk=quote.pk)
    return redirect("billing:order-detail", pk=order.pk)


@login_required
@require_POST
def invoice_from_quote(request: AuthedRequest, pk: Any) -> HttpResponse:
    """ "Create invoice" on an accepted quote's page: its order (made if need be), then a draft
    invoice of the order's lines not yet invoiced."""
    quote = quote_selectors.quote_detail(request.user, pk)
    try:
        order = services.create_from_quote(actor=request.user, quote=quote)
        invoice = invoice_services.create_from_order(actor=request.user, order=order)
    except ValidationError as exc:
        report(request, exc)
        return redirect("sales:quote-detail", pk=quote.pk)
    messages.success(request, _("A draft invoice was made of the order. Check it and issue it."))
    return redirect("billing:invoice-detail", pk=invoice.pk)
