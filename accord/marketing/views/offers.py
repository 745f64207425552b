"""Marketing → Offers: the rules (list, form, delete) with each rule's uplift report, and the
next-best-offer panel on a contact's page with its actions (log the offer as made, make a deal,
not interested)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
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
from accord.marketing.models import ExposureKind, OfferRule
from accord.marketing.offer_forms import OfferRuleForm
from accord.marketing.selectors import offers as selectors
from accord.marketing.services import offers as services
from accord.people.models import Contact


@login_required
def offer_list(request: AuthedRequest) -> HttpResponse:
    rules = list(selectors.rules_for(request.user))
    return render(request, "marketing/offers/list.html", {"rules": rules})


def _form_page(
    request: AuthedRequest, form: OfferRuleForm, rule: OfferRule | None, extra: list[str], status: int = 200
) -> HttpResponse:
    return render(
        request, "marketing/offers/form.html", {"form": form, "rule": rule, "extra_errors": extra}, status=status
    )


def _save(request: AuthedRequest, rule: OfferRule | None) -> HttpResponse:
    form = OfferRuleForm(request.POST, rule=rule)
    if not form.is_valid():
        return _form_page(request, form, rule, [], status=422)
    data = form.service_data()
    if form.errors:
        return _form_page(request, form, rule, [], status=422)
    try:
        if rule is None:
            saved = services.create_rule(actor=request.user, data=data)
        else:
            saved = services.update_rule(
                actor=request.user, rule=rule, data=data, expected_version=form.cleaned_data.get("version")
            )
    except ValidationError as exc:
        left = apply_errors(form, exc)
        extra = [m for messages_ in left.values() for m in messages_]
        return _form_page(request, form, rule, extra, status=422)
    except Conflict as exc:
        form.add_error(None, exc.message)
        return _form_page(request, form, rule, [], status=409)
    messages.success(request, _("The offer rule “%(name)s” is saved.") % {"name": saved.name})
    return redirect("marketing:offer-detail", pk=saved.pk)


@login_required
def offer_create(request: AuthedRequest) -> HttpResponse:
    selectors.require_offer_manager(request.user)
    if request.method == "POST":
        return _save(request, None)
    return _form_page(request, OfferRuleForm(), None, [])


@login_required
def offer_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    rule = selectors.rule_detail(request.user, pk)
    if request.method == "POST":
        return _save(request, rule)
    return _form_page(request, OfferRuleForm(rule=rule), rule, [])


@login_required
def offer_detail(request: AuthedRequest, pk: Any) -> HttpResponse:
    """A rule with its uplift report."""
    rule = selectors.rule_detail(request.user, pk)
    return render(
        request,
        "marketing/offers/detail.html",
        {"rule": rule, "report": selectors.uplift(rule), "min_group": selectors.MIN_GROUP},
    )


@login_required
@require_POST
def offer_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    rule = selectors.rule_detail(request.user, pk)
    try:
        version = int(request.POST.get("version") or 0) or None
        services.delete_rule(actor=request.user, rule=rule, expected_version=version)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("marketing:offer-detail", pk=rule.pk)
    messages.success(request, _("The offer rule “%(name)s” is deleted.") % {"name": rule.name})
    return redirect("marketing:offer-list")


# --- the contact's panel ------------------------------------------------------------------------------


def offer_context(request: HttpRequest, contact: Contact, error: str = "") -> dict[str, Any]:
    """The contact's next best offer; showing it (or holding it back from a held-out contact) is
    recorded, since the uplift is measured from there."""
    offer = selectors.next_best_offer(contact, include_held_out=True)
    if offer is not None:
        services.record_exposure(offer=offer, kind=ExposureKind.SHOWN)
        if offer.held_out:
            offer = None
    return {
        "contact": contact,
        "offer": offer,
        "can_act": access.can(request.user, Action.CHANGE, contact),
        "can_deal": access.can_create(request.user),
        "error": error,
    }


def _panel(request: HttpRequest, contact: Contact, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request, "marketing/_offer_panel.html", {"ctx": offer_context(request, contact, error)}, status=status
    )


def _act(request: AuthedRequest, pk: Any, action: str) -> HttpResponse:
    contact = selectors.visible_contact(request.user, pk)
    rule_id = request.POST.get("rule", "")
    try:
        if action == "made":
            services.log_offer_made(actor=request.user, contact=contact, rule_id=rule_id)
            done = _("The offer is on the timeline.")
        elif action == "deal":
            deal = services.create_offer_deal(actor=request.user, contact=contact, rule_id=rule_id)
            messages.success(request, _("The deal “%(name)s” is created.") % {"name": deal.name})
            url = reverse("sales:deal-detail", args=[deal.pk])
            if is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        else:
            services.decline_offer(actor=request.user, contact=contact, rule_id=rule_id)
            done = _("The offer will not be made again for %(days)d days.") % {"days": selectors.DECLINE_DAYS}
    except ValidationError as exc:
        error = " ".join(m for found in message_dict(exc).values() for m in found)
        if not is_htmx(request):
            messages.error(request, error)
            return redirect("people:contact-detail", pk=contact.pk)
        return _panel(request, contact, error, status=422)
    if not is_htmx(request):
        messages.success(request, done)
        return redirect("people:contact-detail", pk=contact.pk)
    return _panel(request, contact)


@login_required
@require_POST
def offer_made(request: AuthedRequest, pk: Any) -> HttpResponse:
    return _act(request, pk, "made")


@login_required
@require_POST
def offer_deal(request: AuthedRequest, pk: Any) -> HttpResponse:
    return _act(request, pk, "deal")


@login_required
@require_POST
def offer_decline(request: AuthedRequest, pk: Any) -> HttpResponse:
    return _act(request, pk, "decline")
