"""Quote screens: the list, a quote's page (lines, VAT per rate, totals, revisions), its PDF, the send
form, accepting, declining and revising. Every write goes through the quote services."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.core import access, languages, lists
from accord.core.access import AccessDenied, Action
from accord.core.errors import Conflict, message_dict
from accord.core.forms import apply_errors
from accord.core.requests import AuthedRequest
from accord.identity.selectors import active_users
from accord.sales import selectors as sales_selectors
from accord.sales.forms.quotes import DecisionForm, QuoteForm, SendForm
from accord.sales.models import Deal, Quote, QuoteStatus
from accord.sales.pdf import day, number, quote_language, render_quote
from accord.sales.selectors import quotes as selectors
from accord.sales.services import quotes as services
from accord.sales.services.lines import totals


def deal_url(deal: Deal | Any) -> str:
    try:
        return reverse("sales:deal-detail", args=[deal.pk])
    except NoReverseMatch:
        return reverse("sales:quote-list") + f"?deal={deal.pk}"


def _report(request: HttpRequest, exc: ValidationError | Conflict) -> None:
    if isinstance(exc, Conflict):
        messages.error(request, exc.message)
        return
    for problems in message_dict(exc).values():
        for problem in problems:
            messages.error(request, problem)


def _flat(params: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in params.items() for v in values]


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


@login_required
def quote_list(request: HttpRequest) -> HttpResponse:
    query = selectors.quote_query(request.GET, user=request.user)
    page = selectors.quote_page(request.user, query)
    base = dict(query.raw)
    return render(
        request,
        "sales/quote_list.html",
        {
            **lists.context(request, lists.get("quote"), query),
            "page": page,
            "query": query,
            "statuses": QuoteStatus.choices,
            "expired_filter": base.get("expired", [""])[0],
            "owners": active_users(),
            "next_link": urlencode([*_flat(base), ("cursor", page.next_cursor)]) if page.next_cursor else "",
            "prev_link": urlencode([*_flat(base), ("before", page.prev_cursor)]) if page.prev_cursor else "",
        },
    )


@login_required
def quote_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    quote = selectors.quote_detail(request.user, pk)
    return render(request, "sales/quote_detail.html", _detail_context(request, quote))


def _detail_context(request: HttpRequest, quote: Quote, **forms: Any) -> dict[str, Any]:
    lines = list(quote.lines.all())
    for line in lines:
        # Quantities and rates without trailing zeros (2.5 h, 7.5%), in the reader's notation.
        line.quantity_text = number(line.quantity)  # type: ignore[attr-defined]
        line.discount_text = number(line.discount_percent)  # type: ignore[attr-defined]
        line.vat_text = number(line.vat_rate)  # type: ignore[attr-defined]
    summary = totals(lines)
    revisions = selectors.revisions(quote)
    # A quote is a priced document: making, changing, sending and deciding it need its amounts.
    can_change = access.can(request.user, Action.CHANGE, quote.deal) and access.sees_amounts(request.user)
    expired = services.is_expired(quote)
    return {
        "quote": quote,
        "deal": quote.deal,
        "deal_url": deal_url(quote.deal),
        "lines": lines,
        "vat_rates": [{"rate": number(rate), **amounts} for rate, amounts in summary.by_rate.items()],
        "revisions": revisions,
        "expired": expired,
        "can_change": can_change,
        "can_edit": can_change and quote.status == QuoteStatus.DRAFT,
        "can_send": can_change and quote.status == QuoteStatus.DRAFT and not expired,
        "can_decide": can_change and quote.status == QuoteStatus.SENT and not expired,
        "can_accept_superseded": can_change
        and quote.status == QuoteStatus.SUPERSEDED
        and quote.sent_at is not None
        and not expired,
        "can_revise": can_change
        and quote.deal.status == "open"
        and not any(r.status == QuoteStatus.ACCEPTED for r in revisions),
        "edit_form": forms.get("edit_form")
        or QuoteForm(initial={"valid_until": quote.valid_until, "terms": quote.terms, "version": quote.version}),
        "decision_form": DecisionForm(initial={"version": quote.version, "win_deal": quote.deal.status == "open"}),
        # A quote still to be sent that would print without the seller's name, address, tax id or
        # bank account says so, with the way to the settings for those who keep them.
        "missing_seller": services.missing_seller_details(quote) if quote.status == QuoteStatus.DRAFT else [],
        "can_edit_seller": access.is_admin(request.user),
    }


@login_required
@require_POST
def quote_create(request: AuthedRequest, deal_pk: Any) -> HttpResponse:
    """Make a quote from the deal's lines (the "Create quote" button on the deal's page)."""
    deal = sales_selectors.deal_detail(request.user, deal_pk)
    try:
        quote = services.create_from_deal(actor=request.user, deal=deal)
    except ValidationError as exc:
        _report(request, exc)
        return redirect(deal_url(deal))
    messages.success(request, _("Quote %(number)s was made from the deal's lines.") % {"number": quote.label})
    return redirect("sales:quote-detail", pk=quote.pk)


@login_required
@require_POST
def quote_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    quote = selectors.quote_detail(request.user, pk)
    form = QuoteForm(request.POST)
    if form.is_valid():
        try:
            services.update_draft(
                actor=request.user,
                quote=quote,
                data={"valid_until": form.cleaned_data["valid_until"], "terms": form.cleaned_data["terms"]},
                expected_version=form.cleaned_data["version"],
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The quote was saved."))
            return redirect("sales:quote-detail", pk=quote.pk)
    return render(request, "sales/quote_detail.html", _detail_context(request, quote, edit_form=form), status=422)


@login_required
def quote_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    quote = selectors.quote_detail(request.user, pk)
    if not access.sees_amounts(request.user):
        # The PDF is the quote's prices; a role that may not see amounts is refused it, not given
        # a document with holes.
        raise AccessDenied(_("Your role may not see amounts, so it may not download quotes."))
    response = HttpResponse(render_quote(quote), content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{quote.label.replace("/", "-")}.pdf"'
    return response


@login_required
def quote_send(request: AuthedRequest, pk: Any) -> HttpResponse:
    """The send form, its recipient taken from the deal's contact and its words written in the
    customer's language (as the PDF is); a mail server that refuses the message leaves the quote a
    draft and says so on the form."""
    quote = selectors.quote_detail(request.user, pk)
    if not access.can(request.user, Action.CHANGE, quote.deal):
        raise AccessDenied()
    if quote.status != QuoteStatus.DRAFT:
        messages.info(request, _("This quote was already sent: make a new revision to send it again."))
        return redirect("sales:quote-detail", pk=quote.pk)
    status = 200
    language = quote_language(quote)
    if request.method == "POST":
        form = SendForm(request.POST)
        if form.is_valid():
            try:
                services.send(
                    actor=request.user,
                    quote=quote,
                    to=form.cleaned_data["to"],
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                    expected_version=form.cleaned_data["version"],
                )
            except services.SendFailed as exc:
                form.add_error(None, exc.message)
                status = 502
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                apply_errors(form, exc)
                status = 422
            else:
                messages.success(
                    request, _("Quote %(number)s was sent to %(to)s.") % {"number": quote.label, "to": quote.sent_to}
                )
                return redirect("sales:quote-detail", pk=quote.pk)
        else:
            status = 422
    else:
        seller = request.user
        with languages.writing_in(language):
            initial = {
                "subject": _("Quote %(number)s") % {"number": quote.label},
                "message": _(
                    "Hello,\n\nplease find attached our quote %(number)s, valid until %(date)s.\n\n"
                    "Kind regards,\n%(name)s"
                )
                % {"number": quote.label, "date": day(quote.valid_until), "name": seller},
            }
        form = SendForm(initial={**initial, "to": services.recipient_for(quote), "version": quote.version})
    context = {"quote": quote, "form": form, "language_name": get_language_info(language)["name_translated"]}
    return render(request, "sales/quote_send.html", context, status=status)


@login_required
@require_POST
def quote_accept(request: AuthedRequest, pk: Any) -> HttpResponse:
    quote = selectors.quote_detail(request.user, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        services.accept(
            actor=request.user,
            quote=quote,
            note=form.cleaned_data.get("note", ""),
            win=bool(form.cleaned_data.get("win_deal")),
            expected_version=_version(request),
        )
    except (ValidationError, Conflict) as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Quote %(number)s was accepted.") % {"number": quote.label})
    return redirect("sales:quote-detail", pk=quote.pk)


@login_required
@require_POST
def quote_decline(request: AuthedRequest, pk: Any) -> HttpResponse:
    quote = selectors.quote_detail(request.user, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        services.decline(
            actor=request.user, quote=quote, note=form.cleaned_data.get("note", ""), expected_version=_version(request)
        )
    except (ValidationError, Conflict) as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Quote %(number)s was declined.") % {"number": quote.label})
    return redirect("sales:quote-detail", pk=quote.pk)


@login_required
@require_POST
def quote_revise(request: AuthedRequest, pk: Any) -> HttpResponse:
    """A new revision with the deal's current lines (how a sent quote is changed)."""
    quote = selectors.quote_detail(request.user, pk)
    try:
        new = services.revise(actor=request.user, quote=quote, expected_version=_version(request))
    except (ValidationError, Conflict) as exc:
        _report(request, exc)
        return redirect("sales:quote-detail", pk=quote.pk)
    messages.success(
        request, _("Revision %(revision)s of %(number)s is ready.") % {"revision": new.revision, "number": new.number}
    )
    return redirect("sales:quote-detail", pk=new.pk)
