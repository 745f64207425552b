"""Invoice screens: the list (filters by status, kind, overdue, customer; sorts), a new invoice,
an invoice's page (lines, VAT per rate, payments, corrections) with Issue, Record payment,
Correct and the PDF."""

from __future__ import annotations

import decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.billing import countries
from accord.billing.forms import BLANK_ROWS, CorrectionForm, InvoiceForm, PaymentForm, posted_lines, rate_choices
from accord.billing.models import Invoice, InvoiceKind, InvoiceStatus
from accord.billing.pdf import file_name, render_invoice
from accord.billing.selectors import invoices as selectors
from accord.billing.services import invoices as services
from accord.billing.services import payments as payment_services
from accord.billing.services.lines import ZERO
from accord.billing.views.common import company_for, decorate, line_errors, report, vat_rows, version
from accord.core import access, htmx, lists
from accord.core.access import AccessDenied, Action
from accord.core.errors import Conflict
from accord.core.forms import apply_errors
from accord.core.money import amount_in_words
from accord.core.requests import AuthedRequest


def _flat(params: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, values in params.items() for v in values]


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    try:
        query = selectors.invoice_query(request.GET)
    except ValidationError as exc:
        report(request, exc)
        query = selectors.invoice_query({})
    page = selectors.invoice_page(request.user, query)
    for invoice in page.items:
        invoice.shown_status = selectors.display_status(invoice)  # type: ignore[attr-defined]
    base = dict(query.raw)
    partial = htmx.is_htmx(request)
    return render(
        request,
        "billing/invoice_list.html#results" if partial else "billing/invoice_list.html",
        {
            **lists.context(request, lists.get("invoice"), query, oob=partial),
            "page": page,
            "query": query,
            "statuses": InvoiceStatus.choices,
            "kinds": InvoiceKind.choices,
            "overdue_filter": base.get("overdue", [""])[0],
            "company_filter": base.get("company", [""])[0],
            "can_create": access.can_create(request.user),
            "next_link": urlencode([*_flat(base), ("cursor", page.next_cursor)]) if page.next_cursor else "",
            "prev_link": urlencode([*_flat(base), ("before", page.prev_cursor)]) if page.prev_cursor else "",
        },
    )


def _detail_context(request: HttpRequest, invoice: Invoice, **extra: Any) -> dict[str, Any]:
    can_change = access.can(request.user, Action.CHANGE, invoice)
    draft = invoice.status == InvoiceStatus.DRAFT
    payable = invoice.kind == InvoiceKind.VAT and not draft
    return {
        "invoice": invoice,
        "status": selectors.display_status(invoice),
        "lines": decorate(list(invoice.lines.all())),
        "vat_rows": vat_rows(invoice.vat_summary or []),
        "allocations": list(invoice.allocations.all()),
        "corrections": list(invoice.corrections.all()),
        "in_words": amount_in_words(abs(invoice.gross_total), invoice.currency),
        "can_issue": can_change and draft,
        "can_delete": can_change and draft,
        "can_edit": can_change and draft,
        "can_pay": can_change and payable and invoice.outstanding > 0,
        "can_correct": can_change and invoice.kind == InvoiceKind.VAT and not draft,
        "payment_form": extra.get("payment_form")
        or PaymentForm(initial={"amount": invoice.outstanding, "received_on": timezone.localdate()}),
        **_collections_context(request, invoice, can_change),
    }


def _collections_context(request: HttpRequest, invoice: Invoice, can_change: bool) -> dict[str, Any]:
    from accord.billing.selectors import collections as collection_selectors

    disputes = collection_selectors.disputes_of(request.user, invoice)
    party = invoice.company or invoice.contact
    return {
        "can_profile": party is not None and access.can(request.user, Action.CHANGE, party),
        "profile": collection_selectors.profile_of(invoice.company, invoice.contact),
        "ladders": collection_selectors.ladders(),
        "collection_steps": collection_selectors.steps_of(request.user, invoice),
        "disputes": disputes,
        "open_dispute": any(d.resolved_at is None for d in disputes),
        "can_dispute": can_change and invoice.status in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID),
    }


