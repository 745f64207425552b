"""``accord bench``: generate the dataset (once per scale), run the workloads, print a table and
write ``benchmarks/results/<database>.json``."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection

from benchmarks import dataset
from benchmarks.targets import TARGETS, verdicts
from benchmarks.workloads import (
    api_endpoints,
    campaign,
    chat,
    collections,
    greetings,
    load,
    mass,
    outbox,
    reads,
    sales,
    segments,
    service,
    statements,
    writes,
)

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
QUICK_SCALE = 0.05

WORKLOADS: dict[str, Callable[..., dict[str, Any]]] = {
    "B1": writes.b1_import,
    "B2": reads.b2_lists,
    "B3": reads.b3_search,
    "B4": reads.b4_contact_page,
    "B5": load.b5_api_load,
    "B6": writes.b6_bulk_upsert,
    "B7": mass.b7_mass_change,
    "S1": sales.s1_board,
    "C1": collections.c1_collections_run,
    "C2": statements.c2_statement_import,
    "C3": outbox.c3_outbox,
    "M1": segments.m1_segments,
    "M2": campaign.m2_campaign_send,
    "G1": greetings.g1_greetings_run,
    "SV1": service.sv1_tickets,
    "SV2": service.sv2_sla_check,
    "SV3": chat.sv3_chat,
}
# Workloads that bring their own server and database: asked for alone, no dataset is generated.
NO_DATASET = {"SV3"}


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _database() -> dict[str, str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return {"vendor": connection.vendor, "version": str(version)}


def run(
    *, scale: float, seed: int, only: list[str] | None, regenerate: bool, log: Callable[[str], None]
) -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    data: Any = None
    if only and set(only) <= NO_DATASET and not regenerate:
        log("No dataset needed for " + ", ".join(only) + ".")
    elif regenerate or not dataset.existing(scale, seed):
        from accord.people.models import Contact

        if Contact.objects.exists() and not regenerate:
            raise SystemExit(
                "This database already holds contacts that are not this benchmark's dataset. "
                "Point DATABASE_URL at an empty database (or pass --regenerate to wipe and rebuild it)."
            )
        if regenerate:
            call_command("flush", interactive=False, verbosity=0)
            from accord.identity.roles import ensure_default_roles

            ensure_default_roles()
        log(f"Generating the dataset at scale {scale} ...")
        data = dataset.generate(scale, seed, log=log)
    else:
        data = dataset.load(scale, seed)
    figures: dict[str, Any] = {}
    for name, workload in WORKLOADS.items():
        if only and name not in only:
            continue
        log(f"Running {name} ...")
        started = time.monotonic()
        try:
            figures[name] = workload(data)
        except Exception as exc:  # one workload failing must not lose the others' figures
            log(f"{name} failed: {exc!r}")
            figures[name] = {"failed": f"{type(exc).__name__}: {exc}"}
        figures[name]["seconds"] = round(time.monotonic() - started, 1)
        figures[name]["measured_at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        figures[name]["commit"] = _commit()
    return {
        "database": _database(),
        "commit": _commit(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "scale": scale,
        "dataset": dataset.counts(scale),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "workloads": figures,
        "verdicts": verdicts(figures, connection.vendor, scale=scale),
    }


def results_path(vendor: str, scale: float) -> Path:
    """``<database>.json`` for the full scale; a smaller scale keeps its own file beside it."""
    return RESULTS / (f"{vendor}.json" if scale == 1 else f"{vendor}-scale{scale:g}.json")


def write(results: dict[str, Any]) -> Path | None:
    """Write the results (nothing when no workload ran); workloads not run this time keep their
    figures from an earlier run of the same scale (each workload records when and at which commit
    it was measured)."""
    if not results["workloads"]:
        return None
    RESULTS.mkdir(exist_ok=True)
    vendor = results["database"]["vendor"]
    path = results_path(vendor, results["scale"])
    if path.exists():
        try:
            earlier = json.loads(path.read_text())
        except ValueError:
            earlier = {}
        if earlier.get("scale") == results["scale"]:
            kept = {k: v for k, v in earlier.get("workloads", {}).items() if k not in results["workloads"]}
            if kept:
                results["workloads"] = {**kept, **results["workloads"]}
                results["verdicts"] = verdicts(results["workloads"], vendor, scale=results["scale"])
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return path


def table(results: dict[str, Any]) -> str:
    lines = [f"{'workload':<34} {'measured':>14} {'target':>14}  met", "-" * 70]
    for row in results["verdicts"]:
        met = "—" if row["met"] is None else ("yes" if row["met"] else "NO")
        lines.append(f"{row['name']:<34} {row['measured']:>14} {row['target']:>14}  {met}")
    endpoints = results["workloads"].get("B5", {}).get("endpoints")
    if endpoints:
        lines.append("B5 per endpoint, in-process server time (ms) and queries per request:")
        lines.extend(api_endpoints.table(endpoints))
    for name, figures in results["workloads"].items():
        reason = figures.get("skipped") or figures.get("failed")
        if reason:
            lines.append(f"{name}: {'skipped' if figures.get('skipped') else 'FAILED'} — {reason}")
    return "\n".join(lines)


__all__ = ["TARGETS", "run", "table", "write"]
