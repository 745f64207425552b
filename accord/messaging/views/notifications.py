from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accord.core.htmx import is_htmx
from accord.messaging import selectors, services


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = selectors.notifications(request.user)
    template = "messaging/_notification_menu.html" if is_htmx(request) else "messaging/inbox.html"
    return render(request, template, {"notifications": notifications, "unread": services.unread_count(request.user)})


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count on the bell, polled by the page."""
    return render(request, "messaging/_badge.html", {"unread": services.unread_count(request.user)})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("id") or None
    services.mark_read(user=request.user, message_ids=ids)
    if is_htmx(request):
        return render(request, "messaging/_badge.html", {"unread": services.unread_count(request.user)})
    return redirect("messaging:inbox")


@login_required
def open_notification(request: HttpRequest, pk: str) -> HttpResponse:
    message = selectors.notification(request.user, pk)
    if message is None:
        return redirect("messaging:inbox")
    services.mark_read(user=request.user, message_ids=[message.pk])
    return redirect(message.url or "messaging:inbox")