@login_required
def invoice_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    invoice = selectors.invoice_detail(request.user, pk)
    return render(request, "billing/invoice_detail.html", _detail_context(request, invoice))


@login_required
def invoice_create(request: AuthedRequest) -> HttpResponse:
    """A new draft invoice typed in: the customer, the facts and up to a few lines."""
    access.require_create(request.user)
    status = 200
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    if request.method == "POST":
        form = InvoiceForm(request.POST)
        rows = posted_lines(request.POST)
        if form.is_valid():
            try:
                data = form.invoice_data()
                data["company"] = company_for(request, form.cleaned_data.get("company"))
                data["lines"] = rows
                invoice = services.create_invoice(actor=request.user, data=data)
            except ValidationError as exc:
                problems = line_errors(exc)
                apply_errors(form, exc, rows=("lines",))
            else:
                messages.success(request, _("The draft invoice was saved. Check it and issue it."))
                return redirect("billing:invoice-detail", pk=invoice.pk)
        status = 422
    else:
        initial: dict[str, Any] = {}
        company = company_for(request, request.GET.get("company")) if request.GET.get("company") else None
        if company is not None:
            initial.update(company=company.pk, company_name=company.name)
        form = InvoiceForm(initial=initial)
    return render(
        request,
        "billing/invoice_form.html",
        {
            "form": form,
            "rows": rows + [{} for _i in range(BLANK_ROWS)],
            "lines_editable": True,
            "rates": rate_choices(),
            "line_problems": problems,
        },
        status=status,
    )


DRAFT_INITIAL = (
    "currency",
    "language",
    "issue_date",
    "sale_date",
    "place_of_issue",
    "payment_method",
    "payment_terms_days",
    "bank_account",
    "buyer_name",
    "buyer_tax_id",
    "buyer_country",
    "notes",
    "version",
)


