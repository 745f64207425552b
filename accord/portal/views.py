"""The portal's pages. Every page of a signed-in portal user goes through ``portal_page``, which
finds their ``PortalAccess``; every read is a portal selector filtered by it, every write a portal
service. A staff user without portal access sees a page saying so, never a customer's record."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accord.billing.pdf import file_name, render_invoice
from accord.core.errors import Conflict, message_dict
from accord.core.forms import apply_errors
from accord.identity.models import PortalAccess, PortalKind
from accord.identity.services import users as user_services
from accord.portal import forms, selectors
from accord.portal.services import customers, partners, signin
from accord.sales.models import QuoteStatus
from accord.service.models import OPEN_STATUSES

BACKEND = "accord.identity.backends.AccordBackend"
View = Callable[..., HttpResponse]


def portal_page(kind: str | None = None) -> Callable[[View], View]:
    """The page needs a signed-in portal user (of ``kind``, when given); the view gets their access."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("portal:login"))
            access = selectors.access_of(request.user)
            if access is None:
                return render(request, "portal/not_a_portal_user.html", status=403)
            if kind is not None and access.kind != kind:
                raise Http404
            return view(request, access, *args, **kwargs)

        return wrapper

    return decorate


def _version(request: HttpRequest) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


def _flash(request: HttpRequest, exc: ValidationError | Conflict) -> None:
    if isinstance(exc, Conflict):
        messages.error(request, exc.message)
        return
    for problems in message_dict(exc).values():
        for problem in problems:
            messages.error(request, problem)


