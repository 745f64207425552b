"""The collections screens: steps waiting for approval, the day's collection calls and the steps
taken; the decisions and the call's result go to the collections services."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.billing.models import CallResult
from accord.billing.selectors import collections as selectors
from accord.billing.services import collections as services
from accord.billing.views.common import report
from accord.core import access
from accord.core.access import AccessDenied
from accord.core.requests import AuthedRequest


@login_required
def collections_home(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "billing/collections.html",
        {
            "awaiting": selectors.awaiting_approval(request.user),
            "recent": selectors.recent_steps(request.user),
            "pauses": selectors.open_pauses(request.user),
            "ladders": selectors.ladders(),
            "rates": selectors.interest_rates()[:6],
        },
    )


@login_required
@require_POST
def step_decide(request: AuthedRequest, pk: Any) -> HttpResponse:
    step = selectors.step(request.user, pk)
    if step is None:
        raise Http404
    decision = request.POST.get("decision", "")
    try:
        if decision == "approve":
            services.approve_step(actor=request.user, step=step)
            messages.success(request, _("Approved: %(action)s.") % {"action": step.get_action_display()})
        elif decision == "reject":
            services.reject_step(actor=request.user, step=step)
            messages.success(request, _("Stopped: %(action)s.") % {"action": step.get_action_display()})
        else:
            messages.error(request, _("Choose to approve or to stop the step."))
    except ValidationError as exc:
        report(request, exc)
    return redirect("billing:collections-approvals")


@login_required
def call_list(request: AuthedRequest) -> HttpResponse:
    everyone = request.GET.get("all") == "1" and access.sees_all(request.user)
    return render(
        request,
        "billing/collection_calls.html",
        {
            "calls": selectors.call_list(request.user, everyone=everyone),
            "everyone": everyone,
            "may_see_all": access.sees_all(request.user),
            "results": CallResult.choices,
        },
    )


def _date(raw: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        raise ValidationError({"promised_on": [_("Enter a date as YYYY-MM-DD.")]}) from None


@login_required
@require_POST
def call_log(request: AuthedRequest, pk: Any) -> HttpResponse:
    step = selectors.step(request.user, pk)
    if step is None:
        raise Http404
    try:
        services.log_call(
            actor=request.user,
            step=step,
            result=request.POST.get("result", ""),
            note=request.POST.get("note", "")[:2000],
            promised_on=_date(request.POST.get("promised_on", "")),
            amount=request.POST.get("amount", ""),
            dispute_reason=request.POST.get("note", "")[:300],
        )
    except ValidationError as exc:
        report(request, exc)
    else:
        messages.success(request, _("The call was logged."))
    return redirect("billing:collection-calls")


def _customer(request: AuthedRequest, kind: str, pk: Any) -> tuple[Any, Any]:
    """The company or the contact a collections URL names (``kind``), if the user may see it."""
    from accord.core import selectors as core_selectors
    from accord.people.models import Company, Contact

    company = core_selectors.find_visible(request.user, Company, pk) if kind == "company" else None
    contact = core_selectors.find_visible(request.user, Contact, pk) if kind == "contact" else None
    if company is None and contact is None:
        raise Http404
    return company, contact


@login_required
def handoff_package(request: AuthedRequest, kind: str, pk: Any) -> HttpResponse:
    """The case for a lawyer or a debt collector, as one ZIP (the customer must be in sight)."""
    from accord.billing import handoff

    company, contact = _customer(request, kind, pk)
    content = handoff.package(company=company, contact=contact)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="collection-case-{pk}.zip"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def dispute_open(request: AuthedRequest, pk: Any) -> HttpResponse:
    from accord.billing.selectors import invoices as invoice_selectors

    invoice = invoice_selectors.invoice_detail(request.user, pk)
    try:
        services.open_dispute(actor=request.user, invoice=invoice, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        report(request, exc)
    else:
        messages.success(request, _("The dispute was recorded; collections wait for this invoice."))
    return redirect("billing:invoice-detail", pk=invoice.pk)


@login_required
@require_POST
def dispute_resolve(request: AuthedRequest, pk: Any, dispute_pk: Any) -> HttpResponse:
    from accord.billing.selectors import invoices as invoice_selectors

    invoice = invoice_selectors.invoice_detail(request.user, pk)
    dispute = next((d for d in selectors.disputes_of(request.user, invoice) if str(d.pk) == str(dispute_pk)), None)
    if dispute is None:
        raise Http404
    services.resolve_dispute(actor=request.user, dispute=dispute, resolution=request.POST.get("resolution", ""))
    messages.success(request, _("The dispute was resolved; collections go on for this invoice."))
    return redirect("billing:invoice-detail", pk=invoice.pk)


def _posted_levels(request: AuthedRequest) -> list[dict[str, Any]]:
    """The level rows of the ladder form (a row with no action is left out)."""
    rows = []
    for i in range(int(request.POST.get("rows", "0") or 0) if request.POST.get("rows", "").isdigit() else 0):
        action = request.POST.get(f"action-{i}", "")
        if not action:
            continue
        rows.append(
            {
                "days_after_due": request.POST.get(f"days-{i}", ""),
                "action": action,
                "template_kind": request.POST.get(f"template-{i}", ""),
                "needs_approval": request.POST.get(f"approval-{i}") == "1",
            }
        )
    return rows[:20]


@login_required
def collection_settings(request: AuthedRequest) -> HttpResponse:
    """Administrators: the ladders with their levels, and the interest rates."""
    from accord.billing.models import CollectionActionKind

    if not access.is_admin(request.user):
        raise AccessDenied()
    # Each ladder with two empty rows to add a level.
    ladders = [(ladder, [*ladder.levels.all(), None, None]) for ladder in selectors.ladders()]
    return render(
        request,
        "billing/collection_settings.html",
        {
            "ladders": ladders,
            "blank_rows": [None] * 5,
            "actions": CollectionActionKind.choices,
            "template_kinds": selectors.template_kinds(),
            "rates": selectors.interest_rates(),
        },
    )


@login_required
@require_POST
def ladder_save(request: AuthedRequest, pk: Any = None) -> HttpResponse:
    from accord.billing.models import CollectionLadder

    ladder = selectors.ladder(pk) if pk else None
    if pk and ladder is None:
        raise Http404
    try:
        saved: CollectionLadder = services.save_ladder(
            actor=request.user,
            ladder=ladder,
            name=request.POST.get("name", ""),
            min_days_between_steps=request.POST.get("min_days_between_steps", "7"),
            is_default=request.POST.get("is_default") == "1",
            levels=_posted_levels(request),
        )
    except ValidationError as exc:
        report(request, exc)
    else:
        messages.success(request, _("The ladder %(name)s was saved.") % {"name": saved.name})
    return redirect("billing:collection-settings")


@login_required
@require_POST
def rate_save(request: AuthedRequest) -> HttpResponse:
    try:
        services.set_interest_rate(
            actor=request.user,
            valid_from=request.POST.get("valid_from", ""),
            annual_percent=request.POST.get("annual_percent", ""),
        )
    except ValidationError as exc:
        report(request, exc)
    else:
        messages.success(request, _("The interest rate was saved."))
    return redirect("billing:collection-settings")


@login_required
@require_POST
def profile_save(request: AuthedRequest, kind: str, pk: Any) -> HttpResponse:
    """A customer's ladder and key-account flag, from the invoice page."""
    company, contact = _customer(request, kind, pk)
    ladder = selectors.ladder(request.POST.get("ladder", ""))
    services.save_profile(
        actor=request.user,
        company=company,
        contact=contact,
        ladder=ladder,
        key_account=request.POST.get("key_account") == "1",
    )
    messages.success(request, _("The customer's collections settings were saved."))
    from accord.core.redirects import safe_next

    return redirect(safe_next(request, reverse("billing:collections-approvals")))
