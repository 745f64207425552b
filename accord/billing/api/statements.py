"""REST endpoints for bank statements: import a file, list statements and their lines, book or
ignore a line by hand. Importing and the unmatched queue are for administrators and managers; a
line with a customer is seen by whoever sees that customer."""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from accord.billing.api.common import parties
from accord.billing.models import BankStatement, BankStatementLine
from accord.billing.selectors import statements as selectors
from accord.billing.services import statements as services
from accord.core import idempotency
from accord.core.access import AccessDenied
from accord.core.api import ERRORS, PageOut, StrictSchema, expected_version, list_parameters, list_query
from accord.core.requests import AuthedRequest

router = Router(tags=["bank statements"])


class StatementOut(Schema):
    id: uuid.UUID
    account_iban: str
    format: str
    file_name: str
    reference: str
    period_start: datetime.date | None
    period_end: datetime.date | None
    opening_balance: decimal.Decimal | None
    closing_balance: decimal.Decimal | None
    currency: str
    imported_by_id: uuid.UUID | None
    lines_count: int
    booked_count: int
    queued_count: int
    ignored_count: int
    duplicate_count: int
    created_at: datetime.datetime


class ImportOut(Schema):
    statements: list[StatementOut]
    lines: int
    booked: int
    queued: int
    ignored: int
    duplicates: int


class StatementLineOut(Schema):
    id: uuid.UUID
    version: int
    statement_id: uuid.UUID
    position: int
    booking_date: datetime.date
    value_date: datetime.date | None
    amount: decimal.Decimal
    currency: str
    counterparty_name: str
    counterparty_iban: str
    title: str
    bank_reference: str
    end_to_end_id: str
    status: str
    confidence: int
    reasons: list[str]
    suggestion: dict[str, Any]
    payment_id: uuid.UUID | None
    company_id: uuid.UUID | None
    contact_id: uuid.UUID | None

    @staticmethod
    def resolve_reasons(obj: BankStatementLine) -> list[str]:
        return selectors.reasons_of(obj)


class StatementAllocationIn(StrictSchema):
    invoice_id: uuid.UUID
    amount: decimal.Decimal | None = None


class MatchIn(StrictSchema):
    version: int | None = None
    allocations: list[StatementAllocationIn] = []
    company_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None


class VersionIn(StrictSchema):
    version: int | None = None


def _import_out(result: services.ImportResult) -> dict[str, Any]:
    return ImportOut.model_validate(
        {
            "statements": [StatementOut.from_orm(s) for s in result.statements],
            "lines": result.lines,
            "booked": result.booked,
            "queued": result.queued,
            "ignored": result.ignored,
            "duplicates": result.duplicates,
        }
    ).model_dump(mode="json")


def _line_out(request: HttpRequest, line: BankStatementLine) -> dict[str, Any]:
    return StatementLineOut.from_orm(selectors.line_detail(request.user, line.pk)).model_dump(mode="json")


