"""B1 the import of a big CSV file, B6 the bulk upsert API.

B1 writes a 12-column CSV of 1M x scale contacts (phones in three spellings, e-mails in mixed case,
companies from a pool, a tenth tagged) and runs ``accord import contacts`` on it as a separate
process, twice: into a freshly migrated empty database, then into the benchmark dataset. It
records rows per second end to end (process start to exit) and the peak memory of that process,
then removes what the second import added, so the dataset stays as generated.

B6 posts batches of 500 contacts keyed on ``external_id`` to ``/api/v1/contacts/bulk-upsert``
with a sales rep's bearer token, through Django's whole request handling, twice: the first pass
creates them, the second must change nothing.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client

from accord.identity import services as identity
from accord.people.demo import ascii_slug
from accord.people.validators import PhoneNormalizer
from benchmarks.dataset import FREE_MAIL, LEGAL, MOBILE_PREFIX, Dataset, Pools
from benchmarks.measure import samples

FULL_IMPORT = 1_000_000
FULL_UPSERT = 200_000
UPSERT_BATCH = 500
B1_PREFIX = "b1-"
B6_PREFIX = "b6-"
COMPANY_PREFIX = "B1 "
HEADER = [
    "First name",
    "Last name",
    "E-mail",
    "Phone",
    "Company",
    "Job title",
    "Language",
    "Birthday",
    "Tags",
    "External ID",
    "Owner",
    "Notes",
]
LANGUAGE = {"PL": "pl", "LT": "lt", "RO": "ro", "RU": "ru", "GB": "en"}


_valid = PhoneNormalizer()


def _phone(rng: random.Random, country: str) -> str:
    """A mobile number as people type it: E.164, spaced, or (Polish ones) without the country code.
    Numbers outside the numbering plan (Romanian 078x, British 07700 900...) are drawn again, so
    the file has no bad rows."""
    code, prefixes, rest = MOBILE_PREFIX[country]
    while True:
        national = rng.choice(prefixes) + "".join(rng.choices("0123456789", k=rest))
        try:
            _valid(f"+{code}{national}")
            break
        except ValidationError:
            continue
    spelling = rng.random()
    if spelling < 0.7:
        return f"+{code}{national}"
    if spelling < 0.9 or country != "PL":
        return f"+{code} {national[:3]} {national[3:6]} {national[6:]}"
    return f"{national[:3]} {national[3:6]} {national[6:]}"


def write_csv(path: Path, rows: int, owners: list[str], *, seed: int = 11) -> None:
    """A file as a CRM export looks: one contact per row, 12 columns."""
    rng = random.Random(seed)
    pools = Pools(rng, seed)
    companies = [
        f"{COMPANY_PREFIX}{rng.choice(pools.last['PL'])} {kind} {i}"
        for i, kind in enumerate(rng.choices(["Trade", "Tech", "Logistics", "Foods"], k=max(100, rows // 50)))
    ]
    titles = ["Sales manager", "CEO", "Buyer", "Office manager", "Accountant", "Engineer"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            country = pools.country()
            first, last = rng.choice(pools.first[country]), rng.choice(pools.last[country])
            email = f"{ascii_slug(first).title()}.{ascii_slug(last).title()}.{i}@{rng.choice(FREE_MAIL)}"
            employed = rng.random() < 0.6
            writer.writerow(
                [
                    first,
                    last,
                    email,
                    _phone(rng, country),
                    rng.choice(companies) if employed else "",
                    rng.choice(titles) if employed and rng.random() < 0.5 else "",
                    LANGUAGE[country],
                    f"{rng.randint(1950, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                    if rng.random() < 0.3
                    else "",
                    "VIP" if rng.random() < 0.1 else "",
                    f"{B1_PREFIX}{i}",
                    owners[i % len(owners)],
                    f"{LEGAL[country][0]} customer since {2000 + i % 25}" if rng.random() < 0.2 else "",
                ]
            )


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{settings.DATABASES['default']['NAME']}"


# The child reports its own peak memory: the high-water mark of its address space (VmHWM, which
# starts afresh at exec) as it exits. ``ru_maxrss`` from wait4 cannot tell it: Linux carries a
# process's high-water mark across fork and exec, so a child of this process (which holds the
# dataset's pools and whatever the workloads before read, hundreds of MB at full scale) reports at
# least this process's size whatever it uses itself. Where there is no /proc it is what remains.
_CHILD = """
import atexit, os, sys
def _peak():
    with open("/proc/self/status") as status, open(os.environ["ACCORD_BENCH_PEAK"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
if os.path.exists("/proc/self/status"):
    atexit.register(_peak)
from accord.cli import main
main(sys.argv[1:])
"""


def _run(args: list[str], url: str) -> tuple[float, float, int, str]:
    """Run ``accord ARGS`` against ``url``: wall seconds, CPU seconds, peak memory (MB), output."""
    with tempfile.TemporaryFile("w+") as out, tempfile.NamedTemporaryFile("r", suffix=".peak") as peak:
        env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "ACCORD_BENCH_PEAK": peak.name}
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", _CHILD, *args], env=env, stdout=out, stderr=out)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
        reported = peak.read().strip()
    if process.returncode != 0:
        raise RuntimeError(f"accord {' '.join(args)} failed:\n{output[-3000:]}")
    peak_kb = int(reported) if reported.isdigit() else usage.ru_maxrss
    return seconds, usage.ru_utime + usage.ru_stime, round(peak_kb / 1024), output


SETUP_USERS = """
from accord.identity.models import Role, Team, User
from accord.identity.roles import ensure_default_roles
ensure_default_roles()
rep = Role.objects.get(code=Role.SALES_REP)
for t in range(%(teams)d):
    team, _ = Team.objects.get_or_create(name=f"Bench team {t + 1:02d}")
    for r in range(%(reps)d):
        user, _ = User.objects.get_or_create(username=f"bench-rep-{t + 1:02d}-{r + 1}", defaults={"role": rep})
        user.teams.add(team)
User.objects.get_or_create(username="bench-admin", defaults={"role": Role.objects.get(code=Role.ADMIN)})
"""


class _EmptyDatabase:
    """A freshly migrated database beside the benchmark's, with the benchmark's users."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            self.name = f"{connection.settings_dict['NAME']}_b1_empty"
            base = _database_url().rsplit("/", 1)[0]
            self.url = f"{base}/{self.name}"
        else:
            handle, self.name = tempfile.mkstemp(prefix="accord-b1-", suffix=".sqlite3")
            os.close(handle)
            self.url = f"sqlite:///{self.name}"

    def __enter__(self) -> str:
        self._drop()
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.name}"')
        _run(["migrate", "--no-input", "-v", "0"], self.url)
        _run(["shell", "-c", SETUP_USERS % {"teams": 10, "reps": 5}], self.url)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self._drop()

    def _drop(self) -> None:
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for suffix in ("", "-wal", "-shm"):
                Path(self.name + suffix).unlink(missing_ok=True)


def remove_imported(external_prefix: str, company_prefix: str | None = None) -> None:
    """Delete the contacts (and companies) a run added, with their children, audit and events."""
    ids = "SELECT id FROM people_contact WHERE external_id LIKE %s"
    like = [f"{external_prefix}%"]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The run has just added a million rows that autovacuum has not sampled yet: with the
            # statistics of the tables before it, the planner joins them by a nested loop that
            # rereads the million new contacts once per audit entry, and never finishes.
            cursor.execute("ANALYZE core_auditentry, people_contact, people_company")
        cursor.execute(f"DELETE FROM core_auditentry WHERE entity = 'people.contact' AND object_id IN ({ids})", like)
        for table in ("people_emailaddress", "people_phonenumber", "people_contactcompany", "people_contact_tags"):
            cursor.execute(f"DELETE FROM {table} WHERE contact_id IN ({ids})", like)
        cursor.execute("DELETE FROM people_contact WHERE external_id LIKE %s", like)
        if company_prefix:
            names = [f"{company_prefix}%"]
            companies = "SELECT id FROM people_company WHERE name LIKE %s"
            cursor.execute(
                f"DELETE FROM core_auditentry WHERE entity = 'people.company' AND object_id IN ({companies})",
                names,
            )
            cursor.execute("DELETE FROM people_company WHERE name LIKE %s", names)
        events = ("people.contact.imported", "people.contact.upserted", "people.company.imported")
        cursor.execute("DELETE FROM core_event WHERE name IN (%s, %s, %s)", events)


def b1_import(data: Dataset) -> dict[str, Any]:
    rows = max(1000, samples(data.scale, round(FULL_IMPORT * data.scale)))
    owners = [rep.username for rep in data.reps]
    results: dict[str, Any] = {"rows": rows, "columns": len(HEADER)}
    with tempfile.TemporaryDirectory(prefix="accord-b1-") as folder:
        path = Path(folder) / "contacts.csv"
        write_csv(path, rows, owners)
        results["file_mb"] = round(path.stat().st_size / 1e6, 1)
        command = ["import", "contacts", str(path), "--owner", "bench-admin"]
        with _EmptyDatabase() as url:
            results["empty"] = _figures(rows, *_run(command, url))
        remove_imported(B1_PREFIX, COMPANY_PREFIX)
        try:
            results["full"] = _figures(rows, *_run(command, _database_url()))
        finally:
            remove_imported(B1_PREFIX, COMPANY_PREFIX)
    results["full_vs_empty"] = round(results["empty"]["rows_per_s"] / results["full"]["rows_per_s"], 2)
    return results


def _figures(rows: int, seconds: float, cpu: float, peak: int, output: str) -> dict[str, Any]:
    """Rows per second end to end; and per second of the importing process's own CPU time, which a
    busy shared machine disturbs less (the database server's work is not in it)."""
    if f"Created: {rows}" not in output:
        raise RuntimeError(f"the import did not create every row:\n{output[-2000:]}")
    return {
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "cpu_seconds": round(cpu, 1),
        "rows_per_cpu_s": round(rows / cpu),
        "peak_mb": peak,
    }


def _records(start: int, count: int, rng: random.Random, pools: Pools) -> list[dict[str, Any]]:
    records = []
    for i in range(start, start + count):
        country = pools.country()
        first, last = rng.choice(pools.first[country]), rng.choice(pools.last[country])
        email = f"{ascii_slug(first)}.{ascii_slug(last)}.{i}@shop.example"
        records.append(
            {
                "external_id": f"{B6_PREFIX}{i}",
                "first_name": first,
                "last_name": last,
                "emails": [{"email": email}],
                "phones": [{"number": _phone(rng, country)}],
                "preferred_language": LANGUAGE[country],
                "tags": ["Shop"] if i % 10 == 0 else [],
            }
        )
    return records


def b6_bulk_upsert(data: Dataset) -> dict[str, Any]:
    total = max(
        UPSERT_BATCH * 4, round(samples(data.scale, round(FULL_UPSERT * data.scale)) / UPSERT_BATCH) * UPSERT_BATCH
    )
    rep = data.reps[0]
    _, token = identity.create_token(user=rep, name="bulk upsert benchmark")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    rng = random.Random(5)
    pools = Pools(rng, 5)
    batches = [_records(start, UPSERT_BATCH, rng, pools) for start in range(0, total, UPSERT_BATCH)]
    passes: list[dict[str, Any]] = []
    try:
        # A first request loads the URL configuration and the API's schemas, once per process.
        warm_up = {"records": [{"external_id": f"{B6_PREFIX}warm-up", "last_name": "Warm-up"}]}
        client.post("/api/v1/contacts/bulk-upsert", json.dumps(warm_up), content_type="application/json")
        for _ in range(2):
            counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
            started = time.perf_counter()
            for batch in batches:
                response = client.post(
                    "/api/v1/contacts/bulk-upsert", json.dumps({"records": batch}), content_type="application/json"
                )
                if response.status_code != 200:
                    raise RuntimeError(f"bulk upsert answered {response.status_code}: {response.content[:500]!r}")
                body = response.json()
                for key in counts:
                    counts[key] += body[key]
            seconds = time.perf_counter() - started
            passes.append({**counts, "seconds": round(seconds, 2), "records_per_s": round(total / seconds)})
    finally:
        remove_imported(B6_PREFIX)
    if passes[0]["created"] != total or passes[1]["unchanged"] != total:
        raise RuntimeError(f"the upserts did not do what they should: {passes}")
    both = passes[0]["seconds"] + passes[1]["seconds"]
    return {
        "records": total,
        "batch": UPSERT_BATCH,
        "first_pass": passes[0],
        "second_pass": passes[1],
        "records_per_s": round(2 * total / both),
    }
