"""B5's per-endpoint breakdown: what one API request of each kind in the load mix costs the server,
measured in-process through Django's whole request handling (middleware, token authentication,
the access policy, the endpoint, serialisation), one request at a time, apart from the load run.

Each kind (GET one contact, the list, PATCH, POST) is timed over many requests (wall and this
process's CPU time, p50/p95/p99), and its queries are counted over a separate, shorter pass so that
capturing them does not weigh on the timings.
"""

from __future__ import annotations

import itertools
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.measure import percentile

KINDS = ("get", "list", "patch", "post")
LIST_PATH = "/api/v1/contacts?preferred_language=pl&limit=20"
QUERY_PASS = 20


class ApiCaller:
    """Sends the load mix's four kinds of request with a bearer token; anything but 2xx fails."""

    def __init__(self, token: str, ids: list[Any], *, seed: int = 5) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ids = [str(pk) for pk in ids]
        self.random = random.Random(seed)
        self.counter = itertools.count()

    def _check(self, response: Any, what: str) -> Any:
        if not 200 <= response.status_code < 300:
            raise RuntimeError(f"{what} answered {response.status_code}: {response.content[:300]!r}")
        return response

    def get(self) -> Any:
        pk = self.random.choice(self.ids)
        return self._check(self.client.get(f"/api/v1/contacts/{pk}", headers=self.headers), "GET one")

    def list(self) -> Any:
        return self._check(self.client.get(LIST_PATH, headers=self.headers), "GET list")

    def patch(self) -> Any:
        pk = self.random.choice(self.ids)
        body = json.dumps({"notes": f"load breakdown {next(self.counter)}"})
        return self._check(
            self.client.patch(
                f"/api/v1/contacts/{pk}", data=body, content_type="application/json", headers=self.headers
            ),
            "PATCH",
        )

    def post(self) -> Any:
        key = f"load-breakdown-{next(self.counter)}-{self.random.randrange(10**9)}"
        body = json.dumps(
            {
                "first_name": "Load",
                "last_name": f"Test {key}",
                "external_id": key,
                "emails": [{"email": f"{key}@load.example"}],
            }
        )
        return self._check(
            self.client.post("/api/v1/contacts", data=body, content_type="application/json", headers=self.headers),
            "POST",
        )

    def call(self, kind: str) -> Callable[[], Any]:
        return {"get": self.get, "list": self.list, "patch": self.patch, "post": self.post}[kind]


def _figures(wall: list[float], cpu: list[float]) -> dict[str, Any]:
    return {
        "requests": len(wall),
        "p50_ms": round(statistics.median(wall), 2),
        "p95_ms": round(percentile(wall, 95), 2),
        "p99_ms": round(percentile(wall, 99), 2),
        "mean_ms": round(statistics.fmean(wall), 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_mean_ms": round(statistics.fmean(cpu), 2),
    }


def measure(caller: ApiCaller, runs: int, *, warmup: int = 5, kinds: tuple[str, ...] = KINDS) -> dict[str, Any]:
    """Per kind: ``runs`` timed requests, then the queries of ``QUERY_PASS`` more."""
    results: dict[str, Any] = {}
    for kind in kinds:
        call = caller.call(kind)
        for _ in range(warmup):
            call()
        wall, cpu = [], []
        for _ in range(runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            call()
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
        counts = []
        for _ in range(QUERY_PASS):
            with CaptureQueriesContext(connection) as captured:
                call()
            counts.append(len(captured))
        results[kind] = {
            **_figures(wall, cpu),
            "queries_per_request": round(statistics.fmean(counts), 1),
            "queries_max": max(counts),
        }
    return results


def mix_estimate(breakdown: dict[str, Any], mix: dict[str, float]) -> dict[str, float]:
    """The mean server time of one request of the load's mix, and the requests a second one core
    could serve at that cost (an upper bound: the database and the load generator share the cores)."""
    mean = sum(breakdown[kind]["mean_ms"] * share for kind, share in mix.items())
    return {"mean_ms": round(mean, 2), "per_core_per_s": round(1000 / mean, 1) if mean else 0.0}


def table(breakdown: dict[str, Any]) -> list[str]:
    """Lines for the printed report."""
    lines = [
        f"  {'endpoint':<10} {'requests':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'cpu p50':>8} {'queries':>8}",
    ]
    for kind in KINDS:
        row = breakdown.get(kind)
        if not row:
            continue
        lines.append(
            f"  {kind:<10} {row['requests']:>8} {row['p50_ms']:>7.2f} {row['p95_ms']:>7.2f} {row['p99_ms']:>7.2f}"
            f" {row['cpu_p50_ms']:>8.2f} {row['queries_per_request']:>8g}"
        )
    return lines
