"""Reads of collections, scoped by the access policy: a step, a promise or a pause is seen with
its customer."""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accord.billing.models import (
    CollectionActionKind,
    CollectionLadder,
    CollectionLevel,
    CollectionPause,
    CollectionProfile,
    CollectionStep,
    CollectionStepInvoice,
    CollectionStepState,
    InvoiceDispute,
    LatePaymentRate,
    PromiseToPay,
)
from accord.billing.models.invoices import UNPAID, Invoice
from accord.billing.selectors import visible
from accord.core import access
from accord.core.listing import Filter, ListQuery, ListSpec, Page, Sort, apply, paginate
from accord.core.models import entity_label

M = TypeVar("M", bound=models.Model)


def of_visible_customers(user: Any, queryset: QuerySet[M]) -> QuerySet[M]:
    """Collections records of the customers ``user`` may see (billing's rule, without a maker)."""
    return visible(user, queryset, made_by=None)


def _steps(user: Any) -> QuerySet[CollectionStep]:
    lines = CollectionStepInvoice.objects.select_related("invoice").order_by("invoice__due_date", "invoice__number")
    return (
        of_visible_customers(user, CollectionStep.objects.all())
        .select_related("company", "contact", "decided_by")
        .prefetch_related(Prefetch("invoices", queryset=lines))
    )


def awaiting_approval(user: Any, *, limit: int = 200) -> list[CollectionStep]:
    """Steps waiting for a decision, oldest first: for the customer's owner, or everyone's for
    those who see every customer."""
    return list(_awaiting(user).order_by("day", "created_at")[:limit])


def recent_steps(user: Any, *, limit: int = 100) -> list[CollectionStep]:
    return list(_steps(user).order_by("-day", "-created_at")[:limit])


# --- the lists, paged (the API's) ----------------------------------------------------------------

_STEP_FILTERS = [
    Filter("state", "state", kind="choice", choices=CollectionStepState.values),
    Filter("action", "action", kind="choice", choices=CollectionActionKind.values),
    Filter("company", "company_id", kind="uuid"),
    Filter("contact", "contact_id", kind="uuid"),
    Filter("day_from", "day", kind="date", lookup="gte"),
    Filter("day_to", "day", kind="date", lookup="lte"),
]
_STEP_SORTS = [
    Sort("day", "day", kind="date"),
    Sort("created", "created_at", kind="datetime"),
    Sort("owed", "owed"),
]
STEP_LIST = ListSpec[CollectionStep](
    entity=entity_label(CollectionStep), filters=_STEP_FILTERS, sorts=_STEP_SORTS, default_sort="-day"
)
# Waiting for a decision: the oldest first, as the screen shows them.
APPROVAL_LIST = ListSpec[CollectionStep](
    entity=entity_label(CollectionStep),
    filters=[f for f in _STEP_FILTERS if f.name != "state"],
    sorts=_STEP_SORTS,
    default_sort="day",
)
# Today's calls: the largest debt first.
CALL_LIST = ListSpec[CollectionStep](
    entity=entity_label(CollectionStep),
    filters=[f for f in _STEP_FILTERS if f.name in ("company", "contact")],
    sorts=_STEP_SORTS,
    default_sort="-owed",
)
CASE_LIST = ListSpec[CollectionProfile](
    entity=entity_label(CollectionProfile),
    filters=[
        Filter("company", "company_id", kind="uuid"),
        Filter("contact", "contact_id", kind="uuid"),
        Filter("since_from", "in_collection_since", kind="date", lookup="gte"),
        Filter("since_to", "in_collection_since", kind="date", lookup="lte"),
    ],
    sorts=[Sort("since", "in_collection_since", kind="date")],
    default_sort="-since",
)


def _awaiting(user: Any) -> QuerySet[CollectionStep]:
    steps = _steps(user).filter(state=CollectionStepState.AWAITING_APPROVAL)
    if not access.sees_all(user):
        steps = steps.filter(Q(company__owner_id=user.id) | Q(contact__owner_id=user.id))
    return steps


def step_page(user: Any, query: ListQuery) -> Page[CollectionStep]:
    """The steps ``user`` may see, a page at a time (``state``, ``action``, customer and day filters)."""
    return paginate(STEP_LIST, query, apply(STEP_LIST, query, _steps(user)))


def approval_page(user: Any, query: ListQuery) -> Page[CollectionStep]:
    """The steps waiting for ``user``'s decision (see ``awaiting_approval``), a page at a time."""
    return paginate(APPROVAL_LIST, query, apply(APPROVAL_LIST, query, _awaiting(user)))


def _calls(user: Any, today: datetime.date | None, everyone: bool) -> QuerySet[CollectionStep]:
    from accord.activities.models import Task, TaskStatus

    today = today or timezone.localdate()
    end = timezone.make_aware(datetime.datetime.combine(today, datetime.time.max))
    tasks = Task.objects.filter(status=TaskStatus.OPEN, due_at__lte=end)
    if not (everyone and access.sees_all(user)):
        tasks = tasks.filter(owner_id=user.id)
    return _steps(user).filter(action=CollectionActionKind.CALL, task_id__in=tasks.values("pk"))


