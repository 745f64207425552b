"""S1 the deal board: 300,000 open deals (at scale 1) in one pipeline, spread over the benchmark's
ten teams, fifty reps and five open stages. Measures the board's first render filtered to one team,
moving a deal (the POST the board's script sends), and the forecast and sales dashboard pages when
those screens exist."""

from __future__ import annotations

import datetime
import decimal
import random
import statistics
import time
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accord.core import bulk, dbstats, search
from accord.core.ids import uuid7
from accord.core.models import ExchangeRate
from accord.identity.models import User
from accord.sales.models import Deal, DealStageChange, Pipeline, Stage
from benchmarks.dataset import CHUNK, Dataset
from benchmarks.measure import Browser, query_count, samples, timed

FULL_DEALS = 300_000
PIPELINE = "Bench pipeline"
STAGES = [("Lead in", 10), ("Qualified", 25), ("Demo", 40), ("Proposal", 60), ("Negotiation", 80)]
RUNS = 60
WORDS = ["Roll-out", "Renewal", "Pilot", "Upgrade", "Licences", "Hardware", "Support", "Training", "Expansion"]


def _admin() -> User:
    return User.objects.select_related("role").get(username="bench-admin")


def _count(scale: float) -> int:
    return max(100, round(FULL_DEALS * scale))


def ensure_deals(data: Dataset, seed: int = 4242) -> tuple[Pipeline, list[Stage]]:
    """The board's pipeline and its deals, generated once per scale (deterministically, in bulk)."""
    pipeline, _ = Pipeline.objects.get_or_create(name=PIPELINE, defaults={"position": 99})
    if not pipeline.stages.exists():
        for i, (name, probability) in enumerate(STAGES):
            Stage.objects.create(pipeline=pipeline, name=name, position=i, probability=probability)
        Stage.objects.create(pipeline=pipeline, name="Won", position=10, probability=100, kind="won")
        Stage.objects.create(pipeline=pipeline, name="Lost", position=11, probability=0, kind="lost")
    stages = list(pipeline.stages.filter(kind="open").order_by("position"))
    total = _count(data.scale)
    if Deal.objects.filter(pipeline=pipeline).count() == total:
        return pipeline, stages
    with transaction.atomic():
        # Another scale's deals: straight DELETEs (the ORM's cascade collection would load them all).
        # Only stage changes (from earlier moves) point at them in the benchmark.
        DealStageChange.objects.filter(deal__pipeline=pipeline).delete()
        stale = Deal.objects.filter(pipeline=pipeline)
        stale._raw_delete(stale.db)
    ExchangeRate.objects.get_or_create(currency="EUR", day=datetime.date(2020, 1, 1), defaults={"rate": 4.3})
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    names = [
        "id",
        "name",
        "pipeline",
        "stage",
        "status",
        "amount",
        "currency",
        "probability",
        "expected_close",
        "owner",
        "team",
        "position",
        "next_step",
        "search_text",
        "created_at",
        "updated_at",
    ]
    for start in range(0, total, CHUNK):
        rows = []
        for i in range(start, min(total, start + CHUNK)):
            rep = data.reps[i % len(data.reps)]
            stage = stages[rng.randrange(len(stages))]
            name = f"{rng.choice(WORDS)} {i}"
            close = today + datetime.timedelta(days=rng.randint(-30, 365)) if rng.random() < 0.9 else None
            amount = decimal.Decimal(rng.randrange(500, 500_000)).quantize(decimal.Decimal("0.01"))
            created = now - datetime.timedelta(minutes=rng.randint(1, 500_000))
            rows.append(
                (
                    uuid7(),
                    name,
                    pipeline.pk,
                    stage.pk,
                    "open",
                    amount,
                    "EUR" if i % 10 == 0 else "PLN",
                    stage.probability,
                    close,
                    rep.pk,
                    rep.primary_team_id,
                    float(i * 1024),
                    "Call back" if i % 3 == 0 else "",
                    search.document(name),
                    created,
                    created,
                )
            )
        with transaction.atomic():
            bulk.insert_values(Deal, names, rows)
    with connection.cursor() as cursor:
        # On PostgreSQL the visibility map too (as autovacuum would), so totals can scan the index alone.
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE sales_deal")
    dbstats.refresh()
    return pipeline, stages


def s1_board(data: Dataset) -> dict[str, Any]:
    started = time.monotonic()
    pipeline, stages = ensure_deals(data)
    generated_s = round(time.monotonic() - started, 1)
    admin = Browser(_admin())
    rep = data.reps[0]
    rep_browser = Browser(rep)
    team = rep.primary_team_id
    board = f"/sales/board/{pipeline.pk}/?team={team}"
    results: dict[str, Any] = {
        "open_deals": Deal.objects.filter(pipeline=pipeline, status="open").count(),
        "team_deals": Deal.objects.filter(pipeline=pipeline, status="open", team_id=team).count(),
        "generate_seconds": generated_s,
        "board_team_admin": timed(lambda _: admin.get(board), range(samples(data.scale, RUNS))).as_dict(),
        "board_rep": timed(
            lambda _: rep_browser.get(f"/sales/board/{pipeline.pk}/"), range(samples(data.scale, RUNS // 2))
        ).as_dict(),
        "board_queries": query_count(lambda: admin.get(board)),
        # Server CPU of this process per render: on a shared, busy machine wall time also counts the
        # wait for a core; this does not (the database's own work is not in it).
        "board_team_admin_cpu_ms": _cpu_ms(lambda: admin.get(board)),
    }
    results["move"] = _moves(rep, pipeline, stages)
    for name, key in (("sales:forecast", "forecast"), ("sales:dashboard", "dashboard")):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        results[key] = timed(_getter(admin, url), range(samples(data.scale, RUNS // 2))).as_dict()
    return results


def _getter(browser: Browser, url: str) -> Any:
    return lambda _: browser.get(url)


def _cpu_ms(fn: Any, runs: int = 20) -> float:
    samples = []
    for _ in range(runs):
        started = time.process_time()
        fn()
        samples.append((time.process_time() - started) * 1000)
    return round(statistics.median(samples), 2)


def _moves(rep: User, pipeline: Pipeline, stages: list[Stage]) -> dict[str, Any]:
    """A rep moves their team's deals one stage on, each with the version they saw (as the board does)."""
    client = Client()
    client.force_login(rep)
    picked = list(
        Deal.objects.filter(pipeline=pipeline, status="open", team_id=rep.primary_team_id)
        .order_by("id")
        .values_list("pk", "stage_id", "version")[: RUNS + 3]
    )
    order = [s.pk for s in stages]

    def move(row: tuple[Any, Any, int]) -> None:
        pk, stage_id, version = row
        target = order[(order.index(stage_id) + 1) % len(order)]
        response = client.post(
            f"/sales/deals/{pk}/move/",
            {"stage": str(target), "version": str(version)},
            headers={"X-Requested-With": "fetch"},
        )
        if response.status_code != 200:
            raise RuntimeError(f"Moving {pk} answered {response.status_code}")

    return timed(move, picked, warmup=0).as_dict()
