"""Bank statement import at scale: one MT940 file of N lines against N open invoices.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_bank python -m benchmarks.bank_import 100000

Not part of ``accord bench`` yet: it makes its own data (200 companies, N issued invoices numbered
``BB/2026/000000``..., written in bulk) in the database it is given, on the first run, and before
each run undoes what the previous one booked. The file pays 70% of the invoices in full by
number, 10% in part, and holds 10% unknown credits and 10% debits. It prints the wall and CPU
time of each phase of ``import_statement``, the commit, and a second import of the same file
(which books nothing). The target: 100,000 lines in at most 20 s on PostgreSQL.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import os
import sys
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accord.billing import matching, statements  # noqa: E402
from accord.billing.models import (  # noqa: E402
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceSeries,
    Payment,
    PaymentAllocation,
)
from accord.billing.services import bank_bookings  # noqa: E402
from accord.billing.services import statements as service  # noqa: E402
from accord.billing.tests.statement_builders import Booking, mt940  # noqa: E402
from accord.core import bulk, ids  # noqa: E402
from accord.identity.models import Role, User  # noqa: E402
from accord.identity.roles import ensure_default_roles  # noqa: E402
from accord.people import services as people  # noqa: E402

PREFIX = "BB/2026/"


def _admin() -> User:
    ensure_default_roles()
    user = User.objects.filter(username="bank-bench").first() or User.objects.create_user(
        username="bank-bench", password="bank-bench-password-1", role=Role.objects.get(code="admin")
    )
    return User.objects.select_related("role").get(pk=user.pk)


def _invoices(admin: User, count: int) -> None:
    if Invoice.objects.filter(number__startswith=PREFIX).exists():
        return
    companies = [
        people.create_company(actor=admin, data=people.company_data({"name": f"Firma {i} Sp. z o.o."}))
        for i in range(200)
    ]
    series = InvoiceSeries.objects.filter(kind="invoice").first()
    assert series is not None
    names = ["id", "kind", "status", "series", "number", "company", "currency", "buyer_name", "gross_total"]
    names += ["net_total", "due_date"]
    rows = []
    for i in range(count):
        company = companies[i % 200]
        gross = decimal.Decimal(100 + i % 5000) + decimal.Decimal("0.23")
        due = datetime.date(2026, 3, 1) + datetime.timedelta(days=i % 30)
        number = f"{PREFIX}{i:06d}"
        rows.append(
            (ids.uuid7(), "vat", "issued", series.pk, number, company.pk, "PLN", company.name, gross, gross, due)
        )
    bulk.insert_values(Invoice, names, rows)


def _reset() -> None:
    BankStatementLine.objects.all().delete()
    BankStatement.objects.all().delete()
    PaymentAllocation.objects.filter(payment__source="bank").delete()
    Payment.objects.filter(source="bank").delete()
    Invoice.objects.filter(number__startswith=PREFIX).update(status="issued", paid_amount=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE billing_invoice")


def _file(count: int) -> bytes:
    bookings = []
    invoices = Invoice.objects.filter(number__startswith=PREFIX).values_list("number", "gross_total")[:count]
    for i, (number, gross) in enumerate(invoices):
        day = datetime.date(2026, 3, 1) + datetime.timedelta(days=i % 28)
        reference = f"R{i:08d}"
        kind = i % 10
        if kind < 7:
            bookings.append(Booking(str(gross), f"Zaplata {number}", "Firma", day=day, reference=reference))
        elif kind == 7:
            bookings.append(Booking(str(gross - 50), f"Czesc {number}", day=day, reference=reference))
        elif kind == 8:
            bookings.append(Booking("77.77", f"Przelew {i}", "Jan Obcy", day=day, reference=reference))
        else:
            bookings.append(Booking("-12.34", "Oplata", day=day, reference=reference))
    bookings.sort(key=lambda b: b.day)
    return mt940(bookings, number=str(int(time.time())))


def _timed(spent: dict[str, Any], module: Any, name: str) -> None:
    function = getattr(module, name)

    @functools.wraps(function)
    def measured(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = (round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2))

    setattr(module, name, measured)


def main(count: int) -> None:
    call_command("migrate", verbosity=0)
    admin = _admin()
    _invoices(admin, count)
    _reset()
    content = _file(count)
    spent: dict[str, Any] = {}
    for module, name in [
        (statements, "parse"),
        (service, "open_items"),
        (service, "_already_imported"),
        (matching, "match"),
        (bank_bookings, "_lock_invoices"),
        (bank_bookings, "_update_invoices"),
        (bank_bookings, "book"),
        (service, "_store"),
    ]:
        _timed(spent, module, name)
    wall, cpu = time.perf_counter(), time.process_time()
    result = service.import_statement(actor=admin, content=content, file_name="bench.sta")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{count} lines, {len(content)} bytes: {wall:.1f} s wall, {cpu:.1f} s CPU in this process")
    print(f"  booked {result.booked}, queued {result.queued}, ignored {result.ignored}")
    for name, (phase_wall, phase_cpu) in spent.items():
        print(f"  {name:18} {phase_wall:6.2f} s wall {phase_cpu:6.2f} s CPU")
    again = time.perf_counter()
    repeated = service.import_statement(actor=admin, content=content, file_name="bench.sta")
    took = time.perf_counter() - again
    print(f"the same file again: {took:.1f} s, {repeated.duplicates} skipped, {repeated.booked} booked")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
