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
from accord.billing.selectors import visible
from accord.core import access

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
    steps = _steps(user).filter(state=CollectionStepState.AWAITING_APPROVAL)
    if not access.sees_all(user):
        steps = steps.filter(Q(company__owner_id=user.id) | Q(contact__owner_id=user.id))
    return list(steps.order_by("day", "created_at")[:limit])


def recent_steps(user: Any, *, limit: int = 100) -> list[CollectionStep]:
    return list(_steps(user).order_by("-day", "-created_at")[:limit])


def step(user: Any, pk: Any) -> CollectionStep | None:
    try:
        return _steps(user).filter(pk=pk).first()
    except (ValueError, TypeError):
        return None


def call_list(user: Any, *, today: datetime.date | None = None, everyone: bool = False) -> list[CollectionStep]:
    """Today's collections calls: the call steps whose task is still open and due by the end of
    today, the user's own (or, for someone who sees every customer and asks, everyone's), the
    largest debt first."""
    from accord.activities.models import Task, TaskStatus

    today = today or timezone.localdate()
    end = timezone.make_aware(datetime.datetime.combine(today, datetime.time.max))
    tasks = Task.objects.filter(status=TaskStatus.OPEN, due_at__lte=end)
    if not (everyone and access.sees_all(user)):
        tasks = tasks.filter(owner_id=user.id)
    steps = _steps(user).filter(action="call", task_id__in=tasks.values("pk"))
    return list(steps.order_by("-owed", "day")[:500])


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
