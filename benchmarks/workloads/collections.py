"""C1 the collections run: 200,000 open invoices (at scale 1) of 50,000 customers, every customer
with at least one invoice overdue, run as ``accord collections run`` in its own process (its wall
time, CPU time and peak memory), then run again the same day (which must take nothing)."""

from __future__ import annotations

import datetime
import decimal
import random
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accord.billing.models import (
    CollectionStep,
    CollectionStepInvoice,
    Invoice,
    InvoiceSeries,
)
from accord.core import bulk, dbstats
from accord.core.ids import uuid7
from accord.messaging.models import Message
from accord.people.models import Company
from benchmarks.dataset import CHUNK, Dataset
from benchmarks.workloads.writes import _database_url, _run

FULL_INVOICES = 200_000
FULL_CUSTOMERS = 50_000
PREFIX = "BENCH/"


def _counts(scale: float) -> tuple[int, int]:
    return max(40, round(FULL_INVOICES * scale)), max(10, round(FULL_CUSTOMERS * scale))


def ensure_invoices(data: Dataset, today: datetime.date, seed: int = 1313) -> int:
    """The benchmark's open invoices, generated once per scale (in bulk, deterministically)."""
    total, customers = _counts(data.scale)
    if Invoice.objects.filter(number__startswith=PREFIX).count() == total:
        return total
    with transaction.atomic():
        stale = Invoice.objects.filter(number__startswith=PREFIX)
        CollectionStepInvoice.objects.filter(invoice__in=stale)._raw_delete(connection.alias)
        stale._raw_delete(connection.alias)
    series = InvoiceSeries.objects.filter(kind="invoice", is_default=True).first()
    assert series is not None, "the default invoice series is made by the migrations"
    company_ids = list(Company.objects.order_by("id").values_list("id", flat=True)[:customers])
    rng = random.Random(seed)
    names = [
        "id",
        "kind",
        "status",
        "series",
        "number",
        "company",
        "currency",
        "issue_date",
        "sale_date",
        "due_date",
        "payment_terms_days",
        "buyer_name",
        "net_total",
        "vat_total",
        "gross_total",
        "issued_at",
    ]
    now = timezone.now()
    for start in range(0, total, CHUNK):
        rows = []
        for i in range(start, min(total, start + CHUNK)):
            company = company_ids[i % len(company_ids)]
            # Each customer's first invoice is overdue (1 to 90 days); the others anywhere from 90
            # days overdue to due in a month.
            first = i < len(company_ids)
            due = today - datetime.timedelta(days=rng.randint(1, 90) if first else rng.randint(-30, 90))
            issued = due - datetime.timedelta(days=14)
            net = decimal.Decimal(rng.randrange(10_000, 5_000_000)) / 100
            vat = (net * decimal.Decimal("0.23")).quantize(decimal.Decimal("0.01"))
            rows.append(
                (
                    uuid7(),
                    "vat",
                    "issued",
                    series.pk,
                    f"{PREFIX}{i:07d}",
                    company,
                    "PLN",
                    issued,
                    issued,
                    due,
                    14,
                    f"Customer {i % len(company_ids)}",
                    net,
                    vat,
                    net + vat,
                    now,
                )
            )
        with transaction.atomic():
            bulk.insert_values(Invoice, names, rows)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE billing_invoice")
    dbstats.refresh()
    return total


def _reset() -> None:
    """Forget earlier runs' steps and messages, so each run starts from the same state: on
    PostgreSQL the emptied tables are vacuumed too, or their dead rows and the statistics of
    the rows deleted (the same invoices' lines, run after run) steer the next run's queries to
    sequential scans of a table that only looks full."""
    with transaction.atomic():
        CollectionStepInvoice.objects.all()._raw_delete(connection.alias)
        CollectionStep.objects.all()._raw_delete(connection.alias)
        Message.objects.filter(kind__in=["payment_reminder", "demand_letter"])._raw_delete(connection.alias)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for model in (CollectionStepInvoice, CollectionStep, Message):
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def c1_collections_run(data: Dataset) -> dict[str, Any]:
    today = timezone.localdate()
    invoices = ensure_invoices(data, today)
    overdue_customers = (
        Invoice.objects.filter(number__startswith=PREFIX, due_date__lt=today).values("company_id").distinct().count()
    )
    _reset()
    url = _database_url()
    seconds, cpu, peak_mb, output = _run(["collections", "run", "--date", today.isoformat()], url)
    steps = CollectionStep.objects.count()
    again_seconds, _cpu, again_mb, _out = _run(["collections", "run", "--date", today.isoformat()], url)
    return {
        "invoices": invoices,
        "overdue_customers": overdue_customers,
        "steps": steps,
        "messages": Message.objects.filter(kind="payment_reminder").count(),
        "run": {"seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "peak_mb": peak_mb},
        "again": {"seconds": round(again_seconds, 1), "peak_mb": again_mb},
        "steps_again": CollectionStep.objects.count() - steps,
        "summary": output.strip().splitlines()[-2:] if output.strip() else [],
    }
