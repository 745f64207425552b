"""Staff screens of the portal: inviting a contact (the contact page's panel posts here)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core.errors import message_dict
from accord.portal.selectors import staff as staff_selectors
from accord.portal.services import invitations


@login_required
@require_POST
def invite(request: HttpRequest, contact_pk: Any) -> HttpResponse:
    contact = staff_selectors.invitable_contact(request.user, contact_pk)
    try:
        portal = invitations.invite(actor=request.user, contact=contact, kind=request.POST.get("kind", "customer"))  # type: ignore[arg-type]
    except ValidationError as exc:
        for problems in message_dict(exc).values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("Invitation to the portal sent to %(email)s.") % {"email": portal.user.email})
    return redirect("people:contact-detail", pk=contact.pk)


@login_required
@require_POST
def revoke(request: HttpRequest, contact_pk: Any) -> HttpResponse:
    contact = staff_selectors.invitable_contact(request.user, contact_pk)
    portal = invitations.portal_of(contact)
    if portal is None:
        raise Http404
    invitations.revoke(actor=request.user, portal=portal)  # type: ignore[arg-type]
    messages.success(request, _("Portal access switched off for %(email)s.") % {"email": portal.user.email})
    return redirect("people:contact-detail", pk=contact.pk)
