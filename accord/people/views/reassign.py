"""Handing a filtered list of companies or contacts to another owner, from the list's screen.

The page is the lists' shared "Change owner" bulk action (core/views/lists.py) at the address it
has always had: it keeps every filter of the list, says how many records change and shows a few,
and asks to confirm; an unfiltered list needs the explicit "all records" choice.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from accord.core.requests import AuthedRequest
from accord.core.views.lists import bulk_view
from accord.people.views import Kind


@login_required
def reassign_view(request: AuthedRequest, kind: Kind) -> HttpResponse:
    return bulk_view(request, kind.name, "owner")
