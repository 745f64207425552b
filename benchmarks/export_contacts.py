"""Export of contacts through the screens' code path: seconds and database queries.

Seeds N contacts (5,000 by default) once, through ``accord import contacts`` (with e-mails, a phone,
a company and job title, tags, a source, a birthday and two custom fields), into its own database,
then exports them as an administrator in each format, as the contact list's export button does
(``selectors.contacts_for_export`` then ``core.exports``), and prints the best of three runs.

    ACCORD_VAR_DIR=/tmp/bench-export .venv/bin/python benchmarks/export_contacts.py [--contacts 5000]

The database is ``DATABASE_URL`` if set, else ``/tmp/accord-export-bench.sqlite3`` (never the
application's own).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/accord-export-bench.sqlite3")
sys.path.insert(0, os.environ.get("ACCORD_SOURCE", str(Path(__file__).resolve().parent.parent)))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import translation  # noqa: E402

from accord.core import exports, listing  # noqa: E402
from accord.core.models import CustomFieldDefinition  # noqa: E402
from accord.identity.models import Role, User  # noqa: E402
from accord.people import selectors  # noqa: E402
from accord.people.models import Contact  # noqa: E402

SOURCES = ["referral", "web_form", "event", "campaign"]


def seed(count: int) -> User:
    call_command("migrate", verbosity=0)
    admin = User.objects.filter(username="bench-admin").first()
    if admin is None:
        admin = User.objects.create_user(
            username="bench-admin", password="a-long-bench-password", role=Role.objects.get(code=Role.ADMIN)
        )
    for key, kind in (("segment", "text"), ("signed", "date")):
        CustomFieldDefinition.objects.get_or_create(
            entity="people.contact", key=key, defaults={"label": key.title(), "field_type": kind}
        )
    have = Contact.objects.count()
    if have >= count:
        return admin
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                "first_name",
                "last_name",
                "emails",
                "phone",
                "company",
                "job_title",
                "tags",
                "source",
                "birthday",
                "notes",
                "cf.segment",
                "cf.signed",
            ]
        )
        for n in range(have, count):
            writer.writerow(
                [
                    f"Anna{n}",
                    f"Nowak{n}",
                    f"anna{n}@example.pl; biuro{n}@example.pl",
                    f"+48 601 {n // 1000:03d} {n % 1000:03d}",
                    f"Firma {n % 500}",
                    "Kierownik zakupów",
                    f"vip, region-{n % 16}",
                    SOURCES[n % len(SOURCES)],
                    f"{1 + n % 28:02d}.{1 + n % 12:02d}.1980",
                    "Dzwonić rano.",
                    f"S{n % 7}",
                    "2026-01-15",
                ]
            )
    call_command("import", "contacts", file.name, "--owner", admin.username, stdout=io.StringIO())
    os.unlink(file.name)
    return admin


def measure(admin: User, fmt: str) -> tuple[float, int, int]:
    """(seconds, queries, rows) of the best of three exports in ``fmt``."""
    best: tuple[float, int, int] | None = None
    for _run in range(3):
        out = io.BytesIO()
        with CaptureQueriesContext(connection) as queries, translation.override("pl"):
            started = time.perf_counter()
            query = listing.parse(selectors.CONTACT_LIST, {}, strict=False)
            rows = selectors.contacts_for_export(admin, query)
            count = exports.write(fmt, selectors.contact_columns(), rows, out, human=True)
            took = time.perf_counter() - started
        if best is None or took < best[0]:
            best = (took, len(queries), count)
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=5000)
    options = parser.parse_args()
    admin = seed(options.contacts)
    print(f"database: {connection.vendor}, contacts: {Contact.objects.count()}")
    for fmt in (exports.CSV_EXCEL, exports.XLSX):
        took, queries, count = measure(admin, fmt)
        print(f"{fmt:10} {count:6d} rows  {took:6.2f} s  {count / took:8.0f} rows/s  {queries:5d} queries")


if __name__ == "__main__":
    main()
