"""C2 the bank statement import: one MT940 file of 100,000 lines (at scale 1) against as many
open invoices, through ``import_statement`` (parse, match, book), then the same file again (which
books nothing). The file pays 70% of the invoices in full by number, 10% in part, and holds 10%
unknown credits and 10% debits. The invoices (``BB/2026/...``, 200 companies) are generated in
bulk once per size; each run first undoes what the previous one booked. Reports the wall and CPU
time of the import and of each of its phases, and the database server's CPU time when its process
is on this machine (PostgreSQL). ``benchmarks/statement_import.py`` runs it at any size.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import os
import time
from typing import Any

from django.db import connection

from accord.billing import matching, statements
from accord.billing.models import (
    BankStatement,
    BankStatementLine,
    Invoice,
    InvoiceSeries,
    Payment,
    PaymentAllocation,
)
from accord.billing.services import bank_bookings
from accord.billing.services import statements as service
from accord.billing.tests.statement_builders import Booking, mt940
from accord.core import bulk, ids
from accord.identity.models import Role, User
from accord.identity.roles import ensure_default_roles
from accord.people import services as people
from benchmarks.dataset import Dataset

FULL_LINES = 100_000
PREFIX = "BB/2026/"


def _admin() -> User:
    ensure_default_roles()
    user = User.objects.filter(username="bank-bench").first() or User.objects.create_user(
        username="bank-bench", password="bank-bench-password-1", role=Role.objects.get(code="admin")
    )
    return User.objects.select_related("role").get(pk=user.pk)


def _invoices(admin: User, count: int) -> None:
    existing = Invoice.objects.filter(number__startswith=PREFIX)
    if existing.count() == count:
        return
    _reset()
    existing._raw_delete(connection.alias)
    from accord.people.models import Company

    companies = list(
        Company.objects.filter(name__startswith="Firma ", name__endswith=" Sp. z o.o.").order_by("name")[:200]
    )
    if len(companies) < 200:
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
    # The rows deleted are dead until vacuumed: a server without autovacuum (or one that has not
    # come round yet) would leave the next run inserting the same keys into indexes full of them,
    # each run slower than the last. VACUUM cannot run inside a transaction (a test's): the
    # planner's statistics can wait then.
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for model in (BankStatementLine, BankStatement, PaymentAllocation, Payment, Invoice):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


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


def _timed(spent: dict[str, Any], module: Any, name: str, server: Any) -> Any:
    """Wrap ``module.name`` to add its wall, CPU and database server CPU time to ``spent``;
    returns the original."""
    function = getattr(module, name)

    @functools.wraps(function)
    def measured(*args: Any, **kwargs: Any) -> Any:
        wall, cpu, db = time.perf_counter(), time.process_time(), server()
        try:
            return function(*args, **kwargs)
        finally:
            db_now = server()
            was_wall, was_cpu, was_db = spent.get(name, (0.0, 0.0, None))
            spent[name] = (
                round(was_wall + time.perf_counter() - wall, 2),
                round(was_cpu + time.process_time() - cpu, 2),
                round((was_db or 0.0) + db_now - db, 2) if db is not None and db_now is not None else None,
            )

    setattr(module, name, measured)
    return function


PHASES = [
    (statements, "parse"),
    (service, "open_items"),
    (service, "_already_imported"),
    (matching, "match"),
    (bank_bookings, "_lock_invoices"),
    (bank_bookings, "_update_invoices"),
    (bank_bookings, "book"),
    (service, "_store"),
]


def _server_cpu() -> Any:
    """A function giving the CPU seconds this connection's PostgreSQL server process has used, or
    None when there is no such process to read (SQLite, or a server on another machine)."""
    if connection.vendor != "postgresql":
        return lambda: None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    path = f"/proc/{pid}/stat"
    tick = os.sysconf("SC_CLK_TCK")

    def used() -> float | None:
        try:
            with open(path) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

    return used


def c2_statement_import(data: Dataset | None, lines: int | None = None) -> dict[str, Any]:
    """The import of a file of ``lines`` lines (by default 100,000 times the dataset's scale)."""
    if lines is None:
        assert data is not None
        lines = max(1000, round(FULL_LINES * data.scale))
    count = lines
    admin = _admin()
    _invoices(admin, count)
    _reset()
    content = _file(count)
    spent: dict[str, Any] = {}
    server = _server_cpu()
    load = os.getloadavg()  # the machine may be shared: how busy it was when the import started
    originals = [(module, name, _timed(spent, module, name, server)) for module, name in PHASES]
    try:
        db = server()
        wall, cpu = time.perf_counter(), time.process_time()
        result = service.import_statement(actor=admin, content=content, file_name="bench.sta")
        wall, cpu, db_now = time.perf_counter() - wall, time.process_time() - cpu, server()
    finally:
        for module, name, function in originals:
            setattr(module, name, function)
    again = time.perf_counter()
    repeated = service.import_statement(actor=admin, content=content, file_name="bench.sta")
    again = time.perf_counter() - again
    return {
        "lines": count,
        "bytes": len(content),
        "import_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "db_cpu_seconds": round(db_now - db, 1) if db is not None and db_now is not None else None,
        "lines_per_s": round(count / wall) if wall else None,
        "load_average": [round(figure, 2) for figure in load],
        "booked": result.booked,
        "queued": result.queued,
        "ignored": result.ignored,
        "phases": {name: {"seconds": w, "cpu_seconds": c, "db_cpu_seconds": d} for name, (w, c, d) in spent.items()},
        "again_seconds": round(again, 1),
        "again_booked": repeated.booked,
    }
