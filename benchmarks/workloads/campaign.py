"""M2 a campaign's e-mails through the outbox: 200,000 (at scale 1) personalised e-mails to the
dataset's contacts, sent by N `accord send_messages` processes side by side into a local SMTP sink
(``benchmarks/smtp_sink.py``, or aiosmtpd with ``ACCORD_BENCH_SINK=aiosmtpd``; in a process of
its own); e-mails per second from the start of the processes to the end
of the last. Then the same again with a worker killed (SIGKILL) ten times mid-send and a new one
started each time: every e-mail must arrive, none twice.

The e-mails are shaped as a campaign's: one shared text and HTML (``MessageContent``) personalised
per recipient from a few variables, the RFC 8058 unsubscribe headers signed per recipient, a
campaign's kind (recorded by the campaign's recipient rows, not on the timeline). The recipients
and their variables are drawn from the seed. (Queued here directly through the outbox; the
campaign's own launch, which snapshots its segment and checks consent first, is timed apart.)"""

from __future__ import annotations

import datetime
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accord.messaging.models import Message, MessageContent
from accord.messaging.services import Outgoing, queue_many
from accord.people.models import Contact
from benchmarks.dataset import Dataset
from benchmarks.workloads.writes import _database_url

FULL = 200_000
# A campaign's kind: what the outbox does with a campaign's e-mails (they are not logged on the
# timeline; the campaign's recipient rows say who got what) it does with these. Told apart from a
# real campaign's by their keys.
KIND = "campaign"
KEY = "bench-campaign"
WORKERS = int(os.environ.get("ACCORD_BENCH_CAMPAIGN_WORKERS", "3"))
KILLS = 10
STARTUP = 1.5  # seconds a worker takes to start sending
CHUNK = 2_000

TEXT = """Dzień dobry {{ first_name }},

{% if city %}w {{ city }} {% endif %}czeka na Ciebie nowa oferta: {{ offer }}.
Zobacz: {{ link }}

Pozdrawiamy,
{{ sender }}
"""
HTML = """<!doctype html><html><body>
<h1>Dzień dobry {{ first_name }}</h1>
<p>{% if city %}W {{ city }} {% endif %}czeka na Ciebie nowa oferta: <strong>{{ offer }}</strong>.</p>
<p><a href="{{ link }}">Zobacz ofertę</a></p>
<p>Pozdrawiamy,<br>{{ sender }}</p>
<p><small><a href="{{ unsubscribe }}">Wypisz się</a></small></p>
</body></html>"""
OFFERS = ["Kawa ziarnista 1 kg", "Ekspres ciśnieniowy", "Młynek żarnowy", "Zestaw filiżanek", "Herbata liściasta"]

# The sink: counts what it receives by Message-ID, and reports when asked (SIGUSR1) and at the end.
_SINK = r"""
import asyncio, logging, signal, sys, threading, time
from aiosmtpd.controller import Controller

ids = []
class Sink:
    async def handle_DATA(self, server, session, envelope):
        data = envelope.content
        at = data.find(b"\r\nMessage-ID: ")
        end = data.find(b"\r\n", at + 14)
        ids.append(data[at + 14:end])
        return "250 OK"

logging.getLogger("mail.log").setLevel(logging.WARNING)
controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
out = sys.argv[2]
def dump(*_):
    with open(out, "wb") as f:
        f.write(b"\n".join(ids))
signal.signal(signal.SIGUSR1, dump)
signal.signal(signal.SIGTERM, lambda *_: (dump(), controller.stop(), sys.exit(0)))
while True:
    time.sleep(1)
"""


def sink_kind() -> str:
    """Which SMTP sink receives: "lean" (``benchmarks/smtp_sink.py``, the default) or "aiosmtpd"
    (``ACCORD_BENCH_SINK=aiosmtpd``), whose own parsing costs about 0.5 ms of processor a message
    on the processors the workers share."""
    return "aiosmtpd" if os.environ.get("ACCORD_BENCH_SINK", "lean") == "aiosmtpd" else "lean"


