"""Lead screens: the list, a lead's page, its form, conversion, and the public web-to-lead form."""

from __future__ import annotations

import decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.csp import CSP, build_policy
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accord.core import access, lists
from accord.core.access import AccessDenied, Action
from accord.core.errors import Conflict
from accord.core.forms import apply_errors
from accord.core.listing import parse
from accord.core.requests import AuthedRequest
from accord.identity.selectors import active_users, assignable_users
from accord.people import duplicates
from accord.sales import selectors
from accord.sales.forms.leads import ConvertForm, LeadForm
from accord.sales.models import LeadSource, LeadStatus, WebForm
from accord.sales.selectors import leads as lead_selectors
from accord.sales.selectors import settings as settings_selectors
from accord.sales.services import leads as services
from accord.sales.services.admin_settings import origin_allowed


def _flat(params: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in params.items() for v in values]


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    query = parse(selectors.LEAD_LIST, request.GET, strict=False, default_limit=settings.ACCORD_PAGE_SIZE)
    page = selectors.lead_page(request.user, query)
    base = dict(query.raw)
    return render(
        request,
        "sales/lead_list.html",
        {
            **lists.context(request, lists.get("lead"), query),
            "page": page,
            "query": query,
            "statuses": LeadStatus.choices,
            "sources": LeadSource.choices,
            "owners": active_users(),
            "next_link": urlencode([*_flat(base), ("cursor", page.next_cursor)]) if page.next_cursor else "",
            "prev_link": urlencode([*_flat(base), ("before", page.prev_cursor)]) if page.prev_cursor else "",
        },
    )


@login_required
def lead_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    lead = selectors.lead_detail(request.user, pk)
    return render(
        request,
        "sales/lead_detail.html",
        {
            "lead": lead,
            "can_change": access.can(request.user, Action.CHANGE, lead),
            "can_delete": access.can(request.user, Action.DELETE, lead),
            "statuses": [s for s in LeadStatus.choices if s[0] != LeadStatus.CONVERTED],
            "score_reasons": lead_selectors.score_reasons(lead),
        },
    )


@login_required
def lead_form(request: AuthedRequest, pk: Any = None) -> HttpResponse:
    lead = selectors.lead_detail(request.user, pk) if pk else None
    if lead is None and not access.can_create(request.user):
        raise AccessDenied()
    if lead is not None and not access.can(request.user, Action.CHANGE, lead):
        raise AccessDenied()
    assignable = assignable_users(request.user)
    if request.method == "POST":
        form = LeadForm(request.POST, assignable=assignable)
        if form.is_valid():
            try:
                if lead is None:
                    lead = services.create_lead(actor=request.user, data=form.lead_data())
                else:
                    services.update_lead(
                        actor=request.user,
                        lead=lead,
                        data=form.lead_data(),
                        expected_version=form.cleaned_data["version"],
                    )
            except Conflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The lead was saved."))
                return redirect("sales:lead-detail", pk=lead.pk)
    else:
        form = LeadForm(initial=LeadForm.initial_for(lead, request.user), assignable=assignable)
    return render(request, "sales/lead_form.html", {"form": form, "lead": lead})


@login_required
@require_POST
def lead_status(request: AuthedRequest, pk: Any) -> HttpResponse:
    lead = selectors.lead_detail(request.user, pk)
    try:
        services.update_lead(actor=request.user, lead=lead, data={"status": request.POST.get("status", "")})
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    return redirect("sales:lead-detail", pk=lead.pk)


@login_required
@require_POST
def lead_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    lead = selectors.lead_detail(request.user, pk)
    services.delete_lead(actor=request.user, lead=lead)
    messages.success(request, _("The lead was deleted."))
    return redirect("sales:lead-list")


