"""C3 the outbox: 20,000 e-mails (at scale 1) queued at once, sent by two `accord send_messages`
processes side by side into a local SMTP sink (aiosmtpd); e-mails per second from the start of the
processes to the end of the last, and whether any arrived twice or not at all. The processes' CPU
time is reported too: on a shared machine it says more than the wall time."""

from __future__ import annotations

import datetime
import logging
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accord.messaging.models import Message
from accord.messaging.services import Outgoing, queue_many
from benchmarks.dataset import Dataset
from benchmarks.workloads.writes import _database_url

FULL = 20_000
KIND = "bench"
WORKERS = 2


class _Sink:
    """An SMTP server that only counts what it receives, by Message-ID."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content.decode("utf-8", "replace")
        headers = (line for line in content.splitlines() if line.lower().startswith("message-id:"))
        found = next((line.split(":", 1)[1].strip() for line in headers), "")
        with self.lock:
            self.ids.append(found)
        return "250 OK"


def c3_outbox(data: Dataset) -> dict[str, Any]:
    from aiosmtpd.controller import Controller

    count = max(500, round(FULL * data.scale))
    with transaction.atomic():
        Message.objects.filter(kind=KIND)._raw_delete(connection.alias)
    for start in range(0, count, 1000):
        items = [
            Outgoing(
                channel="email",
                to=f"customer{i}@example.com",
                subject=f"Statement {i}",
                body="Your monthly statement is ready.",
                idempotency_key=f"bench:{i}",
                kind=KIND,
                language="pl",
            )
            for i in range(start, min(count, start + 1000))
        ]
        with transaction.atomic():
            queue_many(actor=None, items=items)
    # Other workloads' queued messages (C1's reminders) wait until this one is done.
    later = timezone.now() + datetime.timedelta(days=365)
    parked = list(Message.objects.filter(state="queued").exclude(kind=KIND).values_list("pk", "next_attempt_at"))
    Message.objects.filter(pk__in=[pk for pk, _when in parked]).update(next_attempt_at=later)
    sink = _Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    # The sink runs in this process: its log of every SMTP command (aiosmtpd's "mail.log" at INFO)
    # would take CPU from the workers it measures.
    sink_log = logging.getLogger("mail.log")
    sink_level = sink_log.level
    sink_log.setLevel(logging.WARNING)
    controller.start()
    try:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "LOG_LEVEL": "WARNING",
        }
        started = time.perf_counter()
        cpu_started = _children_cpu()
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "accord", "send_messages", "--limit", str(count), "-v", "0"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for _ in range(WORKERS)
        ]
        errors = [worker.communicate()[1].decode()[-2000:] for worker in workers]
        seconds = time.perf_counter() - started
        cpu = _children_cpu() - cpu_started
    finally:
        controller.stop()
        sink_log.setLevel(sink_level)
        for pk, when in parked:
            Message.objects.filter(pk=pk).update(next_attempt_at=when)
    failed = [error for worker, error in zip(workers, errors, strict=True) if worker.returncode]
    if failed:
        raise RuntimeError("accord send_messages failed:\n" + failed[0])
    sent = Message.objects.filter(kind=KIND, state="sent").count()
    received = len(sink.ids)
    return {
        "messages": count,
        "workers": WORKERS,
        "send_seconds": round(seconds, 1),
        "per_second": round(count / seconds) if seconds else None,
        "workers_cpu_seconds": round(cpu, 1),
        "cpu_ms_per_message": round(cpu * 1000 / count, 2),
        "sent": sent,
        "received": received,
        "received_twice": received - len(set(sink.ids)),
        "not_received": count - len(set(sink.ids)),
        "lost_or_doubled": (received - len(set(sink.ids))) + (count - len(set(sink.ids))),
    }


def _children_cpu() -> float:
    """CPU seconds (user and system) of this process's children that have ended."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
