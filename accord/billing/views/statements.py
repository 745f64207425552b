"""Bank statement screens: upload a file and the list of imported statements, a statement's lines,
the unmatched queue across statements, and booking one line by hand (pick the invoices by number
or customer, or make the money the customer's credit)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accord.billing import statements
from accord.billing.api.statements import read_upload
from accord.billing.models import BankStatementLine, Invoice, LineStatus
from accord.billing.selectors import statements as selectors
from accord.billing.services import statement_mappings as mappings
from accord.billing.services import statements as services
from accord.billing.statements import csvfile
from accord.billing.views.common import report, version
from accord.core.access import AccessDenied
from accord.core.errors import Conflict, message_dict
from accord.core.forms import apply_errors
from accord.core.requests import AuthedRequest

LINES_SHOWN = 500


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Statement file"),
        help_text=gettext_lazy("MT940, camt.053 (XML) or CSV from your bank; the format is told from the content."),
    )


def _summary(result: services.ImportResult) -> str:
    if not result.statements:
        return _("Every line of this file was imported before: nothing new was booked.")
    text = ngettext(
        "%(lines)d new line: %(booked)d booked, %(queued)d to match by hand, %(ignored)d ignored.",
        "%(lines)d new lines: %(booked)d booked, %(queued)d to match by hand, %(ignored)d ignored.",
        result.lines,
    ) % {"lines": result.lines, "booked": result.booked, "queued": result.queued, "ignored": result.ignored}
    if result.duplicates:
        text += " " + ngettext(
            "%(count)d line was imported before and skipped.",
            "%(count)d lines were imported before and skipped.",
            result.duplicates,
        ) % {"count": result.duplicates}
    return text


@login_required
def statement_list(request: AuthedRequest) -> HttpResponse:
    can_import = services.may_import(request.user)
    form = UploadForm()
    status = 200
    if request.method == "POST":
        if not can_import:
            raise AccessDenied()
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                content = read_upload(upload)
                if services.needs_mapping(content):
                    # A CSV export of a shape not seen before: its columns are mapped first.
                    token = mappings.stash(actor=request.user, content=content, file_name=upload.name or "")
                    return redirect(f"{reverse('billing:bank-statement-map')}?{urlencode({'upload': token})}")
                result = services.import_statement(actor=request.user, content=content, file_name=upload.name or "")
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _summary(result))
                if len(result.statements) == 1:
                    return redirect("billing:bank-statement-detail", pk=result.statements[0].pk)
                return redirect("billing:bank-statement-list")
        status = 422
    return render(
        request,
        "billing/bank_statement_list.html",
        {"form": form, "can_import": can_import, "statements": selectors.statement_list(request.user)},
        status=status,
    )


class MappingForm(forms.Form):
    """Which column of the file is what, and how its dates and amounts are written."""

    date_format = forms.ChoiceField(
        label=gettext_lazy("Dates are written"), choices=[(f, f) for f in mappings.DATE_FORMATS]
    )
    decimal_separator = forms.ChoiceField(
        label=gettext_lazy("Decimal separator"),
        choices=[(",", gettext_lazy("comma: 1 234,56")), (".", gettext_lazy("dot: 1,234.56"))],
    )
    account = forms.CharField(
        label=gettext_lazy("Our account"),
        required=False,
        max_length=50,
        help_text=gettext_lazy("The IBAN this statement is of, when the file does not say it."),
    )

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((header, header) for header in headers if header)]
        columns = {
            name: forms.ChoiceField(label=label, choices=choices, required=False)
            for name, label in mappings.COLUMN_LABELS.items()
        }
        self.fields = {**columns, **self.fields}

    def column_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in mappings.COLUMNS]

    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in mappings.OPTIONS]


def _on_form(exc: ValidationError) -> ValidationError:
    """The service's ``mapping.<field>`` errors as the mapping form's fields."""
    errors: dict[str, list[str]] = {}
    for key, value in message_dict(exc).items():
        name = "__all__" if key == "mapping" else key.removeprefix("mapping.")
        errors.setdefault(name, []).extend(value)
    return ValidationError(errors)


@login_required
def statement_map(request: AuthedRequest) -> HttpResponse:
    """A CSV file's first rows and the mapping of its columns; importing it with the mapping
    remembers the mapping for the next file with the same headers."""
    if not services.may_import(request.user):
        raise AccessDenied()
    token = request.POST.get("upload") or request.GET.get("upload", "")
    try:
        content, file_name = mappings.unstash(actor=request.user, token=token)
    except ValidationError as exc:
        report(request, exc)
        return redirect("billing:bank-statement-list")
    try:
        shown = csvfile.preview(content)
    except statements.StatementError as exc:
        report(request, services.file_error(file_name, exc))
        mappings.discard(actor=request.user, token=token)
        return redirect("billing:bank-statement-list")
    status = 200
    if request.method == "POST" and "cancel" in request.POST:
        mappings.discard(actor=request.user, token=token)
        return redirect("billing:bank-statement-list")
    if request.method == "POST":
        form = MappingForm(request.POST, headers=shown.headers)
        chosen = {name: request.POST.get(name, "") for name in (*mappings.COLUMNS, *mappings.OPTIONS)}
        try:
            result = services.import_statement(actor=request.user, content=content, file_name=file_name, mapping=chosen)
        except ValidationError as exc:
            form.is_valid()
            apply_errors(form, _on_form(exc))
            status = 422
        else:
            mappings.discard(actor=request.user, token=token)
            messages.success(request, _summary(result))
            if len(result.statements) == 1:
                return redirect("billing:bank-statement-detail", pk=result.statements[0].pk)
            return redirect("billing:bank-statement-list")
    else:
        form = MappingForm(initial=mappings.guess(content), headers=shown.headers)
    return render(
        request,
        "billing/bank_statement_map.html",
        {
            "form": form,
            "upload": token,
            "file_name": file_name,
            "headers": shown.headers,
            "samples": shown.samples(),
            "header_line": shown.header_at + 1,
        },
        status=status,
    )


@login_required
def statement_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    statement = selectors.statement_detail(request.user, pk)
    status = request.GET.get("status", "")
    if status not in LineStatus.values:
        status = ""
    lines = list(selectors.statement_lines(request.user, statement, status=status)[: LINES_SHOWN + 1])
    for line in lines:
        line.reason_text = "; ".join(selectors.reasons_of(line))  # type: ignore[attr-defined]
    return render(
        request,
        "billing/bank_statement_detail.html",
        {
            "statement": statement,
            "lines": lines[:LINES_SHOWN],
            "more": len(lines) > LINES_SHOWN,
            "status": status,
            "statuses": LineStatus.choices,
            "can_import": services.may_import(request.user),
        },
    )


@login_required
def line_queue(request: HttpRequest) -> HttpResponse:
    if not services.may_import(request.user):
        raise AccessDenied()
    search = request.GET.get("q", "").strip()[:100]
    lines = selectors.queue(request.user, search=search)
    for line in lines:
        line.reason_text = "; ".join(selectors.reasons_of(line))  # type: ignore[attr-defined]
    return render(request, "billing/bank_line_queue.html", {"lines": lines, "search": search})


def _chosen(request: HttpRequest, errors: dict[str, list[str]]) -> list[tuple[Invoice, str | None]]:
    chosen = []
    for raw in request.POST.getlist("invoice"):
        try:
            key = uuid.UUID(raw)
        except ValueError:
            errors["invoices"] = [_("Choose an invoice you can see.")]
            continue
        invoice = selectors.find_invoice(request.user, key)
        if invoice is None:
            errors["invoices"] = [_("Choose an invoice you can see.")]
            continue
        amount = request.POST.get(f"amount-{invoice.pk}", "").strip()
        chosen.append((invoice, amount or None))
    return chosen


@login_required
def line_match(request: AuthedRequest, pk: Any) -> HttpResponse:
    """One line of the queue: its suggestion, invoices found by number or customer, and booking."""
    if not services.may_import(request.user):
        raise AccessDenied()
    line = selectors.line_detail(request.user, pk)
    status = 200
    if request.method == "POST":
        errors: dict[str, list[str]] = {}
        chosen = _chosen(request, errors)
        credit = request.POST.get("credit") == "1" and not chosen
        try:
            if errors:
                raise ValidationError(errors)
            services.match_line(
                actor=request.user,
                line=line,
                invoices=chosen,
                company=line.company if credit else None,
                contact=line.contact if credit and line.company is None else None,
                expected_version=version(request),
            )
        except (ValidationError, Conflict) as exc:
            report(request, exc)
            status = 422
        else:
            messages.success(request, _("The line was booked as a payment."))
            return redirect("billing:bank-line-queue")
    search = request.GET.get("q", "").strip()[:100]
    suggested_ids = [uuid.UUID(a["invoice_id"]) for a in (line.suggestion or {}).get("allocations", [])]
    suggested = [i for i in (selectors.find_invoice(request.user, pk) for pk in suggested_ids) if i is not None]
    found = selectors.payable_invoices(request.user, search=search, currency=line.currency) if search else []
    if not search and not suggested and (line.company_id or line.contact_id):
        customer = line.company or line.contact
        found = selectors.payable_invoices(request.user, search=str(customer), currency=line.currency)
    shown = {invoice.pk: invoice for invoice in [*suggested, *found]}
    return render(
        request,
        "billing/bank_line_match.html",
        {
            "line": line,
            "reasons": selectors.reasons_of(line),
            "invoices": list(shown.values()),
            "suggested_ids": {i.pk for i in suggested},
            "search": search,
            "booked": line.status == LineStatus.BOOKED,
        },
        status=status,
    )


@login_required
@require_POST
def line_ignore(request: AuthedRequest, pk: Any) -> HttpResponse:
    line: BankStatementLine = selectors.line_detail(request.user, pk)
    try:
        services.ignore_line(actor=request.user, line=line, expected_version=version(request))
    except (ValidationError, Conflict) as exc:
        report(request, exc)
        return redirect("billing:bank-line-match", pk=line.pk)
    messages.success(request, _("The line was put aside."))
    return redirect("billing:bank-line-queue")
