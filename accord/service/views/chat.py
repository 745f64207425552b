"""The live chat's pages: the agents' console and a preview page that embeds a channel's widget.
Both only read; everything the chat does goes over the WebSockets (consumers.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accord.core.requests import AuthedRequest
from accord.service.selectors import chat as selectors
from accord.service.selectors import tickets as ticket_selectors
from accord.service.services import chat as services


@login_required
def console(request: AuthedRequest) -> HttpResponse:
    services.require_agent(request.user)
    return render(
        request,
        "service/chat/console.html",
        {
            "canned": ticket_selectors.canned_responses(request.user).order_by("name")[:200],
            "agents": [a for a in selectors.chat_agents() if a.pk != request.user.pk],
            "queues": selectors.chat_queues(),
        },
    )


@login_required
def demo(request: AuthedRequest) -> HttpResponse:
    """A page embedding a channel's widget, as a customer's website would, to try it out."""
    services.require_agent(request.user)
    channels = list(selectors.channels().filter(active=True))
    chosen = next((c for c in channels if c.key == request.GET.get("channel")), channels[0] if channels else None)
    return render(
        request,
        "service/chat/demo.html",
        {"channels": channels, "channel": chosen, "base_url": settings.ACCORD_BASE_URL},
    )