def call_page(
    user: Any, query: ListQuery, *, today: datetime.date | None = None, everyone: bool = False
) -> Page[CollectionStep]:
    """The call list (see ``call_list``), a page at a time."""
    return paginate(CALL_LIST, query, apply(CALL_LIST, query, _calls(user, today, everyone)))


def case_page(user: Any, query: ListQuery) -> Page[CollectionProfile]:
    """The customers handed over to collection that ``user`` may see, newest first, each with
    ``owed``: what their unpaid invoices still owe, by currency (one query for the page)."""
    cases = of_visible_customers(
        user, CollectionProfile.objects.filter(in_collection_since__isnull=False).select_related("company", "contact")
    )
    page = paginate(CASE_LIST, query, apply(CASE_LIST, query, cases))
    owed: dict[tuple[str, Any], dict[str, Any]] = {}
    companies = [p.company_id for p in page.items if p.company_id]
    contacts = [p.contact_id for p in page.items if p.contact_id]
    if companies or contacts:
        unpaid = Invoice.objects.filter(kind="vat", status__in=UNPAID).filter(
            Q(company_id__in=companies) | Q(contact_id__in=contacts, company__isnull=True)
        )
        for company_id, contact_id, currency, gross, corrections, paid in unpaid.values_list(
            "company_id", "contact_id", "currency", "gross_total", "corrections_total", "paid_amount"
        ):
            key = ("company", company_id) if company_id else ("contact", contact_id)
            by_currency = owed.setdefault(key, {})
            by_currency[currency] = by_currency.get(currency, 0) + gross + corrections - paid
    for profile in page.items:
        mine = ("company", profile.company_id) if profile.company_id else ("contact", profile.contact_id)
        profile.owed = [  # type: ignore[attr-defined]
            {"currency": currency, "amount": amount} for currency, amount in sorted(owed.get(mine, {}).items())
        ]
    return page


def step(user: Any, pk: Any) -> CollectionStep | None:
    try:
        return _steps(user).filter(pk=pk).first()
    except (ValueError, TypeError):
        return None


def call_list(user: Any, *, today: datetime.date | None = None, everyone: bool = False) -> list[CollectionStep]:
    """Today's collections calls: the call steps whose task is still open and due by the end of
    today, the user's own (or, for someone who sees every customer and asks, everyone's), the
    largest debt first."""
    return list(_calls(user, today, everyone).order_by("-owed", "day")[:500])


def promises(user: Any, *, company: Any = None, contact: Any = None, limit: int = 20) -> list[PromiseToPay]:
    queryset = of_visible_customers(user, PromiseToPay.objects.select_related("created_by"))
    if company is not None:
        queryset = queryset.filter(company=company)
    if contact is not None:
        queryset = queryset.filter(contact=contact)
    return list(queryset[:limit])


def open_pauses(user: Any) -> list[CollectionPause]:
    return list(
        of_visible_customers(
            user, CollectionPause.objects.filter(lifted_at__isnull=True).select_related("company", "contact")
        )[:200]
    )


def disputes_of(user: Any, invoice: Any) -> list[InvoiceDispute]:
    """The disputes of an invoice the user may see (the caller read it through the invoice selectors)."""
    return list(InvoiceDispute.objects.filter(invoice=invoice).select_related("created_by"))


def steps_of(user: Any, invoice: Any) -> list[CollectionStepInvoice]:
    """The collection steps an invoice took (the caller read the invoice through its selectors)."""
    return list(
        CollectionStepInvoice.objects.filter(invoice=invoice).select_related("step").order_by("step__day", "position")
    )


def ladders() -> list[CollectionLadder]:
    return list(
        CollectionLadder.objects.prefetch_related(
            Prefetch("levels", queryset=CollectionLevel.objects.order_by("position"))
        )
    )


def ladder(pk: Any) -> CollectionLadder | None:
    """One ladder; None for a missing one or a malformed key."""
    try:
        return CollectionLadder.objects.filter(pk=pk).first() if pk else None
    except (ValueError, TypeError, ValidationError):
        return None


def interest_rates() -> list[LatePaymentRate]:
    return list(LatePaymentRate.objects.order_by("-valid_from"))


def template_kinds() -> list[str]:
    """The kinds of message template there are (a level sends one of them)."""
    from accord.messaging.models import MessageTemplate

    return sorted(set(MessageTemplate.objects.values_list("kind", flat=True)))


def profile_of(company: Any, contact: Any) -> CollectionProfile | None:
    """How collections treat the customer (the caller may see it)."""
    if company is not None:
        return CollectionProfile.objects.filter(company=company).first()
    if contact is not None:
        return CollectionProfile.objects.filter(contact=contact).first()
    return None


def awaiting_count(user: Any) -> int:
    """How many steps wait for ``user``'s decision (the approvals screen's rows)."""
    return _awaiting(user).order_by().count()


def calls_count(user: Any, *, today: datetime.date | None = None) -> int:
    """How many of ``user``'s own collections calls are due by the end of today (the call list's rows)."""
    return _calls(user, today, False).order_by().count()
