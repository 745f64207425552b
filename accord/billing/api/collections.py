"""REST endpoints of collections: the steps taken and waiting, decisions on them, the result of a
collections call, promises to pay, disputes and pauses; the run's dry run for administrators."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from accord.billing.api.common import parties
from accord.billing.models import CollectionPause, CollectionStep, InvoiceDispute, PromiseToPay
from accord.billing.selectors import collections as selectors
from accord.billing.selectors import invoices as invoice_selectors
from accord.billing.services import collections as services
from accord.core import access
from accord.core.access import AccessDenied
from accord.core.api import ERRORS, PageOut, StrictSchema, list_parameters
from accord.core.errors import BadRequest
from accord.core.listing import ListQuery, ListSpec, Page, parse
from accord.core.requests import AuthedRequest

router = Router(tags=["collections"])


class StepInvoiceOut(Schema):
    invoice_id: uuid.UUID
    number: str
    outstanding: decimal.Decimal
    interest: decimal.Decimal
    compensation: decimal.Decimal

    @staticmethod
    def resolve_number(obj: Any) -> str:
        return obj.invoice.number


class StepOut(Schema):
    id: uuid.UUID
    company_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    position: int
    action: str
    state: str
    day: datetime.date
    owed: decimal.Decimal
    interest: decimal.Decimal
    compensation: decimal.Decimal
    currency: str
    message_id: uuid.UUID | None
    task_id: uuid.UUID | None
    invoices: list[StepInvoiceOut]

    @staticmethod
    def resolve_invoices(obj: Any) -> list[Any]:
        return list(obj.invoices.all())


class CallIn(StrictSchema):
    result: Literal["promise", "dispute", "paid", "no_answer", "other"]
    note: str = ""
    promised_on: datetime.date | None = None
    amount: decimal.Decimal | None = None


class PromiseIn(StrictSchema):
    company_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    promised_on: datetime.date
    amount: decimal.Decimal | None = None
    note: str = ""


class PromiseOut(Schema):
    id: uuid.UUID
    company_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    promised_on: datetime.date
    amount: decimal.Decimal | None
    note: str


class DisputeIn(StrictSchema):
    reason: str


class ResolveIn(StrictSchema):
    resolution: str = ""


class DisputeOut(Schema):
    id: uuid.UUID
    invoice_id: uuid.UUID
    reason: str
    resolved_at: datetime.datetime | None
    resolution: str


class PauseIn(StrictSchema):
    company_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    reason: str
    until: datetime.date | None = None


class PauseOut(Schema):
    id: uuid.UUID
    company_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    reason: str
    source: str
    until: datetime.date | None
    lifted_at: datetime.datetime | None


class RunStepOut(Schema):
    customer: str
    action: str
    position: int
    invoices: list[str]
    owed: decimal.Decimal
    currency: str
    needs_approval: bool


class RunOut(Schema):
    today: datetime.date
    customers: int
    steps: list[RunStepOut]
    held: dict[str, int]


def _step(request: HttpRequest, step_id: uuid.UUID) -> CollectionStep:
    step = selectors.step(request.user, step_id)
    if step is None:
        raise Http404
    return step


class OwedOut(Schema):
    currency: str
    amount: decimal.Decimal


class CaseOut(Schema):
    id: uuid.UUID
    company_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    customer: str
    in_collection_since: datetime.date
    collection_agency: str
    owed: list[OwedOut]

    @staticmethod
    def resolve_customer(obj: Any) -> str:
        return str(obj.company or obj.contact)


def _query(request: HttpRequest, spec: ListSpec[Any], *own: str) -> ListQuery:
    """The list parameters (strictly: an unknown one is a 400), besides the endpoint's ``own``."""
    try:
        return parse(
            spec,
            request.GET,
            strict=True,
            default_limit=settings.ACCORD_PAGE_SIZE,
            max_limit=settings.ACCORD_API_MAX_PAGE_SIZE,
            ignore=("total", *own),
        )
    except ValidationError as exc:
        raise BadRequest(_("Unknown or invalid list parameters."), exc.message_dict) from exc


