"""Handing a filtered list of companies or contacts to another owner, from the list's screen."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.core import access
from accord.core.access import AccessDenied
from accord.core.errors import message_dict
from accord.core.listing import apply, parse
from accord.identity.selectors import assignable_users
from accord.people import mass
from accord.people.views import Kind, _is_uuid


@login_required
def reassign_view(request: HttpRequest, kind: Kind) -> HttpResponse:
    """GET: how many records the current filters select, and whom to give them to; POST: do it."""
    assignable = assignable_users(request.user)
    if assignable is None or not access.can_edit_any(request.user):
        raise AccessDenied()
    params = request.POST if request.method == "POST" else request.GET
    filters = {k: v for k, v in params.lists() if k not in {"owner", "csrfmiddlewaretoken", "cursor", "before"}}
    query = parse(kind.spec, filters, strict=False, default_limit=settings.ACCORD_PAGE_SIZE)
    selection = apply(kind.spec, query, access.scope(request.user, kind.model.objects.all()))
    back = f"{kind.url('list')}?{urlencode([(k, v) for k, vs in query.raw.items() for v in vs])}"
    if request.method == "POST":
        chosen = request.POST.get("owner", "")
        owner = assignable.filter(pk=chosen).first() if _is_uuid(chosen) else None
        if owner is None:
            messages.error(request, _("Choose who gets the records."))
        else:
            try:
                count = mass.reassign(actor=request.user, queryset=selection, owner=owner)
            except ValidationError as exc:
                for problems in message_dict(exc).values():
                    for problem in problems:
                        messages.error(request, problem)
            else:
                text = ngettext(
                    "%(count)d record now belongs to %(owner)s.", "%(count)d records now belong to %(owner)s.", count
                )
                messages.success(request, text % {"count": count, "owner": owner})
                return redirect(back)
    context: dict[str, Any] = {
        "kind": kind,
        "count": selection.count(),
        "owners": assignable,
        "hidden": [(k, v) for k, vs in query.raw.items() for v in vs],
        "back": back,
        "filtered": query.is_filtered(),
    }
    return render(request, "people/reassign.html", context)
