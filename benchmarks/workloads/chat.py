"""SV3: 500 concurrent live chat connections, message delivery p95 (needs no dataset).

Starts ``accord run`` (gunicorn + uvicorn; by default the embedded shape: one web process, the
in-memory channel layer) on a database of its own (a temporary SQLite file, or on PostgreSQL a
database named after the benchmark's with ``_sv3`` appended, dropped afterwards), opens N visitor
WebSockets (default 500) through the widget's endpoint and starts a chat on each. A message's
delivery time is from sending it to its arrival back through the chat's group: stored, then fanned
out by the channel layer.

Two phases on the same connections:

- ``paced`` (the target): for 30 seconds each visitor writes after a random pause averaging ten
  seconds (exponential, drawn from the seed), again and again, as people chat: 500 visitors send
  about 50 messages a second.
- ``burst`` (for information, the worst case): every visitor writes in the same instant, round
  after round, a second apart.

Afterwards the visitor messages in the server's database are counted against those acknowledged
(``lost`` must be 0). Settings (environment): ACCORD_BENCH_CHAT_CONNECTIONS (500),
ACCORD_BENCH_CHAT_SECONDS (of the paced phase, 30), ACCORD_BENCH_CHAT_BURSTS (2),
ACCORD_BENCH_CHAT_PACE (10 s), ACCORD_BENCH_CHAT_SEED (1515), ACCORD_BENCH_CHAT_LAYER_URL (a Redis
URL: the shared channel layer and ACCORD_BENCH_CHAT_WORKERS web processes, 2).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

SETUP = """
from accord.identity.models import Role, User
from accord.service.models import Queue
from accord.service.services import chat
User.objects.create_user(username="boss", password="x-long-password-1", role=Role.objects.get(code=Role.ADMIN))
channel = chat.create_channel(actor=None, name="Bench", queue=Queue.objects.create(name="Web", is_default=True),
                              allowed_origins=["http://bench.example.com"])
print(channel.key)
"""
COUNT = """
from accord.service.models import ChatMessage
print(ChatMessage.objects.filter(author_kind="visitor").count())
"""
ORIGIN = "http://bench.example.com"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(latencies: list[float], seconds: float) -> dict[str, Any]:
    if not latencies:
        return {"messages": 0}
    return {
        "messages": len(latencies),
        "seconds": round(seconds, 1),
        "messages_per_s": round(len(latencies) / seconds, 1) if seconds else None,
        "delivery_p50_ms": round(statistics.median(latencies), 1),
        "delivery_p95_ms": round(percentile(latencies, 0.95), 1),
        "delivery_p99_ms": round(percentile(latencies, 0.99), 1),
        "delivery_max_ms": round(max(latencies), 1),
    }


@dataclass
class Run:
    connections: int
    seconds: float
    bursts: int
    pace: float
    seed: int
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    go: asyncio.Event = field(default_factory=asyncio.Event)
    burst: asyncio.Event = field(default_factory=asyncio.Event)
    started: int = 0
    paced: list[float] = field(default_factory=list)
    burst_latencies: list[float] = field(default_factory=list)
    paced_done: int = 0
    all_paced: asyncio.Event = field(default_factory=asyncio.Event)
    errors: list[Any] = field(default_factory=list)


async def _say(ws: Any, body: str, latencies: list[float]) -> None:
    sent = time.perf_counter()
    await ws.send(json.dumps({"type": "message", "body": body}))
    while True:
        data = json.loads(await ws.recv())
        if data.get("type") == "message" and data.get("body") == body:
            latencies.append((time.perf_counter() - sent) * 1000)
            return
        if data.get("type") == "error":
            raise RuntimeError(data)


async def visitor(url: str, index: int, run: Run) -> None:
    import websockets

    pauses = random.Random(run.seed * 100_003 + index)
    async with websockets.connect(url, origin=websockets.Origin(ORIGIN), max_queue=None, open_timeout=120) as ws:
        json.loads(await ws.recv())  # hello
        form = {
            "type": "start",
            "name": f"Visitor {index}",
            "email": f"v{index}@bench.example.com",
            "question": "Hello",
            "consent": True,
        }
        await ws.send(json.dumps(form))
        while json.loads(await ws.recv())["type"] != "history":
            continue
        run.started += 1
        if run.started == run.connections:
            run.ready.set()
        await run.go.wait()
        try:
            until = time.perf_counter() + run.seconds
            n = 0
            while True:
                pause = pauses.expovariate(1 / run.pace)
                if time.perf_counter() + pause >= until:
                    break
                await asyncio.sleep(pause)
                await _say(ws, f"p{index}-{n}", run.paced)
                n += 1
        finally:
            run.paced_done += 1
            if run.paced_done == run.connections:
                run.all_paced.set()
        await run.burst.wait()
        for n in range(run.bursts):
            await _say(ws, f"b{index}-{n}", run.burst_latencies)
            await asyncio.sleep(1.0)  # a person types slower than this; within the rate limit


async def drive(url: str, run: Run) -> dict[str, Any]:
    started = time.perf_counter()
    tasks = []
    for i in range(run.connections):
        tasks.append(asyncio.create_task(visitor(url, i, run)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    waiting = asyncio.create_task(run.ready.wait())
    pending: set[asyncio.Task[Any]] = {waiting, *tasks}
    while not run.ready.is_set():
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        failed = [t for t in done if t is not waiting and t.exception() is not None]
        if failed:
            for task in tasks:
                task.cancel()
            raise failed[0].exception()  # type: ignore[misc]
    setup = time.perf_counter() - started
    run.go.set()
    paced_from = time.perf_counter()
    await run.all_paced.wait()
    paced_seconds = time.perf_counter() - paced_from
    run.burst.set()
    burst_from = time.perf_counter()
    await asyncio.gather(*tasks)
    return {
        "connections": run.connections,
        "seconds_to_open_and_start_all": round(setup, 1),
        "paced": {"pace_seconds": run.pace, **summary(run.paced, min(paced_seconds, run.seconds))},
        "burst": summary(run.burst_latencies, time.perf_counter() - burst_from),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def own_database(var: Path) -> Iterator[str]:
    """A database of the benchmark's own beside the one DATABASE_URL names (SQLite when none)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield f"sqlite:///{var / 'chat.sqlite3'}"
        return
    settings = connection.settings_dict
    name = f"{settings['NAME']}_sv3"
    quoted = connection.ops.quote_name(name)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted}")
        cursor.execute(f"CREATE DATABASE {quoted}")
    password = f":{quote(str(settings['PASSWORD']), safe='')}" if settings.get("PASSWORD") else ""
    where = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    try:
        yield f"postgres://{quote(str(settings['USER']), safe='')}{password}@{where}/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