def read_upload(upload: Any) -> bytes:
    """The bytes of an uploaded statement file, or an error on ``file`` when it is too large."""
    limit = settings.ACCORD_IMPORT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            {"file": [_("The file is larger than %(limit)s MB.") % {"limit": max(1, limit // (1024 * 1024))}]}
        )
    return bytes(upload.read())


def read_mapping(text: str | None) -> dict[str, Any] | None:
    """The ``mapping`` form field: a JSON object, or an error on ``mapping``."""
    if text is None or not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ValidationError(
            {"mapping": [_("The mapping is not valid JSON: %(problem)s") % {"problem": exc}]}
        ) from exc
    if not isinstance(value, dict):
        raise ValidationError({"mapping": [_("The mapping must be an object of field names and column headers.")]})
    return value


@router.post("/bank-statements", response={201: ImportOut, **ERRORS}, summary="Import a bank statement (multipart)")
def import_statement(request: AuthedRequest, file: File[UploadedFile], mapping: Form[str | None] = None) -> Any:
    """MT940, camt.053 or CSV, told from the content. Lines imported before (from this or another
    file) are skipped; payments the matching is sure of are booked, the rest wait in the queue.
    A file that cannot be read is refused with 422 on ``file`` naming the place (a CSV row by its
    line number), and nothing is stored. Accepts ``Idempotency-Key``.

    ``mapping`` (a form field holding a JSON object) says how a CSV file is read: the column
    header of ``date`` (required), ``amount`` or ``debit``/``credit``, and optionally
    ``value_date``, ``currency``, ``title``, ``payer_name``, ``payer_account``, ``reference``;
    ``date_format`` (one of ``YYYY-MM-DD``, ``DD.MM.YYYY``, ``DD-MM-YYYY``, ``DD/MM/YYYY``,
    ``MM/DD/YYYY``, ``YYYY.MM.DD``, ``YYYY/MM/DD``, ``DD.MM.YY``, ``YYYYMMDD``),
    ``decimal_separator`` (``,`` or ``.``) and ``account`` (our account's IBAN, for files that do
    not name it). A bad mapping is refused with 422 on ``mapping.<field>``. The mapping is
    remembered for files with the same headers: the next one needs none."""
    if not services.may_import(request.user):
        raise AccessDenied()
    content = read_upload(file)
    chosen = read_mapping(mapping)
    payload = {"name": file.name or "", "sha256": hashlib.sha256(content).hexdigest(), "mapping": chosen}
    return idempotency.respond(
        request,
        payload=payload,
        run=lambda: services.import_statement(
            actor=request.user, content=content, file_name=file.name or "", mapping=chosen
        ),
        serialize=_import_out,
    )


@router.get(
    "/bank-statements",
    response={200: PageOut[StatementOut], **ERRORS},
    openapi_extra=list_parameters(selectors.STATEMENT_LIST),
)
def list_statements(request: HttpRequest) -> Any:
    page = selectors.statement_page(request.user, list_query(request, selectors.STATEMENT_LIST))
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/bank-statements/{uuid:statement_id}", response={200: StatementOut, **ERRORS})
def get_statement(request: HttpRequest, statement_id: uuid.UUID) -> Any:
    return selectors.statement_detail(request.user, statement_id)


@router.get(
    "/bank-statements/{uuid:statement_id}/lines",
    response={200: PageOut[StatementLineOut], **ERRORS},
    openapi_extra=list_parameters(selectors.LINE_LIST),
)
def list_statement_lines(request: HttpRequest, statement_id: uuid.UUID) -> Any:
    """The statement's lines the caller may see, in the statement's order (``status`` filters)."""
    statement: BankStatement = selectors.statement_detail(request.user, statement_id)
    page = selectors.line_page(request.user, list_query(request, selectors.LINE_LIST), statement=statement)
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get(
    "/bank-statement-lines",
    response={200: PageOut[StatementLineOut], **ERRORS},
    openapi_extra=list_parameters(selectors.LINE_LIST),
)
def list_lines(request: HttpRequest) -> Any:
    """Lines across statements; ``status=unmatched`` (and ``suggested``) is the queue."""
    page = selectors.line_page(request.user, list_query(request, selectors.LINE_LIST))
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get("/bank-statement-lines/{uuid:line_id}", response={200: StatementLineOut, **ERRORS})
def get_line(request: HttpRequest, line_id: uuid.UUID) -> Any:
    return selectors.line_detail(request.user, line_id)


@router.post("/bank-statement-lines/{uuid:line_id}/match", response={200: StatementLineOut, **ERRORS})
def match_line(request: AuthedRequest, line_id: uuid.UUID, payload: MatchIn) -> Any:
    """Book the line by hand: a payment of its whole amount paying ``allocations`` (each invoice
    ``amount``, or as much as is left), the rest the customer's credit; with no allocations,
    ``company_id`` or ``contact_id`` names whose credit it becomes. A booked line is refused."""
    line = selectors.line_detail(request.user, line_id)

    def run() -> BankStatementLine:
        errors: dict[str, list[str]] = {}
        data = parties(request, payload.model_dump(exclude_unset=True), errors)
        chosen = []
        for i, item in enumerate(payload.allocations):
            invoice = selectors.find_invoice(request.user, item.invoice_id)
            if invoice is None:
                errors[f"allocations.{i}.invoice_id"] = [_("No such record.")]
            else:
                chosen.append((invoice, item.amount))
        if errors:
            raise ValidationError(errors)
        services.match_line(
            actor=request.user,
            line=line,
            invoices=chosen,
            company=data.get("company"),
            contact=data.get("contact"),
            expected_version=expected_version(request, payload.version),
        )
        return line

    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=run,
        serialize=lambda x: _line_out(request, x),
        status=200,
    )


@router.post("/bank-statement-lines/{uuid:line_id}/ignore", response={200: StatementLineOut, **ERRORS})
def ignore_line(request: AuthedRequest, line_id: uuid.UUID, payload: VersionIn) -> Any:
    """Put the line aside: it leaves the queue and books nothing. A booked line is refused."""
    line = selectors.line_detail(request.user, line_id)

    def run() -> BankStatementLine:
        return services.ignore_line(
            actor=request.user, line=line, expected_version=expected_version(request, payload.version)
        )

    return idempotency.respond(
        request,
        payload=payload.model_dump(mode="json"),
        run=run,
        serialize=lambda x: _line_out(request, x),
        status=200,
    )
