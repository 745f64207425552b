"""The live chat's pages: the agents' console, a preview page that embeds a channel's widget, and
the widget's labels. All only read; everything the chat does goes over the WebSockets (consumers.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from accord.core import access
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
        {
            "channels": channels,
            "channel": chosen,
            "base_url": settings.ACCORD_BASE_URL,
            "may_manage": access.is_admin(request.user),
            # ?lang=pl: the widget as a Polish website would show it (else in the browser's language).
            "lang": services.widget_language(request.GET["lang"]) if request.GET.get("lang") else "",
        },
    )


@require_GET
def widget_config(request: HttpRequest, key: str) -> HttpResponse:
    """What the widget shows before it connects: its heading and labels in the visitor's language
    (``?lang=``). Public, as the widget is; a page of a website the channel does not allow is refused."""
    channel = selectors.channel_by_key(key)
    if channel is None:
        return JsonResponse({"error": "not found"}, status=404)
    origin = request.headers.get("Origin", "")
    if origin and not (
        services.origin_allowed(channel, origin, own_origin=settings.ACCORD_BASE_URL)
        or services.origin_of(origin) == services.origin_of(request.build_absolute_uri("/"))
    ):
        return JsonResponse({"error": "forbidden"}, status=403)
    language = services.widget_language(request.GET.get("lang"))
    response = JsonResponse(
        {
            "title": channel.title or channel.name,
            "greeting": channel.greeting,
            "language": language,
            "labels": services.widget_labels(language),
        }
    )
    if origin:
        response["Access-Control-Allow-Origin"] = services.origin_of(origin)
    patch_vary_headers(response, ["Origin"])
    patch_cache_control(response, public=True, max_age=300)
    return response
