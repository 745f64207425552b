"""The sales dashboard's reads over 300,000 deals (open, won and lost over two years, with their
stage history), without the full benchmark dataset.

S1 (``accord bench --only S1``) times the dashboard page over open deals only; this script makes
what the dashboard's effectiveness figures read too: closed deals with their closing dates and lost
reasons, and a stage history per deal (about 3.5 changes each). The database is the one
``DATABASE_URL`` names (SQLite without it: ``var/dashboard-bench.sqlite3``), migrated first; the
deals are made once and kept.

    DATABASE_URL=postgres://... python benchmarks/sales_dashboard_300k.py [--deals 300000] [--runs 5]
        [--explain]

Prints JSON: the median and best wall time of the dashboard's reads (the month and owner forecasts
and the metrics of the default period, as ``sales.views.dashboard`` calls them) for an admin and
for a sales rep, with their query counts; ``--explain`` prints each query's plan.
"""

from __future__ import annotations

import argparse
import datetime
import decimal
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'dashboard-bench.sqlite3'}")

CHUNK = 5000
WORDS = ["Roll-out", "Renewal", "Pilot", "Upgrade", "Licences", "Hardware", "Support", "Training"]


def generate(total: int, seed: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from accord.core import bulk, search
    from accord.core.ids import uuid7
    from accord.core.models import ExchangeRate
    from accord.identity.models import Role, Team, User
    from accord.sales.models import Deal, DealStageChange, LostReason, Pipeline, Stage

    pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.order_by("position").first()
    assert pipeline is not None, "no pipeline: migrate first"
    stages = list(Stage.objects.filter(pipeline=pipeline).order_by("position"))
    open_stages = [s for s in stages if s.kind == "open"]
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    if Deal.objects.count() >= total:
        return
    teams = [Team.objects.get_or_create(name=f"Team {i}")[0] for i in range(10)]
    reps = []
    for i in range(50):
        user, made = User.objects.get_or_create(
            username=f"dash-rep-{i}", defaults={"role": Role.objects.get(code=Role.SALES_REP), "first_name": f"Rep {i}"}
        )
        if made:
            user.teams.set([teams[i % 10]])
        reps.append(user)
    User.objects.get_or_create(username="dash-admin", defaults={"role": Role.objects.get(code=Role.ADMIN)})
    reasons = [LostReason.objects.get_or_create(name=n)[0] for n in ("Price", "Timing", "Competitor", "No budget")]
    ExchangeRate.objects.get_or_create(currency="EUR", day=datetime.date(2020, 1, 1), defaults={"rate": 4.3})
    rng = random.Random(seed)
    now = timezone.now()
    deal_names = [
        "id", "name", "pipeline", "stage", "status", "amount", "currency", "probability", "expected_close",
        "owner", "team", "position", "search_text", "created_at", "updated_at", "closed_at", "lost_reason",
    ]  # fmt: skip
    change_names = ["id", "deal", "from_stage", "to_stage", "changed_at", "amount", "currency", "probability"]
    for start in range(0, total, CHUNK):
        deals, changes = [], []
        for i in range(start, min(total, start + CHUNK)):
            rep = reps[i % len(reps)]
            created = now - datetime.timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60))
            roll = rng.random()
            amount = decimal.Decimal(rng.randrange(500, 500_000)).quantize(decimal.Decimal("0.01"))
            currency = "EUR" if i % 10 == 0 else "PLN"
            closed_at = reason = None
            if roll < 0.6:
                status, reached = "open", rng.randrange(len(open_stages))
                stage = open_stages[reached]
            else:
                closed_at = min(now, created + datetime.timedelta(days=rng.randint(1, 120)))
                if roll < 0.85:
                    status, reached, stage = "won", len(open_stages), won
                else:
                    status, reached, stage = "lost", rng.randrange(len(open_stages)), lost
                    reason = rng.choice(reasons).pk
            close = (created + datetime.timedelta(days=rng.randint(10, 200))).date()
            pk = uuid7()
            name = f"{rng.choice(WORDS)} {i}"
            deals.append(
                (pk, name, pipeline.pk, stage.pk, status, amount, currency, stage.probability, close, rep.pk,
                 rep.primary_team_id, float(i * 1024), search.document(name), created, closed_at or created,
                 closed_at, reason)
            )  # fmt: skip
            previous = None
            path = open_stages[: min(reached, len(open_stages) - 1) + 1] if status == "open" else open_stages[:reached]
            if status != "open":
                path = [*path, stage] if path else [open_stages[0], stage]
            moment = created
            for step in path:
                changes.append((uuid7(), pk, previous, step.pk, moment, amount, currency, step.probability))
                previous = step.pk
                moment = min(now, moment + datetime.timedelta(days=rng.randint(1, 20)))
        with transaction.atomic():
            bulk.insert_values(Deal, deal_names, deals)
            bulk.insert_values(DealStageChange, change_names, changes)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def measure(runs: int, explain: bool) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accord.identity.models import User
    from accord.sales.selectors import forecast as selectors

    def reads(user: User) -> None:
        flt = selectors.default_filter()
        selectors.forecast(user, flt, "month")
        selectors.forecast(user, flt, "owner")
        selectors.metrics(user, flt)

    result: dict = {"vendor": connection.vendor}
    from accord.sales.models import Deal, DealStageChange

    result["deals"] = Deal.objects.count()
    result["stage_changes"] = DealStageChange.objects.count()
    for label, username in (("admin", "dash-admin"), ("rep", "dash-rep-0")):
        user = User.objects.select_related("role").get(username=username)
        reads(user)  # warm: caches, the first connection
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            reads(user)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            reads(user)
        result[label] = {
            "median_ms": round(statistics.median(times), 1),
            "best_ms": round(min(times), 1),
            "queries": len(captured.captured_queries),
        }
        if explain:
            slow = []
            for query in captured.captured_queries:
                sql = query["sql"]
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    cursor.fetchall()
                ms = (time.perf_counter() - started) * 1000
                slow.append((ms, sql))
            for ms, sql in sorted(slow, reverse=True)[:6]:
                print(f"--- {ms:.1f} ms ({label})\n{sql}", file=sys.stderr)
                with connection.cursor() as cursor:
                    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
                    cursor.execute(prefix + sql)
                    for row in cursor.fetchall():
                        print("   ", row[-1] if connection.vendor != "postgresql" else row[0], file=sys.stderr)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    generate(args.deals, args.seed)
    generated = round(time.perf_counter() - started, 1)
    print(json.dumps({"generate_s": generated, **measure(args.runs, args.explain)}, indent=2))


if __name__ == "__main__":
    main()
