"""``accord bench``: the performance benchmark (code in benchmarks/ at the repository's root).

Runs on the database DATABASE_URL names; without one, on var/bench.sqlite3 rather than the
application's own database (see accord.cli).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

ROOT = Path(__file__).resolve().parents[4]


class Command(BaseCommand):
    help = "Generate the benchmark dataset and measure the workloads B1-B7 (see benchmarks/README.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0: 1M contacts, 200k companies, 5M interactions"
        )
        parser.add_argument("--quick", action="store_true", help="Scale 0.05 (about 50k contacts)")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--only", default="", help="Comma-separated workloads, e.g. B2,B3")
        parser.add_argument(
            "--regenerate", action="store_true", help="Wipe the database and generate the dataset again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (ROOT / "benchmarks" / "runner.py").exists():
            raise CommandError("The benchmarks live in the source checkout (benchmarks/); run accord bench from there.")
        sys.path.insert(0, str(ROOT))
        from benchmarks import runner

        scale = runner.QUICK_SCALE if options["quick"] else options["scale"]
        only = [w.strip().upper() for w in options["only"].split(",") if w.strip()] or None
        results = runner.run(
            scale=scale, seed=options["seed"], only=only, regenerate=options["regenerate"], log=self.stdout.write
        )
        self.stdout.write("")
        self.stdout.write(runner.table(results))
        path = runner.write(results)
        if path is not None:
            self.stdout.write(f"\nFigures written to {path.relative_to(ROOT)}")