def _page(page: Page[Any]) -> dict[str, Any]:
    return {"items": page.items, "next_cursor": page.next_cursor, "prev_cursor": page.prev_cursor}


@router.get(
    "/collections/steps",
    response={200: PageOut[StepOut], **ERRORS},
    openapi_extra=list_parameters(selectors.STEP_LIST),
)
def list_steps(request: HttpRequest) -> Any:
    """The steps the caller may see, newest first, a page at a time (``limit``, then
    ``cursor=<next_cursor>`` until ``next_cursor`` is null); ``state``, ``action``, the customer
    and the day filter them. The steps waiting for the caller's decision: ``/collections/approvals``."""
    return _page(selectors.step_page(request.user, _query(request, selectors.STEP_LIST)))


@router.get(
    "/collections/approvals",
    response={200: PageOut[StepOut], **ERRORS},
    openapi_extra=list_parameters(selectors.APPROVAL_LIST),
)
def list_approvals(request: HttpRequest) -> Any:
    """The steps waiting for the caller's decision (a key account's letter or hand-off waits for
    its owner; those who see every customer see all of them), oldest first, a page at a time."""
    return _page(selectors.approval_page(request.user, _query(request, selectors.APPROVAL_LIST)))


_CALL_PARAMETERS = [
    {
        "name": "date",
        "in": "query",
        "schema": {"type": "string", "format": "date"},
        "description": "The day whose calls are due (default today): calls due by its end",
    },
    {
        "name": "all",
        "in": "query",
        "schema": {"type": "boolean"},
        "description": "Everyone's calls, not only the caller's (for those who see every customer)",
    },
]


@router.get(
    "/collections/calls",
    response={200: PageOut[StepOut], **ERRORS},
    openapi_extra={"parameters": [*list_parameters(selectors.CALL_LIST)["parameters"], *_CALL_PARAMETERS]},
)
def list_calls(request: HttpRequest) -> Any:
    """The call list: call steps whose task is open and due by the end of the day, the caller's
    own (``all=true``: everyone's, for those who see every customer), the largest debt first,
    a page at a time."""
    query = _query(request, selectors.CALL_LIST, "date", "all")
    raw = request.GET.get("date", "").strip()
    try:
        today = datetime.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise ValidationError({"date": [_("Enter a date as YYYY-MM-DD.")]}) from None
    everyone = request.GET.get("all", "").lower() in {"1", "true", "yes"}
    return _page(selectors.call_page(request.user, query, today=today, everyone=everyone))


@router.get(
    "/collections/cases",
    response={200: PageOut[CaseOut], **ERRORS},
    openapi_extra=list_parameters(selectors.CASE_LIST),
)
def list_cases(request: HttpRequest) -> Any:
    """The customers handed over to a lawyer or a collection agency that the caller may see,
    newest first, each with what their unpaid invoices still owe per currency, a page at a time.
    The case itself (a ZIP) is downloaded from the web page of collections."""
    return _page(selectors.case_page(request.user, _query(request, selectors.CASE_LIST)))


@router.get("/collections/steps/{uuid:step_id}", response={200: StepOut, **ERRORS})
def get_step(request: HttpRequest, step_id: uuid.UUID) -> Any:
    return _step(request, step_id)


@router.post("/collections/steps/{uuid:step_id}/approve", response={200: StepOut, **ERRORS})
def approve_step(request: AuthedRequest, step_id: uuid.UUID) -> Any:
    services.approve_step(actor=request.user, step=_step(request, step_id))
    return _step(request, step_id)


@router.post("/collections/steps/{uuid:step_id}/reject", response={200: StepOut, **ERRORS})
def reject_step(request: AuthedRequest, step_id: uuid.UUID) -> Any:
    services.reject_step(actor=request.user, step=_step(request, step_id))
    return _step(request, step_id)


