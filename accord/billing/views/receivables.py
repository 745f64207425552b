"""The receivables screen: balance per customer, aging of unpaid invoices and DSO."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.billing.selectors import receivables


@login_required
def receivables_report(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "billing/receivables.html",
        {
            "buckets": receivables.BUCKETS,
            "aging": receivables.aging(request.user),
            "balances": receivables.balances(request.user)[:200],
            "dso": receivables.dso(request.user),
        },
    )
