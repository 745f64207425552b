"""`accord bench` reports: sizes of the run in the verdicts' names, a workload that cannot run is
reported as skipped while the others keep their figures."""

import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from accord.people.services import create_contact  # noqa: E402
from benchmarks import runner  # noqa: E402
from benchmarks.targets import verdicts  # noqa: E402
from benchmarks.workloads import api_endpoints, load  # noqa: E402


def test_quick_run_names_its_scaled_sizes():
    figures = {"B7": {"reassign_seconds": 0.8, "role_change_ms": 3}, "B1": {"full": {"rows_per_s": 20000}}}

    names = [row["name"] for row in verdicts(figures, "sqlite", scale=0.05)]

    assert "B7 reassign 15k contacts" in names
    assert "B1 import rows/s (50k present)" in names
    assert "B7 reassign 300k contacts" in [row["name"] for row in verdicts(figures, "sqlite")]


def test_without_wrk_the_load_is_skipped_and_the_report_keeps_the_rest_and_the_endpoint_costs(
    monkeypatch, tmp_path, owner
):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no wrk on it
    monkeypatch.setattr(load, "BREAKDOWN_RUNS", 20)
    for name in ("Nowak", "Lis", "Kos"):
        create_contact(actor=owner, data={"last_name": name})

    b5 = load.b5_api_load(data=SimpleNamespace(reps=[owner], scale=0.05))  # type: ignore[arg-type]

    assert b5["skipped"] == "wrk is not installed (apt-get install wrk)"
    assert set(b5["endpoints"]) == {"get", "list", "patch", "post"}
    assert all(row["requests"] == 20 for row in b5["endpoints"].values())
    figures = {"B5": b5, "B7": {"reassign_seconds": 1.5, "role_change_ms": 10}}
    results = {"workloads": figures, "verdicts": verdicts(figures, "postgresql")}
    text = runner.table(results)
    assert "B7 reassign 300k contacts" in text
    assert "B5: skipped — wrk is not installed" in text
    assert "B5 per endpoint, in-process server time (ms) and queries per request:" in text


def test_the_load_report_breaks_the_api_down_by_endpoint():
    row = {"requests": 200, "p50_ms": 8.0, "p95_ms": 15.8, "p99_ms": 17.8, "mean_ms": 10.1, "cpu_p50_ms": 2.1}
    endpoints = {
        "get": {**row, "queries_per_request": 2.0},
        "list": {**row, "mean_ms": 47.6, "queries_per_request": 3.0},
        "patch": {**row, "mean_ms": 43.2, "queries_per_request": 14.0},
        "post": {**row, "mean_ms": 162.3, "queries_per_request": 25.0},
    }
    figures = {"B5": {"requests_per_s": 38.8, "p95_ms": 637, "p99_ms": 698, "endpoints": endpoints}}

    text = runner.table({"workloads": figures, "verdicts": verdicts(figures, "postgresql")})

    lines = text.splitlines()
    assert "B5 per endpoint, in-process server time (ms) and queries per request:" in lines
    get_line = next(line for line in lines if line.split()[:1] == ["get"])
    assert get_line.split() == ["get", "200", "8.00", "15.80", "17.80", "2.10", "2"]
    assert [line.split()[0] for line in lines if line.split()[:1] in (["list"], ["patch"], ["post"])] == [
        "list",
        "patch",
        "post",
    ]
    mix = api_endpoints.mix_estimate(endpoints, load.MIX)
    assert mix["mean_ms"] == round(0.6 * 10.1 + 0.2 * 47.6 + 0.1 * 43.2 + 0.1 * 162.3, 2)


def test_the_statement_import_workload_books_a_file_once(db):
    from benchmarks.workloads import statements

    figures = statements.c2_statement_import(SimpleNamespace(scale=0.01))

    assert figures["lines"] == 1000
    # 70% paid in full and 10% in part are booked; 10% unknown payers wait; 10% debits are ignored.
    assert (figures["booked"], figures["queued"], figures["ignored"]) == (800, 100, 100)
    assert figures["again_booked"] == 0
    assert {"parse", "match", "book"} <= set(figures["phases"])
    names = [row["name"] for row in verdicts({"C2": figures}, "sqlite", scale=0.01)]
    assert names == ["C2 statement import, 1k lines with matching"]


def test_the_chat_workload_alone_generates_no_dataset(db, monkeypatch):
    def no_dataset(*args, **kwargs):
        raise AssertionError("SV3 needs no dataset")

    monkeypatch.setattr(runner.dataset, "generate", no_dataset)
    monkeypatch.setattr(runner.dataset, "load", no_dataset)
    figures = {"paced": {"delivery_p95_ms": 40.0}, "burst": {"delivery_p95_ms": 2000.0}, "lost": 0}
    monkeypatch.setitem(runner.WORKLOADS, "SV3", lambda data: dict(figures, data=data))

    results = runner.run(scale=1.0, seed=1, only=["SV3"], regenerate=False, log=lambda line: None)

    assert results["workloads"]["SV3"]["data"] is None
    verdict = {row["name"]: row["met"] for row in results["verdicts"]}
    assert verdict == {"SV3 chat delivery p95, 500 connections, ~50 msg/s": True, "SV3 chat messages lost": True}
