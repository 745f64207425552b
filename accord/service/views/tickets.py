"""The ticket screens: the agents' queue and a ticket's page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.service.selectors import tickets as selectors


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    query = selectors.ticket_query(request.GET)
    page = selectors.ticket_page(request.user, query)
    return render(request, "service/tickets/list.html", {"page": page, "query": query})


@login_required
def ticket_detail(request: HttpRequest, pk: object) -> HttpResponse:
    ticket = selectors.ticket_detail(request.user, pk)
    return render(
        request,
        "service/tickets/detail.html",
        {"ticket": ticket, "messages_": selectors.conversation(ticket), "sla": selectors.sla_state(ticket)},
    )
