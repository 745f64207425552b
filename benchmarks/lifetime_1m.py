"""The lifetime values at a million customers: fit, scoring and (with ``DATABASE_URL``) the write.

Generates ``--customers`` purchase summaries from the BG/NBD and Gamma-Gamma processes with
parameters drawn from ``--seed`` (a plausible range each: r 0.2-2, alpha 1-20 weeks, a 0.3-3,
b 1-10, p 2-8, q 2-6, gamma 10-200), observed for 0 to 104 weeks after the first purchase and
summarised in whole days as Accord summarises orders; then times, as
``services.lifetime.estimate`` runs them, the BG/NBD and Gamma-Gamma fits, the scoring (P(alive),
twelve monthly expected purchases, CLV) and, when ``DATABASE_URL`` names a database (migrated
first), the write of every row (COPY on PostgreSQL, batched executemany on SQLite). The rows name
made-up customers: they are written inside a transaction that is rolled back, so the foreign keys
(deferred on both databases) are never checked and nothing stays behind.

    python benchmarks/lifetime_1m.py [--customers 1000000] [--seed 1]
    DATABASE_URL=postgres://... python benchmarks/lifetime_1m.py

Prints JSON: the parameters drawn and fitted, the customers and repeat customers, the seconds of
each step and the process's peak resident memory (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import sys
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")


def draw_parameters(rng: np.random.Generator) -> dict[str, float]:
    return {
        "r": float(rng.uniform(0.2, 2.0)),
        "alpha": float(rng.uniform(1.0, 20.0)),
        "a": float(rng.uniform(0.3, 3.0)),
        "b": float(rng.uniform(1.0, 10.0)),
        "p": float(rng.uniform(2.0, 8.0)),
        "q": float(rng.uniform(2.0, 6.0)),
        "gamma": float(rng.uniform(10.0, 200.0)),
    }


def simulate(n: int, params: dict[str, float], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """x, t_x, T (weeks, whole days), mean repeat value and margin ratio of ``n`` customers."""
    rate = rng.gamma(params["r"], 1.0 / params["alpha"], n)  # purchases a week while alive
    dropout = rng.beta(params["a"], params["b"], n)
    t = rng.integers(0, 729, n) / 7.0
    x = np.zeros(n)
    t_x = np.zeros(n)
    now = np.zeros(n)
    active = np.arange(n)
    while active.size:
        now[active] += rng.exponential(1.0, active.size) / rate[active]
        bought = now[active] <= t[active]
        active = active[bought]
        x[active] += 1
        t_x[active] = now[active]
        active = active[rng.random(active.size) >= dropout[active]]  # dropout after a repeat purchase
    t_x = np.floor(t_x * 7.0) / 7.0  # whole days, as the summary of orders has them
    nu = rng.gamma(params["q"], 1.0 / params["gamma"], n)
    repeat = x > 0
    mean = np.full(n, np.nan)
    mean[repeat] = rng.gamma(params["p"] * x[repeat], 1.0 / nu[repeat]) / x[repeat]
    ratio = np.where(rng.random(n) < 0.2, np.nan, rng.uniform(0.1, 0.6, n))
    return {"x": x, "t_x": t_x, "t": t, "mean_value": mean, "margin_ratio": ratio}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from accord.analytics.services import lifetime

    rng = np.random.default_rng(args.seed)
    params = draw_parameters(rng)
    started = time.monotonic()
    columns = simulate(args.customers, params, rng)
    ids = np.array([uuid.UUID(int=int(k)).hex for k in rng.integers(1, 2**62, args.customers)], dtype=object)
    data = lifetime.Summary(ids=ids, is_company=rng.random(args.customers) < 0.2, **columns)
    generated = time.monotonic() - started
    memory_before = peak_mb()

    started = time.monotonic()
    outcome, bgnbd, gamma_gamma = lifetime.fit(data)
    fitted = time.monotonic() - started
    started = time.monotonic()
    assert bgnbd is not None, outcome
    scores = lifetime.score(data, bgnbd, gamma_gamma if gamma_gamma and gamma_gamma.converged else None)
    scored = time.monotonic() - started

    written = None
    database = None
    if os.environ.get("DATABASE_URL"):
        from django.core.management import call_command
        from django.db import connection, transaction

        call_command("migrate", verbosity=0)
        database = connection.vendor
        started = time.monotonic()
        with transaction.atomic():
            lifetime.write(data, scores, datetime.date(2026, 6, 30))
            written = time.monotonic() - started
            transaction.set_rollback(True)

    print(
        json.dumps(
            {
                "customers": len(data),
                "repeat_customers": int((data.x > 0).sum()),
                "seed": args.seed,
                "drawn": params,
                "outcome": str(outcome),
                "fitted": {
                    "r": bgnbd.r,
                    "alpha": bgnbd.alpha,
                    "a": bgnbd.a,
                    "b": bgnbd.b,
                    "bgnbd_converged": bgnbd.converged,
                    **({"p": gamma_gamma.p, "q": gamma_gamma.q, "gamma": gamma_gamma.gamma} if gamma_gamma else {}),
                    "gamma_gamma_converged": bool(gamma_gamma and gamma_gamma.converged),
                },
                "seconds": {
                    "generate": round(generated, 2),
                    "fit": round(fitted, 2),
                    "score": round(scored, 2),
                    "write": None if written is None else round(written, 2),
                    "fit_score_write": round(fitted + scored + (written or 0.0), 2),
                },
                "database": database,
                "peak_rss_mb": {"after_generating": round(memory_before, 1), "at_end": round(peak_mb(), 1)},
                "churn_risk": {band: int((scores.churn_risk == band).sum()) for band in ("low", "medium", "high")},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
