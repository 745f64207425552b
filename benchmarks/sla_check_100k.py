"""SV2 without the full dataset: ``sla.check()`` over N due tickets (default 100,000).

``accord bench --only SV2`` needs the 1M-contact dataset and a million tickets with their
conversations before it can make 100,000 of them due; this script makes only what the check reads:
a small dataset (scale 0.001: a thousand contacts), ``--tickets`` tickets without messages of which
``--due`` are open, then ``prepare_due`` (the SV2 workload's own) and the check, timed. The database
is the one ``DATABASE_URL`` names, migrated first; the tickets are made once and kept.

    DATABASE_URL=postgres://... python benchmarks/sla_check_100k.py [--due 100000] [--tickets 300000]
        [--runs 1] [--profile]

Prints JSON: the check's wall and CPU seconds per run, the findings, what a second check finds,
and the events written; ``--profile`` prints the check's cProfile (top 30 by cumulative time, or
by ``SLA_PROFILE_SORT``, e.g. ``tottime``).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--due", type=int, default=100_000)
    parser.add_argument("--tickets", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from accord.core import bulk
    from accord.core.ids import uuid7
    from accord.core.models import Event
    from accord.people.models import Contact
    from accord.service.models import Ticket
    from accord.service.services import sla
    from benchmarks import dataset
    from benchmarks.dataset import CHUNK
    from benchmarks.workloads import service

    call_command("migrate", verbosity=0)
    if not dataset.existing(0.001, 1):
        dataset.generate(0.001, 1, log=lambda _line: None)
    with transaction.atomic():
        queues, agents, policy = service._setup()
    if Ticket.objects.filter(queue__in=queues).count() != args.tickets:
        with transaction.atomic():
            stale = Ticket.objects.filter(queue__in=queues)
            stale._raw_delete(stale.db)
        rng = random.Random(7)
        contacts = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
        now = timezone.now()
        first = (Ticket.objects.aggregate(m=Max("number"))["m"] or 0) + 1
        open_share = min(1.0, args.due * 1.2 / args.tickets)
        columns = [c for c in service.TICKET_COLUMNS if c != "company"]
        for start in range(0, args.tickets, CHUNK):
            rows = []
            for i in range(start, min(args.tickets, start + CHUNK)):
                is_open = rng.random() < open_share
                created = now - datetime.timedelta(minutes=rng.randint(5, 730 * 24 * 60))
                status = rng.choice(("new", "open", "waiting")) if is_open else "closed"
                q = rng.randrange(service.QUEUES)
                ended = None if is_open else created + datetime.timedelta(days=2)
                rows.append(
                    (
                        uuid7(),
                        first + i,
                        f"{rng.choice(service.SUBJECTS)} {i}",
                        status,
                        rng.choice(("low", "normal", "normal", "high", "urgent")),
                        "email",
                        queues[q].pk,
                        agents[q * service.AGENTS_PER_QUEUE + rng.randrange(service.AGENTS_PER_QUEUE)].pk,
                        contacts[rng.randrange(len(contacts))],
                        False,
                        policy.pk,
                        created + datetime.timedelta(hours=4),
                        created + datetime.timedelta(days=3),
                        None,
                        None,
                        False,
                        False,
                        None,
                        ended,
                        ended,
                        created,
                        None,
                        created,
                        ended or created,
                    )
                )
            with transaction.atomic():
                bulk.insert_values(Ticket, columns, rows)
        service._analyze()

    runs = []
    for _run in range(args.runs):
        now = timezone.now()
        due = service.prepare_due(policy, queues, args.due, now)
        load = os.getloadavg()[0]
        profiler = cProfile.Profile() if args.profile else None
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        result = sla.check(now=now)
        if profiler:
            profiler.disable()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        again = sla.check(now=now)
        runs.append(
            {
                "due": due,
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu_seconds, 2),
                "load_before": round(load, 2),
                "load_after": round(os.getloadavg()[0], 2),
                "warned": result.warned,
                "breached": result.breached,
                "again": again.warned + again.breached,
                "events": Event.objects.filter(
                    name__in=("service.ticket.sla_warning", "service.ticket.sla_breached")
                ).count(),
            }
        )
        if profiler:
            order = os.environ.get("SLA_PROFILE_SORT", "cumulative")
            pstats.Stats(profiler, stream=sys.stderr).sort_stats(order).print_stats(30)
    print(json.dumps({"vendor": connection.vendor, "tickets": args.tickets, "runs": runs}, indent=1))


if __name__ == "__main__":
    main()
