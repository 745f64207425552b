"""Timing helpers: run a callable many times, report percentiles in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Timing:
    runs: int
    p50: float
    p95: float
    p99: float
    max: float
    # CPU time of this process per call (Python, and SQLite, which runs inside it; not PostgreSQL's
    # server): what a call costs, whatever else the machine is doing at the time.
    cpu_p50: float = 0.0
    cpu_p95: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "p50_ms": round(self.p50, 2),
            "p95_ms": round(self.p95, 2),
            "p99_ms": round(self.p99, 2),
            "max_ms": round(self.max, 2),
            "cpu_p50_ms": round(self.cpu_p50, 2),
            "cpu_p95_ms": round(self.cpu_p95, 2),
        }


def samples(scale: float, full: int) -> int:
    """How many samples (or rows) a workload takes: all at full scale, half on a small dataset
    (``--quick``), where the per-request and per-row costs show as well in half the time."""
    return full if scale >= 0.5 else max(20, full // 2)


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * pct / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def timed(fn: Callable[[Any], Any], inputs: Sequence[Any], *, warmup: int = 3) -> Timing:
    """Call ``fn`` once per input (cycling through warm-up calls first); milliseconds per call."""
    for item in list(inputs)[:warmup]:
        fn(item)
    samples, cpu = [], []
    for item in inputs:
        started, cpu_started = time.perf_counter(), time.process_time()
        fn(item)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    return Timing(
        len(samples),
        statistics.median(samples),
        percentile(samples, 95),
        percentile(samples, 99),
        max(samples),
        statistics.median(cpu),
        percentile(cpu, 95),
    )


class Browser:
    """A logged-in client that fails loudly on anything but 200 (a benchmark of errors is no benchmark)."""

    def __init__(self, user: Any) -> None:
        self.client = Client()
        self.client.force_login(user)

    def get(self, path: str, **headers: str) -> Any:
        response = self.client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        return response


def query_count(fn: Callable[[], Any]) -> int:
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)
