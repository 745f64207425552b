"""Payment screens: the list (what customers paid, what no invoice took yet) and a payment's page,
where what is left of it pays one of its customer's open invoices."""

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

from accord.billing.models import Invoice
from accord.billing.selectors import invoices as invoice_selectors
from accord.billing.selectors import payments as selectors
from accord.billing.services import payments as services
from accord.billing.views.common import report, version
from accord.core import access, lists
from accord.core import selectors as core_selectors
from accord.core.access import Action
from accord.core.errors import Conflict
from accord.core.requests import AuthedRequest


@login_required
def payment_list(request: HttpRequest) -> HttpResponse:
    try:
        query = selectors.payment_query(request.GET)
    except ValidationError as exc:
        report(request, exc)
        query = selectors.payment_query({})
    page = selectors.payment_page(request.user, query)
    base = [(k, v) for k, values in dict(query.raw).items() for v in values]
    return render(
        request,
        "billing/payment_list.html",
        {
            **lists.context(request, lists.get("payment"), query),
            "page": page,
            "query": query,
            "unallocated_filter": dict(query.raw).get("unallocated", [""])[0],
            "next_link": urlencode([*base, ("cursor", page.next_cursor)]) if page.next_cursor else "",
            "prev_link": urlencode([*base, ("before", page.prev_cursor)]) if page.prev_cursor else "",
        },
    )


@login_required
def payment_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    payment = selectors.payment_detail(request.user, pk)
    can_change = access.can(request.user, Action.CHANGE, payment)
    open_invoices = (
        invoice_selectors.open_invoices(
            request.user, company=payment.company, contact=payment.contact, currency=payment.currency
        )
        if can_change and payment.unallocated > 0 and (payment.company_id or payment.contact_id)
        else []
    )
    return render(
        request,
        "billing/payment_detail.html",
        {"payment": payment, "allocations": list(payment.allocations.all()), "open_invoices": open_invoices},
    )


@login_required
@require_POST
def payment_allocate(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Let what is left of the payment pay one of the customer's invoices."""
    payment = selectors.payment_detail(request.user, pk)
    invoice = core_selectors.find_visible(request.user, Invoice, request.POST.get("invoice", ""))
    if invoice is None:
        messages.error(request, _("Choose an invoice you can see."))
        return redirect("billing:payment-detail", pk=payment.pk)
    try:
        services.allocate(
            actor=request.user,
            payment=payment,
            invoice=invoice,
            amount=request.POST.get("amount", "").strip() or None,
            expected_version=version(request),
        )
    except (ValidationError, Conflict) as exc:
        report(request, exc)
    else:
        messages.success(request, _("The payment now pays invoice %(number)s.") % {"number": invoice.number})
    return redirect("billing:payment-detail", pk=payment.pk)