def serve_and_measure(
    *,
    connections: int,
    seconds: float,
    bursts: int,
    pace: float,
    seed: int,
    database_url: str | None = None,
    layer_url: str = "",
    workers: int = 2,
    server_log: str = "",
) -> dict[str, Any]:
    var = Path(tempfile.mkdtemp(prefix="accord-sv3-"))
    try:
        with contextlib.ExitStack() as stack:
            url = database_url or stack.enter_context(own_database(var))
            return _measure(var, url, connections, seconds, bursts, pace, seed, layer_url, workers, server_log)
    finally:
        shutil.rmtree(var, ignore_errors=True)


def _measure(
    var: Path,
    database_url: str,
    connections: int,
    seconds: float,
    bursts: int,
    pace: float,
    seed: int,
    layer_url: str,
    workers: int,
    server_log: str = "",
) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ACCORD_VAR_DIR": str(var),
        "ACCORD_ENV": "development",
        "CHANNEL_LAYER_URL": layer_url,
        "REDIS_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    accord = [sys.executable, "-m", "accord"]
    subprocess.run([*accord, "migrate", "--no-input", "-v0"], env=env, check=True)
    key = subprocess.run([*accord, "shell", "-c", SETUP], env=env, check=True, capture_output=True, text=True)
    key_value = key.stdout.strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen(
        [*accord, "run", "--no-worker", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(server_log, "ab") if server_log else subprocess.DEVNULL,  # noqa: SIM115 - the server's, closed at exit
    )
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        url = f"ws://127.0.0.1:{port}/ws/service/chat/visitor/{key_value}/"
        figures = asyncio.run(drive(url, Run(connections, seconds, bursts, pace, seed)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    count = subprocess.run([*accord, "shell", "-c", COUNT], env=env, check=True, capture_output=True, text=True)
    stored = int(count.stdout.strip().splitlines()[-1])
    acknowledged = connections + figures["paced"]["messages"] + figures["burst"]["messages"]  # + the questions
    figures["stored_visitor_messages"] = stored
    figures["lost"] = acknowledged - stored if stored < acknowledged else 0
    figures["shape"] = (
        {"web_processes": workers, "channel_layer": "redis"}
        if layer_url
        else {"web_processes": 1, "channel_layer": "memory"}
    )
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return figures


def sv3_chat(data: Any = None) -> dict[str, Any]:
    """The registered workload: the settings from the environment (see the module's docstring)."""
    layer_url = os.environ.get("ACCORD_BENCH_CHAT_LAYER_URL", "")
    load_before = [round(x, 2) for x in os.getloadavg()]
    figures = serve_and_measure(
        connections=int(os.environ.get("ACCORD_BENCH_CHAT_CONNECTIONS", "500")),
        seconds=float(os.environ.get("ACCORD_BENCH_CHAT_SECONDS", "30")),
        bursts=int(os.environ.get("ACCORD_BENCH_CHAT_BURSTS", "2")),
        pace=float(os.environ.get("ACCORD_BENCH_CHAT_PACE", "10")),
        seed=int(os.environ.get("ACCORD_BENCH_CHAT_SEED", "1515")),
        layer_url=layer_url,
        workers=int(os.environ.get("ACCORD_BENCH_CHAT_WORKERS", "2")),
    )
    figures["load_average_before"] = load_before
    return figures