@router.post("/collections/steps/{uuid:step_id}/call", response={201: StepOut, **ERRORS})
def log_call(request: AuthedRequest, step_id: uuid.UUID, payload: CallIn) -> Any:
    """The result of a collections call: a promise (``promised_on``), a dispute (``note`` says
    what), no answer (the call moves to the next working day), paid or other."""
    step = _step(request, step_id)
    services.log_call(
        actor=request.user,
        step=step,
        result=payload.result,
        note=payload.note,
        promised_on=payload.promised_on,
        amount=payload.amount,
        dispute_reason=payload.note,
    )
    return Status(201, _step(request, step_id))


@router.post("/collections/promises", response={201: PromiseOut, **ERRORS})
def record_promise(request: AuthedRequest, payload: PromiseIn) -> Any:
    errors: dict[str, list[str]] = {}
    data = parties(request, payload.model_dump(exclude_unset=True), errors)
    if errors:
        raise ValidationError(errors)
    promise: PromiseToPay = services.record_promise(
        actor=request.user,
        company=data.get("company"),
        contact=data.get("contact"),
        promised_on=payload.promised_on,
        amount=payload.amount,
        note=payload.note,
    )
    return Status(201, promise)


@router.post("/invoices/{uuid:invoice_id}/disputes", response={201: DisputeOut, **ERRORS})
def open_dispute(request: AuthedRequest, invoice_id: uuid.UUID, payload: DisputeIn) -> Any:
    invoice = invoice_selectors.visible_invoices(request.user).filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404
    dispute: InvoiceDispute = services.open_dispute(actor=request.user, invoice=invoice, reason=payload.reason)
    return Status(201, dispute)


@router.post("/invoices/{uuid:invoice_id}/disputes/{uuid:dispute_id}/resolve", response={200: DisputeOut, **ERRORS})
def resolve_dispute(request: AuthedRequest, invoice_id: uuid.UUID, dispute_id: uuid.UUID, payload: ResolveIn) -> Any:
    invoice = invoice_selectors.visible_invoices(request.user).filter(pk=invoice_id).first()
    dispute = (
        next((d for d in selectors.disputes_of(request.user, invoice) if d.pk == dispute_id), None) if invoice else None
    )
    if dispute is None:
        raise Http404
    return services.resolve_dispute(actor=request.user, dispute=dispute, resolution=payload.resolution)


@router.post("/collections/pauses", response={201: PauseOut, **ERRORS})
def pause(request: AuthedRequest, payload: PauseIn) -> Any:
    errors: dict[str, list[str]] = {}
    data = parties(request, payload.model_dump(exclude_unset=True), errors)
    if errors:
        raise ValidationError(errors)
    paused: CollectionPause = services.pause(
        actor=request.user,
        company=data.get("company"),
        contact=data.get("contact"),
        reason=payload.reason,
        until=payload.until,
    )
    return Status(201, paused)


@router.post("/collections/pauses/{uuid:pause_id}/lift", response={204: None, **ERRORS})
def lift_pause(request: AuthedRequest, pause_id: uuid.UUID) -> Any:
    paused = next((p for p in selectors.open_pauses(request.user) if p.pk == pause_id), None)
    if paused is None:
        raise Http404
    services.lift_pause(actor=request.user, paused=paused)
    return Status(204, None)


@router.get("/collections/run", response={200: RunOut, **ERRORS})
def dry_run(request: AuthedRequest, date: datetime.date | None = None) -> Any:
    """What the collections run would do today (or on ``date``), without doing it: administrators."""
    if not access.sees_all(request.user):
        raise AccessDenied()
    report = services.run(today=date, dry_run=True)
    return {"today": report.today, "customers": report.customers, "steps": report.steps, "held": dict(report.held)}
