"""`accord bench` reports: sizes of the run in the verdicts' names, a workload that cannot run is
reported as skipped while the others keep their figures."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import runner  # noqa: E402
from benchmarks.targets import verdicts  # noqa: E402
from benchmarks.workloads import load  # noqa: E402


def test_quick_run_names_its_scaled_sizes():
    figures = {"B7": {"reassign_seconds": 0.8, "role_change_ms": 3}, "B1": {"full": {"rows_per_s": 20000}}}

    names = [row["name"] for row in verdicts(figures, "sqlite", scale=0.05)]

    assert "B7 reassign 15k contacts" in names
    assert "B1 import rows/s (50k present)" in names
    assert "B7 reassign 300k contacts" in [row["name"] for row in verdicts(figures, "sqlite")]


def test_without_wrk_the_load_workload_is_skipped_and_the_report_keeps_the_rest(monkeypatch, tmp_path, db):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no wrk on it

    b5 = load.b5_api_load(data=None)  # type: ignore[arg-type]

    assert b5 == {"skipped": "wrk is not installed (apt-get install wrk)"}
    figures = {"B5": b5, "B7": {"reassign_seconds": 1.5, "role_change_ms": 10}}
    results = {"workloads": figures, "verdicts": verdicts(figures, "postgresql")}
    text = runner.table(results)
    assert "B7 reassign 300k contacts" in text
    assert "B5: skipped — wrk is not installed" in text
