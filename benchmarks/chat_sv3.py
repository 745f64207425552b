"""SV3 from the command line, with its settings as options: ``accord bench --only SV3`` runs the same
measurement (benchmarks/workloads/chat.py, whose docstring says what is measured).

    python benchmarks/chat_sv3.py [--connections 500] [--seconds 30] [--bursts 2] [--pace 10] [--seed N]
                                  [--layer redis://127.0.0.1:6379/13 --workers 2]

Runs on a temporary SQLite database unless ``--database`` names one (it must be empty: it is migrated
and given a user and a chat channel).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.workloads.chat import serve_and_measure


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the visitors write at their pace")
    parser.add_argument("--bursts", type=int, default=2, help="messages per visitor all sent in the same instant")
    parser.add_argument("--pace", type=float, default=10.0, help="mean pause before each paced message, seconds")
    parser.add_argument("--seed", type=int, default=1515)
    parser.add_argument("--database", default="", help="DATABASE_URL of an empty database (default: a SQLite file)")
    parser.add_argument("--layer", default="", help="a Redis URL: the shared channel layer")
    parser.add_argument("--workers", type=int, default=2, help="web processes with --layer")
    parser.add_argument("--server-log", default="", help="append the server's error output to this file")
    args = parser.parse_args()
    import tempfile

    database = args.database or f"sqlite:///{tempfile.mkdtemp(prefix='accord-sv3-db-')}/chat.sqlite3"
    figures = serve_and_measure(
        connections=args.connections,
        seconds=args.seconds,
        bursts=args.bursts,
        pace=args.pace,
        seed=args.seed,
        database_url=database,
        layer_url=args.layer,
        workers=args.workers,
        server_log=args.server_log,
    )
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
