"""Invoices issued at the same moment by different requests get consecutive numbers, none twice
and none skipped (PostgreSQL: real concurrent transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accord.billing.models import Invoice
from accord.billing.services import invoices as services

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_issues_number_without_gaps_or_repeats(make_invoice, owner):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: PostgreSQL")
    drafts = [make_invoice(issue_date="2026-05-04") for _i in range(6)]
    start = threading.Barrier(len(drafts))
    errors: list[BaseException] = []

    def issue(draft: Invoice) -> None:
        try:
            start.wait(timeout=10)
            services.issue(actor=owner, invoice=draft)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"FV/2026/{n:04d}" for n in range(1, 7)]