@login_required
def lead_convert(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Show what the lead will become (matching an existing contact and company where one fits),
    then convert it."""
    lead = selectors.lead_detail(request.user, pk)
    if not access.can(request.user, Action.CHANGE, lead):
        raise AccessDenied()
    if lead.status == LeadStatus.CONVERTED:
        messages.info(request, _("This lead was already converted."))
        return redirect("sales:lead-detail", pk=lead.pk)
    contacts = duplicates.contact_duplicates(
        request.user,
        first_name=lead.first_name,
        last_name=lead.last_name,
        emails=[lead.email] if lead.email else [],
        phones=[lead.phone] if lead.phone else [],
    )
    companies = duplicates.company_duplicates(request.user, name=lead.company_name) if lead.company_name else []
    form = ConvertForm(
        request.POST or None,
        lead=lead,
        contacts=contacts,
        companies=companies,
        amounts=access.sees_amounts(request.user),
    )
    if request.method == "POST" and form.is_valid():
        choice = form.cleaned_data
        try:
            result = services.convert_lead(
                actor=request.user,
                lead=lead,
                create_deal=choice["create_deal"],
                deal_name=choice["deal_name"],
                amount=choice.get("amount") or decimal.Decimal(0),
                contact=_pick(contacts, choice["contact"]),
                company=_pick(companies, choice["company"]),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The lead was converted."))
            if result.deal is not None:
                return redirect(_deal_url(result.deal))
            target = result.contact or result.company
            kind = "contact" if result.contact else "company"
            return redirect(reverse(f"people:{kind}-detail", args=[target.pk]) if target else "sales:lead-list")
    return render(
        request, "sales/lead_convert.html", {"lead": lead, "form": form, "contacts": contacts, "companies": companies}
    )


def _pick(found: list[Any], chosen: str) -> Any:
    """The existing record the user chose to reuse, or None for "create a new one"."""
    for duplicate in found:
        if str(duplicate.record.pk) == chosen:
            return duplicate.record
    return None


def _deal_url(deal: Any) -> str:
    try:
        return reverse("sales:deal-detail", args=[deal.pk])
    except NoReverseMatch:
        return reverse("sales:lead-list")


# --- the public web-to-lead form --------------------------------------------------------------------


def _client_address(request: HttpRequest) -> str | None:
    proxies = int(getattr(settings, "ACCORD_PROXY_COUNT", 0) or 0)
    forwarded = request.headers.get("X-Forwarded-For", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


@csrf_exempt  # posted from the customer's own website, which cannot hold our CSRF token
@xframe_options_exempt  # may be shown in an <iframe> on that website
def webform(request: HttpRequest, key: str) -> HttpResponse:
    """The public form: GET shows it (for an iframe or a link), POST creates a lead."""
    form = settings_selectors.public_web_form(key)
    response = _webform(request, form)
    response["Content-Security-Policy"] = build_policy(_webform_policy(form))
    return response


def _webform_policy(form: WebForm) -> dict[str, Any]:
    """Accord's policy, except where the form lives on the company's website: only that website
    (or any, when none is named) may show it in a frame, and the thanks may redirect there."""
    policy = {k: v for k, v in settings.SECURE_CSP.items() if k not in ("frame-ancestors", "form-action")}
    if form.allowed_origin:
        policy["frame-ancestors"] = [CSP.SELF, form.allowed_origin]
    return policy


def _webform(request: HttpRequest, form: WebForm) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    own = f"{request.scheme}://{request.get_host()}"
    if request.method == "POST" and not origin_allowed(
        form, origin=request.headers.get("Origin", ""), referer=request.headers.get("Referer", ""), own_origin=own
    ):
        return HttpResponseForbidden(_("This form cannot be sent from this website."))
    if request.method == "POST":
        try:
            services.submit_web_form(form=form, data=request.POST, address=_client_address(request))
        except services.Rejected as exc:
            if exc.reason == "spam":
                # Tell a bot nothing it can learn from: it looks like success.
                return _thanks(request, form)
            status = exc.status
            return render(request, "sales/webform_public.html", {"form": form, "rejected": exc.reason}, status=status)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            return _thanks(request, form)
    return render(
        request,
        "sales/webform_public.html",
        {"form": form, "errors": errors, "data": request.POST if request.method == "POST" else {}},
        status=422 if errors else 200,
    )


def _thanks(request: HttpRequest, form: WebForm) -> HttpResponse:
    if form.redirect_url:
        return redirect(form.redirect_url)
    return render(request, "sales/webform_thanks.html", {"form": form})