@login_required
def invoice_edit(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Change a draft: its facts, buyer and (unless it was made from an order or corrects an
    invoice) its lines. An issued invoice is never changed: it is corrected."""
    invoice = selectors.invoice_detail(request.user, pk)
    if not access.can(request.user, Action.CHANGE, invoice):
        raise AccessDenied()
    if invoice.status != InvoiceStatus.DRAFT:
        messages.info(
            request, _("This invoice was issued and cannot be changed: correct it with a credit or debit note.")
        )
        return redirect("billing:invoice-detail", pk=invoice.pk)
    lines_editable = invoice.order_id is None and not invoice.is_correction
    status = 200
    problems: list[str] = []
    rows: list[dict[str, Any]] = [
        {
            "description": line.description,
            "quantity": line.quantity.normalize(),
            "unit": line.unit,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent.normalize() if line.discount_percent else "",
            "vat_rate": line.vat_rate,
            "split_payment_goods": line.split_payment_goods,
        }
        for line in invoice.lines.all()
    ]
    if request.method == "POST":
        form = InvoiceForm(request.POST).for_draft()
        if lines_editable:
            rows = posted_lines(request.POST)
        if form.is_valid():
            data = form.invoice_data()
            if lines_editable:
                data["lines"] = rows
            try:
                services.update_draft(
                    actor=request.user, invoice=invoice, data=data, expected_version=form.cleaned_data.get("version")
                )
            except Conflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                problems = line_errors(exc)
                apply_errors(form, exc, rows=("lines",))
            else:
                messages.success(request, _("The draft invoice was saved. Check it and issue it."))
                return redirect("billing:invoice-detail", pk=invoice.pk)
        status = 422
    else:
        form = InvoiceForm(initial={name: getattr(invoice, name) for name in DRAFT_INITIAL}).for_draft()
    return render(
        request,
        "billing/invoice_form.html",
        {
            "form": form,
            "invoice": invoice,
            "rows": rows + [{} for _i in range(BLANK_ROWS)] if lines_editable else [],
            "lines_editable": lines_editable,
            "rates": rate_choices(),
            "line_problems": problems,
        },
        status=status,
    )


@login_required
def invoice_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    invoice = selectors.invoice_detail(request.user, pk)
    response = HttpResponse(render_invoice(invoice), content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{file_name(invoice)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def invoice_issue(request: AuthedRequest, pk: Any) -> HttpResponse:
    invoice = selectors.invoice_detail(request.user, pk)
    try:
        issued = services.issue(actor=request.user, invoice=invoice, expected_version=version(request))
    except (ValidationError, Conflict) as exc:
        report(request, exc)
    else:
        messages.success(request, _("Invoice %(number)s was issued.") % {"number": issued.number})
    return redirect("billing:invoice-detail", pk=invoice.pk)


@login_required
@require_POST
def invoice_delete(request: AuthedRequest, pk: Any) -> HttpResponse:
    invoice = selectors.invoice_detail(request.user, pk)
    try:
        services.delete_draft(actor=request.user, invoice=invoice, expected_version=version(request))
    except (ValidationError, Conflict) as exc:
        report(request, exc)
        return redirect("billing:invoice-detail", pk=invoice.pk)
    messages.success(request, _("The draft invoice was deleted."))
    return redirect("billing:invoice-list")


@login_required
@require_POST
def invoice_pay(request: AuthedRequest, pk: Any) -> HttpResponse:
    """Record a payment of this invoice (what it does not owe stays the customer's credit)."""
    invoice = selectors.invoice_detail(request.user, pk)
    if not access.can(request.user, Action.CHANGE, invoice):
        raise AccessDenied()
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = payment_services.record_payment(
                actor=request.user, invoice=invoice, currency=invoice.currency, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if payment.unallocated > 0:
                messages.success(
                    request,
                    _("The payment was recorded; %(credit)s more than the invoice owed stays as the customer's credit.")
                    % {"credit": f"{payment.unallocated} {payment.currency}"},
                )
            else:
                messages.success(request, _("The payment was recorded."))
            return redirect("billing:invoice-detail", pk=invoice.pk)
    invoice = selectors.invoice_detail(request.user, pk)
    return render(
        request, "billing/invoice_detail.html", _detail_context(request, invoice, payment_form=form), status=422
    )


@login_required
def invoice_correct(request: AuthedRequest, pk: Any) -> HttpResponse:
    """A correction: the invoice's lines as they are now, to change, and a row for a new line."""
    invoice = selectors.invoice_detail(request.user, pk)
    if not access.can(request.user, Action.CHANGE, invoice):
        raise AccessDenied()
    current = decorate(services.current_lines(invoice))
    status = 200
    problems: list[str] = []
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        rows = posted_lines(request.POST)
        changed = []
        for row in rows:
            if row.get("line"):
                before = next((x for x in current if str(x.corrects_line_id or x.pk) == row["line"]), None)
                if before is not None and _unchanged(row, before):
                    continue
            changed.append(row)
        if form.is_valid():
            try:
                note = services.correct(
                    actor=request.user, invoice=invoice, lines=changed, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                problems = line_errors(exc)
                apply_errors(form, exc, rows=("lines",))
            else:
                messages.success(request, _("The draft correction was saved. Check it and issue it."))
                return redirect("billing:invoice-detail", pk=note.pk)
        status = 422
    else:
        form = CorrectionForm()
    return render(
        request,
        "billing/invoice_correct.html",
        {"invoice": invoice, "form": form, "current": current, "rates": rate_choices(), "line_problems": problems},
        status=status,
    )


def _same(value: Any, current: decimal.Decimal | None) -> bool:
    try:
        return decimal.Decimal(str(value).replace(",", ".").replace(" ", "")) == (current or ZERO)
    except decimal.InvalidOperation:
        return False


def _unchanged(row: dict[str, Any], line: Any) -> bool:
    """Whether a posted row is the line as it is (the correction form shows every line)."""
    return (
        _same(row.get("quantity", ""), line.quantity)
        and _same(row.get("unit_price", ""), line.unit_price)
        and _same(row.get("discount_percent", "0"), line.discount_percent)
        and countries.rate_code(row.get("vat_rate", "")) == line.vat_rate
        and row.get("description", "") == line.description
    )