def _sink_command() -> list[str]:
    if sink_kind() == "aiosmtpd":
        return [sys.executable, "-c", _SINK]
    return [sys.executable, str(Path(__file__).resolve().parent.parent / "smtp_sink.py")]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _queue(data: Dataset, count: int, tag: str) -> tuple[float, list[str]]:
    """Queue ``count`` campaign e-mails to contacts drawn from the seed; returns the seconds it
    took and the Message-IDs queued."""
    rng = random.Random(f"{data.seed}:{tag}")
    picked = sorted(rng.sample(range(data.contacts), min(count, data.contacts)))
    while len(picked) < count:  # more e-mails than contacts (a tiny scale): some get two
        picked.append(rng.randrange(data.contacts))
    keys = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    content = MessageContent.objects.create(body_text=TEXT, body_html=HTML)
    started = time.perf_counter()
    for start in range(0, count, CHUNK):
        chosen = [keys[i] for i in picked[start : start + CHUNK]]
        contacts = {c.pk: c for c in Contact.objects.filter(pk__in=chosen).only("pk", "first_name", "owner_id")}
        items = []
        for n, pk in enumerate(chosen, start):
            contact = contacts[pk]
            token = f"{rng.getrandbits(128):032x}"
            items.append(
                Outgoing(
                    channel="email",
                    to=f"r{n}.{tag}@example.com",
                    subject=f"{contact.first_name or 'Witaj'}, mamy coś dla Ciebie",
                    idempotency_key=f"{KEY}:{tag}:{n}",
                    kind=KIND,
                    language="pl",
                    contact=contact,
                    content=content,
                    context={
                        "first_name": contact.first_name,
                        "city": rng.choice(["Warszawa", "Kraków", "", "Wilno", "Cluj-Napoca"]),
                        "offer": rng.choice(OFFERS),
                        "link": f"https://crm.example.com/marketing/t/c/{token}/",
                        "unsubscribe": f"https://crm.example.com/marketing/u/{token}/",
                        "sender": "Zespół Accord",
                    },
                    headers={
                        "List-Unsubscribe": f"<https://crm.example.com/marketing/u/{token}/>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                )
            )
        with transaction.atomic():
            queue_many(actor=None, items=items)
    seconds = time.perf_counter() - started
    ours = Message.objects.filter(idempotency_key__startswith=f"{KEY}:{tag}:")
    ids = list(ours.values_list("external_id", flat=True))
    return seconds, ids


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int) -> float | None:
    """CPU seconds a running process has used (Linux), None where /proc cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker(env: dict[str, str], count: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "accord", "send_messages", "--limit", str(count), "-v", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _received(sink: subprocess.Popen[str], path: Path) -> list[bytes]:
    sink.send_signal(signal.SIGUSR1)
    for _ in range(50):
        time.sleep(0.1)
        if path.exists():
            break
    return path.read_bytes().split(b"\n") if path.exists() and path.stat().st_size else []


def _verdict(queued: list[str], received: list[bytes]) -> dict[str, int]:
    wanted = {i.encode() for i in queued}
    got = [r for r in received if r in wanted]
    distinct = set(got)
    return {"received": len(got), "received_twice": len(got) - len(distinct), "not_received": len(wanted - distinct)}


def m2_campaign_send(data: Dataset) -> dict[str, Any]:
    count = max(1_000, round(FULL * data.scale))
    with transaction.atomic():
        Message.objects.filter(idempotency_key__startswith=f"{KEY}:")._raw_delete(connection.alias)
    # Other workloads' queued messages wait until this one is done.
    later = timezone.now() + datetime.timedelta(days=365)
    parked = list(
        Message.objects.filter(state="queued")
        .exclude(idempotency_key__startswith=f"{KEY}:")
        .values_list("pk", "next_attempt_at")
    )
    Message.objects.filter(pk__in=[pk for pk, _when in parked]).update(next_attempt_at=later)
    port = _free_port()
    dump = Path(f"/tmp/accord-bench-sink-{os.getpid()}")
    dump.unlink(missing_ok=True)
    sink = subprocess.Popen([*_sink_command(), str(port), str(dump)], stdout=subprocess.PIPE, text=True)
    assert sink.stdout is not None
    sink.stdout.readline()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    try:
        queue_seconds, ids = _queue(data, count, "rate")
        started = time.perf_counter()
        cpu_started = _children_cpu()
        sink_started = _process_cpu(sink.pid)
        workers = [_worker(env, count) for _ in range(WORKERS)]
        errors = [w.communicate()[1].decode()[-2000:] for w in workers]
        seconds = time.perf_counter() - started
        cpu = _children_cpu() - cpu_started
        sink_ended = _process_cpu(sink.pid)
        sink_cpu = sink_ended - sink_started if sink_started is not None and sink_ended is not None else None
        failed = [e for w, e in zip(workers, errors, strict=True) if w.returncode]
        if failed:
            raise RuntimeError("accord send_messages failed:\n" + failed[0])
        rate = _verdict(ids, _received(sink, dump))

        # Killed ten times: a worker is killed every so often while the others go on, and a new
        # one started; a dead worker's claim is taken again once its (short) lease ends.
        dump.unlink(missing_ok=True)
        kill_count = count  # long enough for ten kills, each of a worker past its start-up
        _queue_seconds, kill_ids = _queue(data, kill_count, "kill")
        kill_env = {**env, "ACCORD_MESSAGE_LEASE_SECONDS": "4"}
        rng = random.Random(f"{data.seed}:kills")
        running = {_worker(kill_env, kill_count): time.monotonic() for _ in range(WORKERS)}
        kills = 0
        while kills < KILLS:
            time.sleep(rng.uniform(0.2, 1.0))
            # Only a worker that is sending: started long enough ago to be past its start-up
            # (about a second of CPU), and while e-mails are still waiting.
            sending = [w for w, at in running.items() if w.poll() is None and time.monotonic() - at > STARTUP]
            if not sending:
                if all(w.poll() is not None for w in running):
                    break
                continue
            victim = rng.choice(sending)
            victim.kill()
            victim.wait()
            kills += 1
            running[_worker(kill_env, kill_count)] = time.monotonic()
        # The rest: the survivors finish, then a last worker (after the leases) takes what the
        # killed ones held.
        for w in running:
            w.communicate()
        time.sleep(5)
        last = _worker(kill_env, kill_count)
        last.communicate()
        ours = Message.objects.filter(idempotency_key__startswith=f"{KEY}:kill:")
        left = ours.exclude(state="sent").count()
        killed = _verdict(kill_ids, _received(sink, dump))
    finally:
        sink.terminate()
        sink.wait()
        dump.unlink(missing_ok=True)
        for pk, when in parked:
            Message.objects.filter(pk=pk).update(next_attempt_at=when)
    return {
        "messages": count,
        "workers": WORKERS,
        "queue_seconds": round(queue_seconds, 1),
        "queued_per_second": round(count / queue_seconds) if queue_seconds else None,
        "send_seconds": round(seconds, 1),
        "per_second": round(count / seconds) if seconds else None,
        "workers_cpu_seconds": round(cpu, 1),
        "cpu_ms_per_message": round(cpu * 1000 / count, 2),
        "sink": sink_kind(),
        "sink_cpu_ms_per_message": round(sink_cpu * 1000 / count, 2) if sink_cpu is not None else None,
        **rate,
        "killed": {
            "messages": kill_count,
            "kills": kills,
            "not_sent_in_database": left,
            **killed,
            "lost": killed["not_received"],
            "doubled": killed["received_twice"],
        },
        "lost_or_doubled": rate["received_twice"] + rate["not_received"],
        "killed_lost_or_doubled": killed["received_twice"] + killed["not_received"],
    }