# --- signing in ---------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password")
def login(request: HttpRequest) -> HttpResponse:
    """Sign in with e-mail and password, or ask for a sign-in link by e-mail."""
    if request.user.is_authenticated and selectors.access_of(request.user) is not None:
        return redirect("portal:home")
    form = forms.PasswordLoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if selectors.access_of(user) is not None:
            auth_login(request, user)
            return redirect(_next(request))
        # A staff member's password is not a portal password: the same answer as a wrong one.
        form.add_error(None, form.error_messages["invalid_login"] % {"username": form.username_field.verbose_name})
    return render(
        request,
        "portal/login.html",
        {"form": form, "link_form": forms.LinkForm(), "next": request.GET.get("next", "")},
        status=200 if request.method == "GET" or form.is_valid() else 400,
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/portal/") and not target.startswith("//") else reverse("portal:home")


@never_cache
@require_POST
def link_request(request: HttpRequest) -> HttpResponse:
    form = forms.LinkForm(request.POST)
    if form.is_valid():
        signin.request_link(email=form.cleaned_data["email"])
    # Whether or not the address is known, and even when it is not an address: nobody learns
    # from this answer who has an account.
    return render(request, "portal/link_sent.html")


@never_cache
def link(request: HttpRequest, token: str) -> HttpResponse:
    """A sign-in link. Opening it shows a button (mail scanners that follow links spend nothing);
    pressing it signs in and spends the link."""
    if request.method != "POST":
        return render(request, "portal/link.html", {"token": token})
    user = signin.redeem(raw=token)
    if user is None:
        return render(request, "portal/link.html", {"token": token, "spent": True}, status=400)
    auth_login(request, user, backend=BACKEND)
    return redirect("portal:home")


# --- home ---------------------------------------------------------------------------------------------


@portal_page()
def home(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    if access.kind == PortalKind.PARTNER:
        return redirect("portal:leads")
    invoices = list(selectors.invoices(access)[:50])
    context = {
        "access": access,
        "open_tickets": selectors.tickets(access).filter(status__in=OPEN_STATUSES).count(),
        "quotes_to_decide": selectors.quotes(access).filter(status=QuoteStatus.SENT).count(),
        "overdue": [i for i in invoices if selectors.is_overdue(i)],
    }
    return render(request, "portal/home.html", context)


# --- tickets ------------------------------------------------------------------------------------------


@portal_page(PortalKind.CUSTOMER)
def tickets(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    return render(request, "portal/tickets.html", {"access": access, "tickets": selectors.tickets(access)[:200]})


@portal_page(PortalKind.CUSTOMER)
def ticket_create(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    form = forms.TicketForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = customers.open_ticket(access=access, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Thank you. Your ticket #%(number)s is open.") % {"number": ticket.number})
            return redirect("portal:ticket", pk=ticket.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "portal/ticket_create.html", {"access": access, "form": form}, status=status)


@portal_page(PortalKind.CUSTOMER)
def ticket_suggest(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    """Articles that may answer the question being typed (the form's fields, as htmx sends them)."""
    text = " ".join((request.GET.get("subject", ""), request.GET.get("body", "")))[:2000]
    articles = selectors.suggestions(text, get_language() or "en")
    return render(request, "portal/_suggestions.html", {"articles": articles})


@portal_page(PortalKind.CUSTOMER)
def ticket(request: HttpRequest, access: PortalAccess, pk: Any) -> HttpResponse:
    found = selectors.ticket(access, pk)
    context = {
        "access": access,
        "ticket": found,
        "conversation": selectors.conversation(found),
        "form": forms.ReplyForm(),
    }
    return render(request, "portal/ticket.html", context)


@portal_page(PortalKind.CUSTOMER)
@require_POST
def ticket_reply(request: HttpRequest, access: PortalAccess, pk: Any) -> HttpResponse:
    found = selectors.ticket(access, pk)
    try:
        message = customers.write(access=access, ticket=found, body=request.POST.get("body", ""))
    except ValidationError as exc:
        _flash(request, exc)
        return redirect("portal:ticket", pk=found.pk)
    if message.ticket_id != found.pk:
        messages.success(request, _("This ticket was closed, so your message opened a new one."))
    return redirect("portal:ticket", pk=message.ticket_id)


def article(request: HttpRequest, pk: Any) -> HttpResponse:
    """A public knowledge base article (the suggestions link here)."""
    return render(request, "portal/article.html", {"article": selectors.article(pk)})


# --- quotes, orders, invoices -------------------------------------------------------------------------


@portal_page(PortalKind.CUSTOMER)
def quotes(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    return render(request, "portal/quotes.html", {"access": access, "quotes": selectors.quotes(access)[:200]})


@portal_page(PortalKind.CUSTOMER)
def quote(request: HttpRequest, access: PortalAccess, pk: Any) -> HttpResponse:
    found = selectors.quote(access, pk)
    return render(request, "portal/quote.html", {"access": access, "quote": found, "lines": list(found.lines.all())})


@portal_page(PortalKind.CUSTOMER)
@require_POST
def quote_accept(request: HttpRequest, access: PortalAccess, pk: Any) -> HttpResponse:
    found = selectors.quote(access, pk)
    try:
        customers.accept_quote(access=access, quote=found, version=_version(request))
    except (ValidationError, Conflict) as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Thank you: quote %(number)s is accepted.") % {"number": found.label})
    return redirect("portal:quote", pk=found.pk)


@portal_page(PortalKind.CUSTOMER)
def orders(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    return render(request, "portal/orders.html", {"access": access, "orders": selectors.orders(access)[:200]})


@portal_page(PortalKind.CUSTOMER)
def order(request: HttpRequest, access: PortalAccess, pk: Any) -> HttpResponse:
    found = selectors.order(access, pk)
    return render(request, "portal/order.html", {"access": access, "order": found, "lines": list(found.lines.all())})


@portal_page(PortalKind.CUSTOMER)
def invoices(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    rows = [(i, selectors.is_overdue(i)) for i in selectors.invoices(access)[:200]]
    return render(request, "portal/invoices.html", {"access": access, "rows": rows})


@portal_page(PortalKind.CUSTOMER)
def invoice(request: HttpRequest, access: PortalAccess, pk: Any) -> HttpResponse:
    found = selectors.invoice(access, pk)
    context = {
        "access": access,
        "invoice": found,
        "lines": list(found.lines.all()),
        "overdue": selectors.is_overdue(found),
    }
    return render(request, "portal/invoice.html", context)


@portal_page(PortalKind.CUSTOMER)
def invoice_pdf(request: HttpRequest, access: PortalAccess, pk: Any) -> HttpResponse:
    found = selectors.invoice(access, pk)
    response = HttpResponse(render_invoice(found), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_name(found)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- their own details --------------------------------------------------------------------------------


def _account(request: HttpRequest, access: PortalAccess, status: int = 200, **forms_given: Any) -> HttpResponse:
    contact = access.contact
    initial = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.primary_email,
        "phone": contact.primary_phone,
    }
    context = {
        "access": access,
        "details_form": forms_given.get("details_form") or forms.DetailsForm(initial=initial),
        "password_form": forms_given.get("password_form") or forms.PasswordForm(),
        "consents": [
            (cell, customers.consent_text(cell.channel, cell.purpose)) for cell in customers.consent_choices(access)
        ],
    }
    return render(request, "portal/account.html", context, status=status)


@portal_page()
def account(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    return _account(request, access)


@portal_page()
@require_POST
def account_details(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    form = forms.DetailsForm(request.POST)
    if form.is_valid():
        try:
            customers.update_details(access=access, version=_version(request), **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Your details are saved."))
            return redirect("portal:account")
    return _account(request, access, status=422, details_form=form)


@portal_page()
@require_POST
def account_consents(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    granted = set()
    for value in request.POST.getlist("consent"):
        channel, _sep, purpose = value.partition(":")
        granted.add((channel, purpose))
    try:
        customers.set_consents(access=access, granted=granted, address=request.META.get("REMOTE_ADDR"))
    except (ValidationError, Conflict) as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Your choices are saved."))
    return redirect("portal:account")


@portal_page()
@require_POST
@sensitive_post_parameters("new_password")
def account_password(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    form = forms.PasswordForm(request.POST)
    if form.is_valid():
        try:
            user = user_services.set_password(
                actor=access.user, user=access.user, password=form.cleaned_data["new_password"]
            )
        except ValidationError as exc:
            exc = ValidationError({"new_password": message_dict(exc).get("password", exc.messages)})
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password is set. You can sign in with it from now on."))
            return redirect("portal:account")
    return _account(request, access, status=422, password_form=form)


@portal_page()
def account_data(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    """A copy of everything Accord holds on the portal user, as a JSON file."""
    document = customers.my_data(access=access)
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- partners -----------------------------------------------------------------------------------------


@portal_page(PortalKind.PARTNER)
def leads(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    form = forms.LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead = partners.register_lead(access=access, data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Thank you: %(name)s is registered.") % {"name": lead})
            return redirect("portal:leads")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "portal/leads.html",
        {
            "access": access,
            "form": form,
            "leads": selectors.leads(access)[:200],
        },
        status=status,
    )


@portal_page(PortalKind.PARTNER)
def deals(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    form = forms.DealRegistrationForm(request.POST or None, initial={"currency": settings.DEFAULT_CURRENCY})
    if request.method == "POST" and form.is_valid():
        try:
            deal = partners.register_deal(access=access, data=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Thank you: %(name)s is registered.") % {"name": deal.name})
            return redirect("portal:deals")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "portal/deals.html",
        {"access": access, "form": form, "deals": selectors.deals(access)[:200]},
        status=status,
    )
