"""The bank statement import (C2) at any number of lines, without generating the benchmark's
million-contact dataset: ``accord bench --scale 1 --only C2`` would first generate it.

Runs the C2 workload in this process (its invoices are generated in bulk for the size asked; its
companies are found or made) on the database ``DATABASE_URL`` names, which must already hold the
benchmark's tables (any ``accord bench`` run on it made them), and prints its figures as JSON:

    DATABASE_URL=postgres://127.0.0.1:5432/bench .venv/bin/python benchmarks/statement_import.py --lines 100000

Nothing is written to ``benchmarks/results``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from benchmarks.workloads import statements  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=statements.FULL_LINES)
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("Set DATABASE_URL to the benchmark's database (never the application's own).")
    figures = statements.c2_statement_import(None, lines=options.lines)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
