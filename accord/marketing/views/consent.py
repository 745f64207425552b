"""The consent panel on a contact's page and its give / withdraw form (HTMX), and the
suppression list (admins and marketers)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core import access
from accord.core.access import Action
from accord.core.errors import Conflict, message_dict
from accord.core.forms import apply_errors
from accord.core.htmx import is_htmx
from accord.core.requests import AuthedRequest
from accord.marketing.forms import ConsentChangeForm, SuppressionForm
from accord.marketing.models import ConsentChannel, SuppressionReason
from accord.marketing.selectors import consent as selectors
from accord.marketing.services import confirmation
from accord.marketing.services import consent as services
from accord.people.models import Contact

PAGE_SIZE = 50


def consent_context(request: HttpRequest, contact: Contact, form: ConsentChangeForm | None = None) -> dict[str, Any]:
    return {
        "contact": contact,
        "grid": selectors.consent_grid(contact),
        "history": selectors.history(contact),
        "can_change": access.can(request.user, Action.CHANGE, contact),
        "form": form or ConsentChangeForm(),
    }


def _panel(request: HttpRequest, contact: Contact, form: ConsentChangeForm | None = None, status: int = 200) -> Any:
    return render(
        request, "marketing/_consent_panel.html", {"ctx": consent_context(request, contact, form)}, status=status
    )


@login_required
@require_POST
def consent_change(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Give, withdraw or ask to confirm one channel and purpose of the contact."""
    contact = selectors.visible_contact(request.user, pk)
    access.require(request.user, Action.CHANGE, contact)
    form = ConsentChangeForm(request.POST)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        proof = services.Proof(
            method=data["method"], text=data["text"], source=data["source"] or request.user.get_full_name()
        )
        try:
            if data["action"] == "give":
                services.give(
                    actor=request.user,
                    contact=contact,
                    channel=data["channel"],
                    purpose=data["purpose"],
                    proof=proof,
                    version=data["version"],
                )
            elif data["action"] == "withdraw":
                services.withdraw(
                    actor=request.user,
                    contact=contact,
                    channel=data["channel"],
                    purpose=data["purpose"],
                    proof=proof,
                    version=data["version"],
                )
            else:
                confirmation.request_confirmation(
                    actor=request.user, contact=contact, channel=data["channel"], purpose=data["purpose"], proof=proof
                )
        except Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            apply_errors(form, exc)
            status = 422
        else:
            messages.success(request, _("The consent was recorded."))
            if not is_htmx(request):
                return redirect(reverse("people:contact-detail", args=[contact.pk]))
            return _panel(request, contact)
    else:
        status = 422
    if not is_htmx(request):
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, str(problem))
        return redirect(reverse("people:contact-detail", args=[contact.pk]))
    return _panel(request, contact, form, status)


@login_required
def consent_history(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Every consent event of the contact, newest first."""
    contact = selectors.visible_contact(request.user, pk)
    return render(
        request,
        "marketing/consent_history.html",
        {"contact": contact, "history": selectors.history(contact, limit=None)},
    )


# --- the suppression list -----------------------------------------------------------------------------


@login_required
def suppression_list(request: AuthedRequest) -> HttpResponse:
    services.require_suppression_manager(request.user)
    form = SuppressionForm()
    status = 200
    if request.method == "POST":
        form = SuppressionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.suppress(
                    actor=request.user,
                    channel=data["channel"],
                    address=data["address"],
                    purpose=data["purpose"],
                    reason=SuppressionReason.MANUAL,
                    source=data["source"] or request.user.get_full_name(),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
                status = 422
            else:
                messages.success(request, _("%(address)s is on the suppression list.") % {"address": data["address"]})
                return redirect("marketing:suppression-list")
        else:
            status = 422
    search = request.GET.get("q", "")
    channel = request.GET.get("channel", "")
    reason = request.GET.get("reason", "")
    rows = selectors.suppressions(request.user, search=search, channel=channel, reason=reason)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    base = [("q", search), ("channel", channel), ("reason", reason)]
    return render(
        request,
        "marketing/suppression_list.html",
        {
            "page": page,
            "form": form,
            "search": search,
            "channel": channel,
            "reason": reason,
            "channels": ConsentChannel.choices,
            "reasons": SuppressionReason.choices,
            "prev_link": urlencode([*base, ("page", page.previous_page_number())]) if page.has_previous() else "",
            "next_link": urlencode([*base, ("page", page.next_page_number())]) if page.has_next() else "",
        },
        status=status,
    )


@login_required
@require_POST
def suppression_remove(request: AuthedRequest, pk: Any) -> HttpResponse:
    row = selectors.suppression(request.user, pk)
    raw = request.POST.get("version", "")
    try:
        services.unsuppress(actor=request.user, suppression=row, version=int(raw) if raw.isdigit() else None)
    except Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for problems in message_dict(exc).values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("%(address)s was taken off the suppression list.") % {"address": row.address})
    return redirect("marketing:suppression-list")
